use super::*;

const RESET: &str = "Choose a new password here:\n\nhttps://me.example/reset-password?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl\n\nThe link works once.\n";

#[test]
fn a_sent_link_keeps_its_header_and_claims_but_not_its_signature() {
    let redacted = without_live_links(RESET);
    assert_eq!(
        redacted,
        "Choose a new password here:\n\nhttps://me.example/reset-password?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.[redacted-after-sending]\n\nThe link works once.\n"
    );
    assert!(!redacted.contains("c2lnbmF0dXJl"));
    assert_eq!(without_live_links(&redacted), redacted, "redacting twice changes nothing");
}

#[test]
fn every_token_goes_and_a_token_that_is_not_a_jwt_goes_whole() {
    let two = format!("{RESET}and again: {RESET}");
    assert_eq!(without_live_links(&two).matches(REDACTED).count(), 2);
    assert!(!without_live_links(&two).contains("c2lnbmF0dXJl"));
    assert_eq!(
        without_live_links("https://me.example/x?token=opaque-secret&y=1 token= end"),
        "https://me.example/x?token=[redacted-after-sending]&y=1 token= end"
    );
    assert_eq!(without_live_links("Hello, no links here."), "Hello, no links here.");
}

#[test]
fn retries_back_off_up_to_an_hour() {
    assert_eq!(backoff(1), Duration::from_secs(60));
    assert_eq!(backoff(2), Duration::from_secs(120));
    assert_eq!(backoff(4), Duration::from_secs(480));
    assert_eq!(backoff(30), MAX_BACKOFF);
}
