//! Starting and stopping the HTTP server.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use leptos::config::LeptosOptions;
use tower::Service;
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::PostgresStore;
use tracing::Instrument;

use crate::access::session;
use crate::access::state::AppState;
use crate::access::system::SystemCtx;
use crate::account::housekeeping;
use crate::account::reset;
use crate::host::http;
use crate::runtime::clock::Clock;
use crate::runtime::config::Config;
use crate::runtime::db;
use crate::runtime::mail;

/// How often queued password-reset requests are answered and the outbox is checked for mail to
/// send.
const MAIL_INTERVAL: Duration = Duration::from_secs(5);

/// How often expired sessions, tokens and throttle counters, and old sent mail, are deleted.
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
    let production = config.is_production();
    let state = AppState::new(pool, config, leptos_options, Clock::system());
    tokio::spawn(maintenance(state.clone()));
    tokio::spawn(deliver_mail(state.clone(), transport));
    let pool = state.pool.clone();
    let app = http::router(state);
    // After the router installed the metrics recorder, so the gauge is exported.
    db::login_role::check_at_start(&pool, production).await;

    let listener = tokio::net::TcpListener::bind(listen_addr)
        .await
        .map_err(|error| format!("could not listen on {listen_addr}: {error}"))?;
    tracing::info!("MarketEdge listening on http://{listen_addr}");
    serve_connections(listener, app, HEADER_READ_TIMEOUT, shutdown_signal()).await;
    tracing::info!("MarketEdge stopped");
    Ok(())
}

/// A client gets this long to send its request headers; slower ones (slowloris) are cut off.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// After a shutdown signal, in-flight requests get this long to finish.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Accepts connections until `shutdown` resolves, then drains. `axum::serve` has no header-read
/// timeout, so connections are served with hyper-util's builder, which has one.
pub async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(error) => {
                    // Out of file descriptors and the like: back off briefly, keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(service) = make_service.call(peer).await;
        let service = TowerToHyperService::new(service);
        let mut builder = Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
        let connection = graceful.watch(
            builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned(),
        );
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("some connections did not finish within {DRAIN_TIMEOUT:?}");
    }
}

/// The background work of a running server: no user, so each runs as a named system job (its
/// log lines say `job`). None of it reads an organisation's rows: the outbox, the reset queue and
/// expired sign-in state are the platform's own tables, outside row-level security, so there is
/// no organisation to scope a transaction to; work that does touch one (price collection next)
/// begins its transactions through `SystemCtx::begin`.
const MAINTENANCE: SystemCtx = SystemCtx::new("maintenance");
const RESET_ANSWERS: SystemCtx = SystemCtx::new("password-reset-answers");
const MAIL_OUTBOX: SystemCtx = SystemCtx::new("mail-outbox");

/// Deletes what has expired, forever, once a minute. Failures are logged and retried next round.
async fn maintenance(state: AppState) {
    let store = session::store(state.pool.clone());
    let mut interval = tokio::time::interval(MAINTENANCE_INTERVAL);
    loop {
        interval.tick().await;
        maintenance_round(&state, &store).instrument(MAINTENANCE.span()).await;
    }
}

async fn maintenance_round(state: &AppState, store: &PostgresStore) {
    if let Err(error) = store.delete_expired().await {
        tracing::warn!(%error, "maintenance: could not delete expired sessions");
    }
    let now = state.clock.now();
    if let Err(error) =
        housekeeping::delete_expired_auth_state(&state.pool, &state.config, now).await
    {
        tracing::warn!(%error, "maintenance: could not delete expired sign-in state");
    }
    let retention = state.config.mail_retention.value;
    if let Err(error) = mail::prune_sent(&state.pool, retention, now).await {
        tracing::warn!(%error, "maintenance: could not delete old sent mail");
    }
}

/// Answers queued password-reset requests, then sends queued mail (so a reset mail leaves in
/// the round that created it), forever. Delivery failures are recorded per message by
/// `deliver_due`.
async fn deliver_mail(state: AppState, transport: mail::Transport) {
    let mut interval = tokio::time::interval(MAIL_INTERVAL);
    loop {
        interval.tick().await;
        let public_url = &state.config.public_url.value;
        let answered =
            reset::answer_queued_requests(&state.pool, &state.keys, public_url, state.clock.now());
        if let Err(error) = answered.instrument(RESET_ANSWERS.span()).await {
            tracing::warn!(%error, "password reset round failed");
        }
        let delivered = mail::deliver_due(&state.pool, &transport, state.clock.now());
        if let Err(error) = delivered.instrument(MAIL_OUTBOX.span()).await {
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
