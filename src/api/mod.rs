//! Server functions: the API the browser (and, later, API clients) call. One module per feature;
//! each function resolves its access context first, then calls into `server::db`, then returns a
//! DTO from `model`. Public functions say why in a `// public:` comment.

pub mod status;
