//! Server functions: the API the browser (and API clients with a bearer token) call. One module
//! per feature; each function captures its request scope and resolves its access context
//! first, then does its work, then returns a DTO from `model`. Public functions say why in a `// public:` comment.

pub mod account;
pub mod audit;
pub mod market;
pub mod platform;
pub mod status;
pub mod team;
