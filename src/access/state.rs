//! The state every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use crate::access::jwt::TokenKeys;
use crate::runtime::clock::Clock;
use crate::runtime::config::Config;
use crate::runtime::fair_share::FairShare;

/// Shared application state. Cheap to clone: everything inside is reference-counted.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub keys: TokenKeys,
    pub clock: Clock,
    /// The turns at work for signed-in server functions, shared among organisations
    /// (fair_share.rs).
    pub fair_share: Arc<FairShare>,
}

impl AppState {
    pub fn new(pool: PgPool, config: Config, leptos_options: LeptosOptions, clock: Clock) -> Self {
        let keys = TokenKeys::from_secret(config.token_secret.value.expose());
        // While several organisations are active, each gets its share of the cores; waiting in
        // line is bounded like waiting for a database connection.
        let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
        let fair_share = Arc::new(FairShare::new(
            config.request_capacity.value,
            cores,
            config.db_acquire_timeout.value,
        ));
        AppState { pool, config: Arc::new(config), leptos_options, keys, clock, fair_share }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
