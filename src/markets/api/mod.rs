//! The domain's server functions: markets, competitors, observations, analysis, trends and
//! alerts. Browser pages call them with the session cookie; API clients may call them with a
//! bearer token (docs/api.md). Each resolves the access context first; roles are checked by the
//! data functions (viewers read, analysts record, admins manage markets and the threshold).
//!
//! Each function's entry in the OpenAPI document (docs/api.md) is registered right below it
//! (`inventory::submit!`), so adding a function means touching one place; `tests/markets/openapi.rs`
//! fails when a function has no entry or an entry describes arguments its decoder does not read.

mod alerts;
mod analysis;
mod competitors;
#[cfg(feature = "ssr")]
mod doc;
mod market;
mod observations;

pub use alerts::*;
pub use analysis::*;
pub use competitors::*;
pub use market::*;
pub use observations::*;
