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
//! Free-text cells that a spreadsheet would run as a formula carry a leading `'`
//! (csv_safety.rs), which every importer removes again.
//!
//! A download lasts as long as the client takes to read it, so an export may not hold anything
//! other requests need: it runs on a database connection of its own, opened for it outside the
//! application's pool; at most `MAX_CONCURRENT_EXPORTS` run at once and one per organisation
//! (more are answered 503 with `Retry-After` at once, before anything is recorded or opened);
//! and a client that takes nothing for `REQUEST_TIMEOUT_SECS` ends its export, closing the
//! connection, like a request that answers nothing for that long.

use std::collections::HashSet;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipDateTimeBuilder, ZipEntryBuilder};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_util::{AsyncWriteExt, StreamExt};
use sqlx::{Connection, PgConnection};
use time::OffsetDateTime;
use tokio::io::AsyncWrite;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};
use tokio_util::io::ReaderStream;
use uuid::Uuid;

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::ctx::{self, Ctx};
use crate::access::snapshot;
use crate::access::state::AppState;
use crate::access::support;
use crate::access::tenant::TenantTx;
use crate::error::AppError;
use crate::model::account::Role;
use crate::runtime::client_address::client_address;
use crate::runtime::config::Config;
use crate::runtime::csv_safety;
use crate::runtime::request_id;
use crate::runtime::rfc3339;

/// How long one download may take, however steadily the client reads: it holds a database
/// connection and a snapshot until it ends.
const MAX_DURATION: Duration = Duration::from_secs(15 * 60);

/// Timestamps as RFC 3339 in UTC with microseconds: what the importer reads, and exact.
fn utc(column: &str, name: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS {name}")
}

/// A free-text column (a name, a description, an address typed by someone), marked so that a
/// spreadsheet cannot take it for a formula (csv_safety.rs). Numbers, ids, times and fixed
/// values (roles, kinds) are written as they are.
fn text(column: &str, name: &str) -> String {
    format!("{} AS {name}", csv_safety::escape_sql(column))
}

/// One file of the archive: its name and the query that writes it. Each query reads only the
/// organisation the transaction is scoped to (`app_org_id()`), and row-level security enforces
/// it again.
struct File {
    name: &'static str,
    copy: String,
}

impl File {
    fn new(name: &'static str, select: String) -> File {
        File { name, copy: format!("COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)") }
    }
}

