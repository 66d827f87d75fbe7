//! The host: the HTML shell, route table and layout every page sits in, and (server only) the
//! server around the features: router and middleware, request bodies, security headers, the
//! anonymous request limit, serving, health, the OpenAPI document, telemetry and demo data.

pub mod app;
pub mod home;
pub mod layout;
pub mod not_found;
pub mod status;

#[cfg(feature = "ssr")]
pub mod anonymous_limit;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod health;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod metrics_endpoint;
#[cfg(feature = "ssr")]
pub mod openapi;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod serve;
#[cfg(feature = "ssr")]
pub mod telemetry;
#[cfg(feature = "ssr")]
pub mod wire;
