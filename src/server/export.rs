//! The organisation's data, to take away: `GET /export` answers a ZIP of CSV files (markets,
//! products, competitors, observations, alerts, members and the audit log), written while it
//! downloads and never held in memory.
//!
//! Admins export their own organisation; a super-admin exports one only through support access
//! (the guard gives them that organisation's context, and the request is audited as support
//! work). The export is recorded in the organisation's audit log before the first byte is sent.
//!
//! Every file is one `COPY (SELECT …) TO STDOUT` in a single read-only snapshot, scoped to the
//! organisation like every tenant transaction: PostgreSQL writes the CSV (quoting included) and
//! row-level security decides what it can see, so another organisation's rows cannot appear.
//! `observations.csv` uses the importer's column names and formats, so it imports back as it is.

use std::io;

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipDateTimeBuilder, ZipEntryBuilder};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_util::{AsyncWriteExt, StreamExt};
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio_util::io::ReaderStream;

use crate::error::AppError;
use crate::model::account::Role;
use crate::server::admin::support;
use crate::server::auth::audit::{self, AuditAction, AuditEvent};
use crate::server::auth::ctx::{self, Ctx};
use crate::server::db::tenant::TenantTx;
use crate::server::routes::client_address;
use crate::server::state::AppState;
use crate::server::{request_id, rfc3339};

/// How long one download may take, however slowly the client reads: it holds a database
/// connection and a snapshot until it ends.
const MAX_DURATION: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Timestamps as RFC 3339 in UTC with microseconds: what the importer reads, and exact.
macro_rules! utc {
    ($column:literal) => {
        concat!("to_char(", $column, " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
    };
}

/// One file of the archive: its name and the query that writes it. Each query reads only the
/// organisation the transaction is scoped to (`app_org_id()`), and row-level security enforces
/// it again.
struct File {
    name: &'static str,
    copy: &'static str,
}

const FILES: &[File] = &[
    File {
        name: "markets.csv",
        copy: concat!(
            "COPY (SELECT m.id, m.name, m.region, m.currency, ",
            utc!("m.created_at"),
            " AS created_at, ",
            utc!("m.archived_at"),
            " AS archived_at
             FROM markets m WHERE m.organisation_id = app_org_id()
             ORDER BY m.created_at, m.id) TO STDOUT WITH (FORMAT csv, HEADER)"
        ),
    },
    File {
        name: "products.csv",
        copy: concat!(
            "COPY (SELECT p.id, p.market_id, m.name AS market, p.name, ",
            utc!("p.created_at"),
            " AS created_at
             FROM products p JOIN markets m ON m.organisation_id = p.organisation_id AND m.id = p.market_id
             WHERE p.organisation_id = app_org_id()
             ORDER BY m.name, p.name, p.id) TO STDOUT WITH (FORMAT csv, HEADER)"
        ),
    },
    File {
        name: "competitors.csv",
        copy: concat!(
            "COPY (SELECT c.id, c.market_id, m.name AS market, c.name, c.business_type, c.website,
                    c.locations, c.priority, trim_scale(c.market_share_pct) AS market_share_pct,
                    c.description, ",
            utc!("c.created_at"),
            " AS created_at, ",
            utc!("c.archived_at"),
            " AS archived_at
             FROM competitors c JOIN markets m ON m.organisation_id = c.organisation_id AND m.id = c.market_id
             WHERE c.organisation_id = app_org_id()
             ORDER BY m.name, c.name, c.id) TO STDOUT WITH (FORMAT csv, HEADER)"
        ),
    },
    File {
        name: "observations.csv",
        copy: concat!(
            "COPY (SELECT o.id, o.market_id, m.name AS market, c.name AS competitor, p.name AS product,
                    trim_scale(o.price) AS price, o.currency, ",
            utc!("o.observed_at"),
            " AS observed_at, o.source,
                    CASE WHEN o.is_promotion THEN 'yes' ELSE 'no' END AS promotion,
                    o.promotion_details, u.email AS recorded_by, ",
            utc!("o.created_at"),
            " AS recorded_at
             FROM price_observations o
             JOIN markets m ON m.organisation_id = o.organisation_id AND m.id = o.market_id
             JOIN competitors c ON c.organisation_id = o.organisation_id AND c.id = o.competitor_id
             JOIN products p ON p.organisation_id = o.organisation_id AND p.id = o.product_id
             LEFT JOIN memberships r ON r.organisation_id = o.organisation_id AND r.user_id = o.recorded_by
             LEFT JOIN users u ON u.id = r.user_id
             WHERE o.organisation_id = app_org_id()
             ORDER BY o.observed_at, o.id) TO STDOUT WITH (FORMAT csv, HEADER)"
        ),
    },
    File {
        name: "alerts.csv",
        copy: concat!(
            "COPY (SELECT a.id, m.name AS market, c.name AS competitor, p.name AS product,
                    a.observation_id, a.kind, a.severity, trim_scale(a.previous_price) AS previous_price,
                    trim_scale(a.new_price) AS new_price, a.change_pct, ",
            utc!("a.created_at"),
            " AS created_at, ",
            utc!("a.read_at"),
            " AS read_at, ",
            utc!("a.resolved_at"),
            " AS resolved_at, u.email AS resolved_by
             FROM alerts a
             JOIN markets m ON m.organisation_id = a.organisation_id AND m.id = a.market_id
             JOIN competitors c ON c.organisation_id = a.organisation_id AND c.id = a.competitor_id
             JOIN products p ON p.organisation_id = a.organisation_id AND p.id = a.product_id
             LEFT JOIN memberships r ON r.organisation_id = a.organisation_id AND r.user_id = a.resolved_by
             LEFT JOIN users u ON u.id = r.user_id
             WHERE a.organisation_id = app_org_id()
             ORDER BY a.created_at, a.id) TO STDOUT WITH (FORMAT csv, HEADER)"
        ),
    },
    File {
        name: "members.csv",
        copy: concat!(
            "COPY (SELECT u.id, u.email, u.display_name, r.role, u.status, ",
            utc!("r.created_at"),
            " AS joined_at, ",
            utc!("u.last_login_at"),
            " AS last_login_at
             FROM memberships r JOIN users u ON u.id = r.user_id
             WHERE r.organisation_id = app_org_id()
             ORDER BY u.email) TO STDOUT WITH (FORMAT csv, HEADER)"
        ),
    },
    File {
        name: "audit_log.csv",
        copy: concat!(
            "COPY (SELECT a.id, ",
            utc!("a.occurred_at"),
            " AS occurred_at, a.action, a.actor_user_id, a.subject, a.client_address,
                    a.detail
             FROM audit_log a WHERE a.organisation_id = app_org_id()
             ORDER BY a.occurred_at, a.id) TO STDOUT WITH (FORMAT csv, HEADER)"
        ),
    },
];

