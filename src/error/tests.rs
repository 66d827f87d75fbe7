use super::*;

#[test]
fn statuses_follow_the_documented_mapping() {
    let cases = [
        (AppError::Unauthenticated, 401),
        (AppError::Forbidden, 403),
        (AppError::OrganisationSuspended, 403),
        (AppError::NotFound, 404),
        (AppError::BadRequest, 400),
        (AppError::Validation { fields: vec![] }, 422),
        (AppError::Busy, 429),
        (AppError::RateLimited, 429),
        (AppError::Unavailable, 503),
        (AppError::Internal { request_id: None }, 500),
    ];
    for (error, status) in cases {
        assert_eq!(error.status(), status, "{error:?}");
    }
}

#[test]
fn internal_errors_show_only_the_reference() {
    let error = AppError::Internal { request_id: Some("req-123".into()) };
    assert_eq!(error.to_string(), "Something went wrong on our side. Reference: req-123");
}

#[test]
fn framework_errors_never_carry_their_text() {
    let error =
        AppError::from_server_fn_error(ServerFnErrorErr::ServerError("pg: relation x".into()));
    assert_eq!(error, AppError::Internal { request_id: None });
    let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad".into()));
    assert_eq!(error, AppError::BadRequest);
}

#[test]
fn errors_round_trip_through_json_for_the_browser() {
    let error = AppError::Validation {
        fields: vec![FieldError {
            field: "email".into(),
            code: "invalid".into(),
            message: "Enter an email address.".into(),
        }],
    };
    let json = serde_json_roundtrip(&error);
    assert_eq!(json, error);
}

fn serde_json_roundtrip(error: &AppError) -> AppError {
    let bytes = <AppError as FromServerFnError>::ser(error);
    <AppError as FromServerFnError>::de(bytes)
}