static FILES: LazyLock<[File; 7]> = LazyLock::new(|| {
    [
        File::new(
            "markets.csv",
            format!(
                "SELECT m.id, {}, {}, m.currency, {}, {}
                 FROM markets m WHERE m.organisation_id = app_org_id()
                 ORDER BY m.created_at, m.id",
                text("m.name", "name"),
                text("m.region", "region"),
                utc("m.created_at", "created_at"),
                utc("m.archived_at", "archived_at"),
            ),
        ),
        File::new(
            "products.csv",
            format!(
                "SELECT p.id, p.market_id, {}, {}, {}
                 FROM products p JOIN markets m ON m.organisation_id = p.organisation_id AND m.id = p.market_id
                 WHERE p.organisation_id = app_org_id()
                 ORDER BY m.name, p.name, p.id",
                text("m.name", "market"),
                text("p.name", "name"),
                utc("p.created_at", "created_at"),
            ),
        ),
        File::new(
            "competitors.csv",
            format!(
                "SELECT c.id, c.market_id, {}, {}, {}, {}, {}, c.priority,
                        trim_scale(c.market_share_pct) AS market_share_pct, {}, {}, {}
                 FROM competitors c JOIN markets m ON m.organisation_id = c.organisation_id AND m.id = c.market_id
                 WHERE c.organisation_id = app_org_id()
                 ORDER BY m.name, c.name, c.id",
                text("m.name", "market"),
                text("c.name", "name"),
                text("c.business_type", "business_type"),
                text("c.website", "website"),
                text("c.locations", "locations"),
                text("c.description", "description"),
                utc("c.created_at", "created_at"),
                utc("c.archived_at", "archived_at"),
            ),
        ),
        File::new(
            "observations.csv",
            format!(
                "SELECT o.id, o.market_id, {}, {}, {}, trim_scale(o.price) AS price, o.currency, {},
                        {}, CASE WHEN o.is_promotion THEN 'yes' ELSE 'no' END AS promotion, {}, {}, {}
                 FROM price_observations o
                 JOIN markets m ON m.organisation_id = o.organisation_id AND m.id = o.market_id
                 JOIN competitors c ON c.organisation_id = o.organisation_id AND c.id = o.competitor_id
                 JOIN products p ON p.organisation_id = o.organisation_id AND p.id = o.product_id
                 LEFT JOIN memberships r ON r.organisation_id = o.organisation_id AND r.user_id = o.recorded_by
                 LEFT JOIN users u ON u.id = r.user_id
                 WHERE o.organisation_id = app_org_id()
                 ORDER BY o.observed_at, o.id",
                text("m.name", "market"),
                text("c.name", "competitor"),
                text("p.name", "product"),
                utc("o.observed_at", "observed_at"),
                text("o.source", "source"),
                text("o.promotion_details", "promotion_details"),
                text("u.email", "recorded_by"),
                utc("o.created_at", "recorded_at"),
            ),
        ),
        File::new(
            "alerts.csv",
            format!(
                "SELECT a.id, {}, {}, {}, a.observation_id, a.kind, a.severity,
                        trim_scale(a.previous_price) AS previous_price,
                        trim_scale(a.new_price) AS new_price, a.change_pct, {}, {}, {}, {}
                 FROM alerts a
                 JOIN markets m ON m.organisation_id = a.organisation_id AND m.id = a.market_id
                 JOIN competitors c ON c.organisation_id = a.organisation_id AND c.id = a.competitor_id
                 JOIN products p ON p.organisation_id = a.organisation_id AND p.id = a.product_id
                 LEFT JOIN memberships r ON r.organisation_id = a.organisation_id AND r.user_id = a.resolved_by
                 LEFT JOIN users u ON u.id = r.user_id
                 WHERE a.organisation_id = app_org_id()
                 ORDER BY a.created_at, a.id",
                text("m.name", "market"),
                text("c.name", "competitor"),
                text("p.name", "product"),
                utc("a.created_at", "created_at"),
                utc("a.read_at", "read_at"),
                utc("a.resolved_at", "resolved_at"),
                text("u.email", "resolved_by"),
            ),
        ),
        File::new(
            "members.csv",
            format!(
                "SELECT u.id, {}, {}, r.role, u.status, {}, {}
                 FROM memberships r JOIN users u ON u.id = r.user_id
                 WHERE r.organisation_id = app_org_id()
                 ORDER BY u.email",
                text("u.email", "email"),
                text("u.display_name", "display_name"),
                utc("r.created_at", "joined_at"),
                utc("u.last_login_at", "last_login_at"),
            ),
        ),
        File::new(
            "audit_log.csv",
            format!(
                "SELECT a.id, {}, a.action, a.actor_user_id, {}, {}, {}
                 FROM audit_log a WHERE a.organisation_id = app_org_id()
                 ORDER BY a.occurred_at, a.id",
                utc("a.occurred_at", "occurred_at"),
                text("a.subject", "subject"),
                text("a.client_address", "client_address"),
                text("a.detail", "detail"),
            ),
        ),
    ]
});

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
    let organisation_id = ctx.organisation_id().ok_or(AppError::Forbidden)?;
    // Before anything is recorded or opened: a refused export costs nothing.
    let turn = running_exports(state).enter(organisation_id)?;
    let address = client_address(parts);
    support::record_action(&ctx, state, parts.uri.path(), &address).await?;
    let now = state.clock.now();
    let slug = record_export(&ctx, state, &address, now).await?;
    // The snapshot is taken now, before the answer starts: every file shows the same moment.
    let connection = snapshot::open_for_export(&ctx, state).await?;

    let (writer, reader) = tokio::io::duplex(64 * 1024);
    let writer = Watched::new(writer, state.config.request_timeout.value);
    let (finished, outcome) = oneshot::channel();
    let request = request_id::current().unwrap_or_default();
    tokio::spawn(async move {
        // A client reading very slowly would otherwise keep the snapshot open indefinitely.
        let result = match tokio::time::timeout(
            MAX_DURATION,
            write_archive(connection, writer, now),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(ExportError::TooSlow),
        };
        // The connection is closed by now (dropped with `write_archive`): the organisation may
        // export again, and another organisation in its place.
        drop(turn);
        match &result {
            Ok(()) => {}
            Err(error) if error.is_the_clients() => {
                tracing::warn!(request_id = %request, %error, "the export was ended part-way")
            }
            Err(error) => tracing::error!(request_id = %request, %error, "the export failed"),
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

/// The exports running in one application: how many in all (at most `MAX_CONCURRENT_EXPORTS`)
/// and which organisations have one.
struct RunningExports {
    slots: Arc<Semaphore>,
    organisations: Mutex<HashSet<Uuid>>,
}

/// A running export's place, given back when it is dropped.
struct Turn {
    running: Arc<RunningExports>,
    organisation: Uuid,
    _slot: OwnedSemaphorePermit,
}

impl RunningExports {
    /// A place for an export of `organisation`; "unavailable" (503, retry later) at once when
    /// it already has one running or every place is taken. Nobody waits: a waiting export would
    /// hold its request open for as long as another client takes to download.
    fn enter(self: &Arc<Self>, organisation: Uuid) -> Result<Turn, AppError> {
        let mut organisations = self.organisations.lock().unwrap_or_else(PoisonError::into_inner);
        if organisations.contains(&organisation) {
            return Err(AppError::Unavailable);
        }
        let slot = self.slots.clone().try_acquire_owned().map_err(|_| AppError::Unavailable)?;
        organisations.insert(organisation);
        Ok(Turn { running: self.clone(), organisation, _slot: slot })
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut organisations =
            self.running.organisations.lock().unwrap_or_else(PoisonError::into_inner);
        organisations.remove(&self.organisation);
    }
}

/// Every application's running exports, by its configuration: each `AppState::new` makes one
/// `Arc<Config>`, shared by the state's clones and by nothing else, so it names the application
/// (a process serves one; the tests run many side by side, which must not share their limits).
/// A `Weak` keeps the configuration's allocation, so its address cannot be reused by another
/// while the entry exists; entries of applications that are gone are dropped on the way.
static RUNNING: Mutex<Vec<(Weak<Config>, Arc<RunningExports>)>> = Mutex::new(Vec::new());

fn running_exports(state: &AppState) -> Arc<RunningExports> {
    let mut all = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
    all.retain(|(config, _)| config.strong_count() > 0);
    let config = Arc::downgrade(&state.config);
    if let Some((_, running)) = all.iter().find(|(known, _)| known.ptr_eq(&config)) {
        return running.clone();
    }
    let running = Arc::new(RunningExports {
        slots: Arc::new(Semaphore::new(state.config.export_concurrency.value)),
        organisations: Mutex::new(HashSet::new()),
    });
    all.push((config, running.clone()));
    running
}

/// The pipe to the client, failing a write of which the client has taken nothing for `limit`:
/// a client that stops reading cannot keep the export's connection and snapshot. (How fast it
/// reads otherwise is its own business, up to [`MAX_DURATION`].)
struct Watched<W> {
    inner: W,
    limit: Duration,
    /// Runs while a write waits for the client.
    waiting: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<W> Watched<W> {
    fn new(inner: W, limit: Duration) -> Self {
        Watched { inner, limit, waiting: None }
    }

    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.waiting = None;
            return poll;
        }
        let limit = self.limit;
        let waiting = self.waiting.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match waiting.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the client took nothing for {} s", limit.as_secs()),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Watched<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, poll)
    }
}

/// Streams every file into the archive, in the snapshot open on `connection`, then closes it.
async fn write_archive(
    mut connection: PgConnection,
    writer: Watched<tokio::io::DuplexStream>,
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
    for file in FILES.iter() {
        let entry = ZipEntryBuilder::new(file.name.into(), Compression::Deflate)
            .last_modification_date(modified);
        let mut entry = zip.write_entry_stream(entry).await?;
        let mut chunks = connection.copy_out_raw(&file.copy).await?;
        while let Some(chunk) = chunks.next().await {
            entry.write_all(&chunk?).await?;
        }
        drop(chunks);
        entry.close().await?;
    }
    let mut writer = zip.close().await?;
    writer.close().await?;
    // A read-only snapshot has nothing to commit: ending the session ends it.
    connection.close().await?;
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
}

impl ExportError {
    /// Whether the client ended the export: it went away or stopped reading.
    fn is_the_clients(&self) -> bool {
        let io = match self {
            ExportError::Io(error)
            | ExportError::Zip(async_zip::error::ZipError::UpstreamReadError(error)) => error,
            _ => return false,
        };
        matches!(io.kind(), io::ErrorKind::TimedOut | io::ErrorKind::BrokenPipe)
    }
}
