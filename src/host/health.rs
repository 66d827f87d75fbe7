//! `/healthz` (the process answers) and `/readyz` (it can do its job: database reachable and the
//! schema current). Platforms route traffic on readiness and restart on liveness, so liveness must
//! not depend on the database.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::access::state::AppState;
use crate::runtime::db;

/// Readiness must answer even when the database hangs.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
pub struct Liveness {
    status: &'static str,
    version: &'static str,
}

pub async fn live() -> Json<Liveness> {
    Json(Liveness { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

#[derive(Debug, Serialize)]
pub struct Readiness {
    status: &'static str,
    database: &'static str,
    migrations_applied: Option<usize>,
    migrations_pending: Option<usize>,
}

pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let checked = tokio::time::timeout(READINESS_TIMEOUT, db::schema_state(&state.pool)).await;
    let (status, readiness) = match checked {
        Ok(Ok(schema)) if schema.pending == 0 => (
            StatusCode::OK,
            Readiness {
                status: "ready",
                database: "ok",
                migrations_applied: Some(schema.applied),
                migrations_pending: Some(0),
            },
        ),
        Ok(Ok(schema)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Readiness {
                status: "not_ready",
                database: "ok",
                migrations_applied: Some(schema.applied),
                migrations_pending: Some(schema.pending),
            },
        ),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database check failed");
            (StatusCode::SERVICE_UNAVAILABLE, unreachable_database())
        }
        Err(_) => {
            tracing::warn!("readiness: database check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, unreachable_database())
        }
    };
    (status, Json(readiness))
}

fn unreachable_database() -> Readiness {
    Readiness {
        status: "not_ready",
        database: "unreachable",
        migrations_applied: None,
        migrations_pending: None,
    }
}
