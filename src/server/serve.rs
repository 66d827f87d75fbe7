//! Starting and stopping the HTTP server.

use std::sync::Arc;

use leptos::config::LeptosOptions;

use crate::server::config::Config;
use crate::server::state::AppState;
use crate::server::{db, http};

/// Connects, migrates, serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
pub async fn run(config: Config, leptos_options: LeptosOptions) -> Result<(), String> {
    let pool = db::connect(&config)
        .await
        .map_err(|error| format!("could not connect to the database: {error}"))?;
    db::migrate(&pool).await.map_err(|error| format!("could not apply migrations: {error}"))?;

    let listen_addr = config.listen_addr.value;
    let state = AppState { pool, config: Arc::new(config), leptos_options };
    let app = http::router(state);

    let listener = tokio::net::TcpListener::bind(listen_addr)
        .await
        .map_err(|error| format!("could not listen on {listen_addr}: {error}"))?;
    tracing::info!("MarketEdge listening on http://{listen_addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|error| format!("server error: {error}"))?;
    tracing::info!("MarketEdge stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
