use super::*;

const SECRET: &str = "a-test-secret-that-is-long-enough-0123456789";

fn request_with(cookie: &HeaderValue) -> HeaderMap {
    let pair = cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_str(&format!("other=1; {pair}")).unwrap());
    headers
}

#[test]
fn a_remembered_browser_presents_its_device_for_that_account() {
    let keys = TokenKeys::from_secret(SECRET);
    let user = Uuid::new_v4();
    let now = OffsetDateTime::now_utc();
    let cookie = remember(&keys, None, user, true, now).unwrap();
    let text = cookie.to_str().unwrap();
    assert!(text.starts_with("__Host-marketedge_device="), "{text}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(text.contains(attribute), "{attribute} missing: {text}");
    }

    let claims = presented(&keys, &request_with(&cookie), true).expect("our cookie");
    assert_eq!(claims.sub, user);
    // Signing in again keeps the device id; another account gets a new one.
    let again = remember(&keys, Some(&claims), user, true, now).unwrap();
    assert_eq!(presented(&keys, &request_with(&again), true).unwrap().jti, claims.jti);
    let other = remember(&keys, Some(&claims), Uuid::new_v4(), true, now).unwrap();
    assert_ne!(presented(&keys, &request_with(&other), true).unwrap().jti, claims.jti);
}

#[test]
fn a_forged_or_foreign_cookie_is_not_a_device() {
    let keys = TokenKeys::from_secret(SECRET);
    let now = OffsetDateTime::now_utc();
    let theirs = TokenKeys::from_secret("another-secret-that-is-long-enough-98765");
    let forged = remember(&theirs, None, Uuid::new_v4(), false, now).unwrap();
    assert!(presented(&keys, &request_with(&forged), false).is_none());
    // The development name is not read in production.
    let ours = remember(&keys, None, Uuid::new_v4(), false, now).unwrap();
    assert!(presented(&keys, &request_with(&ours), true).is_none());
    // An access token is not a device token.
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_static("marketedge_device=eyJhbGciOi.x.y"));
    assert!(presented(&keys, &headers, false).is_none());
}
