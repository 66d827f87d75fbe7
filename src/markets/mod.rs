//! Markets: their products, competitors, price observations, and what is computed from them
//! (analysis, trends, alerts). `api` holds the server functions (each with its OpenAPI entry),
//! `pages` the routes; the rest, server only, are the data functions: each takes the context
//! first and works in the caller's tenant transaction, so ids of another organisation match
//! nothing (404).

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod alerts;
#[cfg(feature = "ssr")]
pub mod analysis;
#[cfg(feature = "ssr")]
pub mod competitors;
#[cfg(feature = "ssr")]
pub mod import;
#[cfg(feature = "ssr")]
pub mod market;
#[cfg(feature = "ssr")]
pub mod observations;
#[cfg(feature = "ssr")]
pub mod prices;
#[cfg(feature = "ssr")]
pub mod trends;

#[cfg(feature = "ssr")]
use crate::error::{AppError, FieldError};

/// Turns collected field problems into the validation error, or passes.
#[cfg(feature = "ssr")]
pub fn check(problems: Vec<FieldError>) -> Result<(), AppError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation { fields: problems })
    }
}
