//! Log output. Levels come from `RUST_LOG` (default: info for MarketEdge, warn for the rest).

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("marketedge=info,tower_http=info,warn"));
    // `try_init` so tests that build several routers in one process don't panic.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}