/// The names of the archive's files, in order.
pub fn file_names() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|file| file.name)
}

/// `GET /export`: the caller's organisation as a ZIP download.
pub async fn download(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _body) = request.into_parts();
    match start(&state, &parts).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn start(state: &AppState, parts: &axum::http::request::Parts) -> Result<Response, AppError> {
    let ctx = ctx::resolve(state, parts).await?;
    request_id::record_identity(ctx.user_id(), ctx.organisation_id());
    ctx.require(Role::Admin)?;
    let address = client_address(parts);
    support::record_action(&ctx, state, parts.uri.path(), &address).await?;
    let now = state.clock.now();
    let slug = record_export(&ctx, state, &address, now).await?;
    // The snapshot is taken now, before the answer starts: every file shows the same moment.
    let tx = TenantTx::begin_snapshot(&ctx, &state.pool).await?;

    let (writer, reader) = tokio::io::duplex(64 * 1024);
    let (finished, outcome) = oneshot::channel();
    let request = request_id::current().unwrap_or_default();
    tokio::spawn(async move {
        // A client reading very slowly would otherwise keep the snapshot open indefinitely.
        let result = match tokio::time::timeout(MAX_DURATION, write_archive(tx, writer, now)).await
        {
            Ok(result) => result,
            Err(_) => Err(ExportError::TooSlow),
        };
        if let Err(error) = &result {
            tracing::error!(request_id = %request, %error, "the export stopped part-way");
        }
        let _ = finished.send(result.is_ok());
    });
    // The archive's bytes, then — if writing it failed — an error, which makes the server abort
    // the response instead of ending it: the client sees a failed download, never a short file
    // that looks complete.
    let failure = futures_util::stream::once(async move {
        match outcome.await {
            Ok(true) => None,
            _ => Some(Err(io::Error::other("the export stopped part-way"))),
        }
    })
    .filter_map(|item| async move { item });
    let body = Body::from_stream(ReaderStream::new(reader).chain(failure));

    let file_name = format!("marketedge-{slug}-{}.zip", now.date());
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .map_err(|_| AppError::internal("export file name is not a header value"))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/zip")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// Writes the export's audit entry (and, under support access, the platform's) and commits it
/// before anything is sent: an export that starts is on the record even if the download is cut
/// short. Returns the organisation's slug, for the file name.
async fn record_export(
    ctx: &Ctx,
    state: &AppState,
    client_address: &str,
    now: OffsetDateTime,
) -> Result<String, AppError> {
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let slug = sqlx::query_scalar!("SELECT slug FROM organisations WHERE id = $1", organisation_id)
        .fetch_one(tx.connection())
        .await?;
    let files: Vec<&str> = file_names().collect();
    let event = AuditEvent {
        action: AuditAction::DataExported,
        actor_user_id: Some(ctx.user_id()),
        subject: &slug,
        client_address,
        detail: serde_json::json!({ "files": files, "snapshot_at": rfc3339(now) }),
    };
    if ctx.support().is_some() {
        let detail = serde_json::json!({ "organisation": organisation_id, "files": files });
        audit::record_platform(tx.connection(), AuditEvent { detail, ..event.clone() }, now)
            .await?;
    }
    tx.audit(ctx, event, now).await?;
    tx.commit().await?;
    Ok(slug)
}

/// Streams every file into the archive, in the snapshot `tx`.
async fn write_archive(
    mut tx: TenantTx,
    writer: tokio::io::DuplexStream,
    now: OffsetDateTime,
) -> Result<(), ExportError> {
    let modified = ZipDateTimeBuilder::new()
        .year(now.year())
        .month(u8::from(now.month()).into())
        .day(now.day().into())
        .hour(now.hour().into())
        .minute(now.minute().into())
        .second(now.second().into())
        .build();
    let mut zip = ZipFileWriter::with_tokio(writer);
    for file in FILES {
        let entry = ZipEntryBuilder::new(file.name.into(), Compression::Deflate)
            .last_modification_date(modified);
        let mut entry = zip.write_entry_stream(entry).await?;
        let mut chunks = tx.connection().copy_out_raw(file.copy).await?;
        while let Some(chunk) = chunks.next().await {
            entry.write_all(&chunk?).await?;
        }
        drop(chunks);
        entry.close().await?;
    }
    let mut writer = zip.close().await?;
    writer.close().await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error("not downloaded within {} minutes", MAX_DURATION.as_secs() / 60)]
    TooSlow,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("archive: {0}")]
    Zip(#[from] async_zip::error::ZipError),
    #[error("writing: {0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    App(#[from] AppError),
}
