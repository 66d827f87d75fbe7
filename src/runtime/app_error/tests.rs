use super::*;

#[test]
fn database_failures_never_show_their_text() {
    let error = AppError::from(sqlx::Error::Protocol("relation \"users\" leaked".into()));
    assert_eq!(error, AppError::Internal { request_id: None });
    assert!(!error.to_string().contains("users"));
}

#[test]
fn an_exhausted_pool_is_unavailable_not_internal() {
    assert_eq!(AppError::from(sqlx::Error::PoolTimedOut), AppError::Unavailable);
}

#[test]
fn a_lost_server_is_transient_and_a_wrong_statement_is_not() {
    for code in ["08006", "08003", "57P01", "57P02", "57P03", "53300"] {
        assert!(is_transient(Some(code)), "{code}");
    }
    // Unique violation, syntax error, query cancelled by statement_timeout, no code.
    for code in [Some("23505"), Some("42601"), Some("57014"), None] {
        assert!(!is_transient(code), "{code:?}");
    }
}

#[tokio::test]
async fn internal_errors_carry_the_current_request_id() {
    let error =
        crate::runtime::request_id::scope_for_test("req-42", async { AppError::internal("boom") })
            .await;
    assert_eq!(error, AppError::Internal { request_id: Some("req-42".into()) });
    assert_eq!(error.into_response().status(), StatusCode::INTERNAL_SERVER_ERROR);
}
