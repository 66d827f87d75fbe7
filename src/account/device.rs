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
mod tests;
