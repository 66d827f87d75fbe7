//! The server's half of the password policy: the shared length rules, plus a refusal of common
//! and easily guessed passwords.
//!
//! The guessability check is zxcvbn (Dropbox's estimator): its dictionaries include the most
//! common leaked passwords, keyboard walks, dates and l33t substitutions, which a plain list would
//! miss. It runs on the server only, so the browser bundle stays small.

use zxcvbn::Score;

use crate::error::FieldError;
use crate::model::validation::{check_new_password, field_error};

/// Checks a new password for `field`. `personal` holds the account's own words (email, name),
/// which make a password easier to guess.
pub fn check_password_policy(field: &str, password: &str, personal: &[&str]) -> Option<FieldError> {
    if let Some(problem) = check_new_password(field, password) {
        return Some(problem);
    }
    // zxcvbn matches user inputs as whole tokens, so "nora@northwind.example" is split into
    // "nora", "northwind", "example".
    let words: Vec<String> = personal
        .iter()
        .flat_map(|input| input.split(|c: char| !c.is_alphanumeric()))
        .filter(|word| word.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &words);
    // Score one means "guessable within a million tries": every common password lands here.
    (estimate.score() < Score::Two).then(|| {
        field_error(
            field,
            "too_common",
            "This password is too common or too easy to guess. Try a few unrelated words.",
        )
    })
}

#[cfg(test)]
mod tests;
