//! The domain: markets with their products, competitors, price observations, and what is
//! computed from them (analysis, trends, alerts). Every function takes the context first and
//! works in the caller's tenant transaction; ids of another organisation match nothing (404).

pub mod alerts;
pub mod analysis;
pub mod competitors;
pub mod import;
pub mod markets;
pub mod observations;
pub mod trends;

use crate::error::{AppError, FieldError};

/// Turns collected field problems into the validation error, or passes.
pub fn check(problems: Vec<FieldError>) -> Result<(), AppError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation { fields: problems })
    }
}
