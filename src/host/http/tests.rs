use super::*;
use http_body_util::BodyExt;

#[tokio::test]
async fn a_panic_is_a_generic_500_carrying_the_request_id() {
    let response = crate::runtime::request_id::scope_for_test("req-panic-1", async {
        answer_panic(Box::new("secret detail of the panic"))
    })
    .await;

    assert_eq!(response.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("req-panic-1"), "{body}");
    assert!(!body.contains("secret detail"), "{body}");
}
