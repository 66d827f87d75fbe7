//! Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies").
//!
//! A browser that signed in to an account successfully gets a signed, HttpOnly cookie naming that
//! account and a random device id. Its later sign-ins to that account are counted on the device's
//! own key (throttle.rs) instead of the account's and the address's, which strangers can drive up
//! from anywhere: a lockout then stops the guessers, not the account's owner. The cookie proves
//! only "this browser knew the password once"; it never signs anyone in, never skips a password
//! check, and (issue 17) never exempts a second factor from throttling. A stolen cookie buys its
//! thief the device key's small allowance, no more.
//!
//! One cookie per browser: signing in to another account replaces it.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use time::OffsetDateTime;
use tower_sessions::cookie::{Cookie, SameSite};
use uuid::Uuid;

use crate::access::jwt::{DeviceClaims, TokenKeys};

/// How long a browser stays known without signing in again (each sign-in renews it).
pub const LIFETIME_SECONDS: i64 = 180 * 24 * 60 * 60;

/// The cookie's name; `__Host-` in production, like the session cookie.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-marketedge_device"
    } else {
        "marketedge_device"
    }
}

/// The device cookie this request presents, if it is one of ours and still valid.
pub fn presented(keys: &TokenKeys, headers: &HeaderMap, secure: bool) -> Option<DeviceClaims> {
    let name = cookie_name(secure);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| Cookie::split_parse(value.to_owned()).flatten())
        .filter(|cookie| cookie.name() == name)
        .find_map(|cookie| keys.verify_device(cookie.value()).ok())
}

/// The `Set-Cookie` that remembers this browser for `user_id`: the device id it presented for
/// that account, or a new one.
pub fn remember(
    keys: &TokenKeys,
    presented: Option<&DeviceClaims>,
    user_id: Uuid,
    secure: bool,
    now: OffsetDateTime,
) -> Option<HeaderValue> {
    let device_id = presented
        .filter(|claims| claims.sub == user_id)
        .map_or_else(Uuid::new_v4, |claims| claims.jti);
    let token =
        keys.sign_device(&DeviceClaims::new(user_id, device_id, now, LIFETIME_SECONDS)).ok()?;
    let cookie = Cookie::build((cookie_name(secure), token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(LIFETIME_SECONDS))
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// Adds the device cookie to a response.
pub fn set_on(response: &mut axum::response::Response, cookie: Option<HeaderValue>) {
    if let Some(cookie) = cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
}

#[cfg(test)]
mod tests {
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
}
