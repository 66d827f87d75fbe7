//! Starting and stopping the HTTP server.

use std::net::SocketAddr;
use std::time::Duration;

use leptos::config::LeptosOptions;
use tower_sessions::ExpiredDeletion;

use crate::server::auth::session;
use crate::server::clock::Clock;
use crate::server::config::Config;
use crate::server::state::AppState;
use crate::server::{db, http, mail};

/// How often the outbox is checked for mail to send.
const MAIL_INTERVAL: Duration = Duration::from_secs(5);

/// How often expired sessions, tokens and throttle counters are deleted.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(60);

/// Connects, migrates, serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
pub async fn run(config: Config, leptos_options: LeptosOptions) -> Result<(), String> {
    db::migrate(&config).await?;
    let pool = db::connect(&config)
        .await
        .map_err(|error| format!("could not connect to the database: {error}"))?;

    let listen_addr = config.listen_addr.value;
    let transport = mail::Transport::from_config(&config)?;
    if matches!(transport, mail::Transport::Hold) {
        tracing::warn!("SMTP_URL is not set: email stays in the outbox until it is");
    }
    let state = AppState::new(pool, config, leptos_options, Clock::system());
    tokio::spawn(maintenance(state.clone()));
    tokio::spawn(deliver_mail(state.clone(), transport));
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();

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

/// Deletes what has expired, forever, once a minute. Failures are logged and retried next round.
async fn maintenance(state: AppState) {
    let store = session::store(state.pool.clone());
    let mut interval = tokio::time::interval(MAINTENANCE_INTERVAL);
    loop {
        interval.tick().await;
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(%error, "maintenance: could not delete expired sessions");
        }
        if let Err(error) =
            db::delete_expired_auth_state(&state.pool, &state.config, state.clock.now()).await
        {
            tracing::warn!(%error, "maintenance: could not delete expired sign-in state");
        }
    }
}

/// Sends queued mail, forever. Failures are recorded per message by `deliver_due`.
async fn deliver_mail(state: AppState, transport: mail::Transport) {
    let mut interval = tokio::time::interval(MAIL_INTERVAL);
    loop {
        interval.tick().await;
        if let Err(error) = mail::deliver_due(&state.pool, &transport, state.clock.now()).await {
            tracing::warn!(%error, "mail delivery round failed");
        }
    }
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
