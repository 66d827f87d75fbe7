//! Types shared by the server and the browser: the vocabulary of MarketEdge. Nothing here may
//! touch the database, the filesystem or a secret; database mappings are derived only under `ssr`.

pub mod account;
pub mod admin;
pub mod audit;
pub mod market;
pub mod organisation;
pub mod status;
pub mod validation;
