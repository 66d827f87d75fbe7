//! Baselines for `make bench`, measured in the same run as the app (never built into production:
//! it needs the `bench` feature).
//!
//!   bench-baseline serve PORT ORGANISATION_ID   a bare axum server: GET /text answers a word;
//!                                               GET /sql/markets runs the app's own market-list
//!                                               SQL through sqlx, as the app role, with the
//!                                               app's pool size, in an organisation-scoped
//!                                               transaction, and answers it as JSON
//!                                               GET /sql/dashboard runs the audit page's
//!                                               queries (session, guard, unread count, list
//!                                               of 50) and answers them as JSON
//!   bench-baseline argon2 SECONDS THREADS        raw argon2id verifications per second with the
//!                                               app's parameters, on THREADS threads

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use marketedge::access::ctx;
use marketedge::access::session;
use marketedge::access::state::AppState;
use marketedge::access::system::SystemCtx;
use marketedge::audit::organisation_log;
use marketedge::markets;
use marketedge::runtime::clock::Clock;
use marketedge::runtime::config::Config;
use marketedge::runtime::db;
use uuid::Uuid;

/// The baselines reach the organisation as background work does: no guard, one scoped transaction.
const BASELINE: SystemCtx = SystemCtx::new("benchmark-baseline");

#[derive(Clone)]
struct Baseline {
    pool: sqlx::PgPool,
    organisation_id: Uuid,
    app: AppState,
}

/// The audit page's queries without the page: the session store's load (the same layer), the
/// guard's lookups (the app's own function), the unread count and the list of 50, each in its
/// own scoped transaction as the page runs them; answered as JSON.
async fn dashboard(
    State(baseline): State<Baseline>,
    request: axum::extract::Request,
) -> Json<(i64, Vec<marketedge::model::audit::AuditEntry>)> {
    let (parts, _) = request.into_parts();
    let ctx = ctx::resolve(&baseline.app, &parts).await.expect("a signed-in admin");
    let organisation_id = ctx.organisation_id().expect("a member");
    let mut tx = BASELINE.begin(&baseline.pool, organisation_id).await.expect("a tx");
    let unread = markets::alerts::count_unread(&mut tx, organisation_id).await.expect("count");
    tx.commit().await.expect("commit");
    let mut tx = BASELINE.begin(&baseline.pool, organisation_id).await.expect("a tx");
    let entries = organisation_log::select(&mut tx, organisation_id).await.expect("the list");
    tx.commit().await.expect("commit");
    Json((unread, entries))
}

async fn markets(State(baseline): State<Baseline>) -> Json<Vec<marketedge::model::market::Market>> {
    // The app's own way into a tenant transaction, so only the guard and the framework differ.
    let mut tx = BASELINE
        .begin(&baseline.pool, baseline.organisation_id)
        .await
        .expect("a scoped transaction");
    let rows =
        markets::market::select(&mut tx, baseline.organisation_id, None).await.expect("the query");
    tx.commit().await.expect("commit");
    Json(rows)
}

fn argon2() -> Argon2<'static> {
    // The app's parameters (src/account/password.rs): argon2id, m = 19456 KiB, t = 2, p = 1.
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19456, 2, 1, None).expect("parameters"),
    )
}

fn verify_rate(seconds: u64, threads: usize) -> f64 {
    let salt = SaltString::from_b64("YmVuY2htYXJrc2FsdDEyMw").expect("salt");
    let hash =
        argon2().hash_password(b"violet-harbour-engine-42", &salt).expect("hash").to_string();
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (hash, done) = (hash.clone(), done.clone());
            std::thread::spawn(move || {
                let parsed = PasswordHash::new(&hash).expect("parsed");
                let hasher = argon2();
                while Instant::now() < until {
                    hasher.verify_password(b"violet-harbour-engine-42", &parsed).expect("verified");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("argon2") => {
            let seconds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
            let threads = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2);
            println!("{:.2}", verify_rate(seconds, threads));
        }
        Some("serve") => {
            let port: u16 = args.get(2).and_then(|s| s.parse().ok()).expect("a port");
            let organisation_id: Uuid =
                args.get(3).and_then(|s| s.parse().ok()).expect("an organisation id");
            let config = Config::from_process_env("127.0.0.1:0".parse().expect("address"))
                .expect("configuration");
            let pool = db::connect(&config).await.expect("database");
            let sessions = session::layer(session::store(pool.clone()), &config);
            let leptos_options =
                leptos::config::get_configuration(None).expect("Leptos options").leptos_options;
            let app = AppState::new(pool.clone(), config, leptos_options, Clock::system());
            let app = Router::new()
                .route("/text", get(|| async { "ok" }))
                .route("/sql/markets", get(markets))
                .route("/sql/dashboard", get(dashboard).layer(sessions))
                .with_state(Baseline { pool, organisation_id, app });
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("port");
            axum::serve(listener, app).await.expect("serve");
        }
        _ => {
            eprintln!("usage: bench-baseline serve PORT ORGANISATION_ID | argon2 SECONDS THREADS");
            std::process::exit(2);
        }
    }
}
