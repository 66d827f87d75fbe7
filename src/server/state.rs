//! The state every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use crate::server::auth::jwt::TokenKeys;
use crate::server::clock::Clock;
use crate::server::config::Config;

/// Shared application state. Cheap to clone: everything inside is reference-counted.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub keys: TokenKeys,
    pub clock: Clock,
}

impl AppState {
    pub fn new(pool: PgPool, config: Config, leptos_options: LeptosOptions, clock: Clock) -> Self {
        let keys = TokenKeys::from_secret(config.token_secret.value.expose());
        AppState { pool, config: Arc::new(config), leptos_options, keys, clock }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
