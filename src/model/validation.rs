//! Validation rules shared by the browser (checked before a round trip) and the server (checked
//! again, always). Each failure is a [`FieldError`] with a stable `code` documented in
//! `docs/errors.md` and a message meant for people.

use crate::error::FieldError;

/// Fewest characters in a password (ASVS asks for 8; MarketEdge asks for 12).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Most bytes in a password: generous for passphrases, small enough that argon2 never hashes a
/// megabyte sent by an attacker. Passwords are never truncated: longer ones are refused.
pub const PASSWORD_MAX_BYTES: usize = 256;
/// RFC 5321's limit on a forward path.
pub const EMAIL_MAX_CHARS: usize = 254;

pub fn field_error(field: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.to_owned(), code: code.to_owned(), message: message.into() }
}

/// Emails are compared and stored trimmed and lower-cased.
pub fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Checks an (already normalised) email address.
pub fn check_email(field: &str, email: &str) -> Option<FieldError> {
    if email.is_empty() {
        return Some(field_error(field, "required", "Enter an email address."));
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Some(field_error(
            field,
            "too_long",
            format!("Email addresses have at most {EMAIL_MAX_CHARS} characters."),
        ));
    }
    let well_formed = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    (!well_formed).then(|| {
        field_error(field, "invalid_email", "Enter an email address like name@example.com.")
    })
}

/// The length rules of a new password; the server also refuses common passwords.
/// Any Unicode is accepted and nothing is case-folded or trimmed.
pub fn check_new_password(field: &str, password: &str) -> Option<FieldError> {
    if password.is_empty() {
        return Some(field_error(field, "required", "Enter a password."));
    }
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Some(field_error(
            field,
            "too_short",
            format!("Use at least {PASSWORD_MIN_CHARS} characters."),
        ));
    }
    if password.len() > PASSWORD_MAX_BYTES {
        return Some(field_error(
            field,
            "too_long",
            format!("Use at most {PASSWORD_MAX_BYTES} bytes (about that many letters)."),
        ));
    }
    None
}

/// A non-empty value, for fields whose content is checked elsewhere (a current password).
pub fn check_present(field: &str, value: &str, what: &str) -> Option<FieldError> {
    value.is_empty().then(|| field_error(field, "required", format!("Enter {what}.")))
}

#[cfg(test)]
mod tests;
