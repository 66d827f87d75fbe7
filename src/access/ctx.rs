//! The access context: who is asking, for which organisation, in which role. Resolved once per
//! request from the session cookie or an `Authorization: Bearer` access token, and re-checked
//! against the database every time, so a role change, deactivation, password change, sign-out
//! elsewhere or suspension takes effect on the very next request.
//!
//! `Ctx` has no public constructor: the only ways to get one are [`resolve`] and
//! [`RequestScope::ctx`], which is what makes "every data function takes the context first" a rule
//! the compiler enforces.

use std::sync::Arc;
use std::time::Duration;

use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tower_sessions::Session;
use tracing::Instrument;
use uuid::Uuid;

use crate::access::identity::{load_account_by_id, Account, Standing};
use crate::access::session::{self, SessionAuth, AUTH_KEY};
use crate::access::state::AppState;
use crate::access::support::{self, SupportGrant};
use crate::error::AppError;
use crate::model::account::{CurrentUser, Role};

/// `last_seen_at` is written at most this often, so reads do not each cost a write.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// How the request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; `record_id` is its `user_sessions` row.
    Session { record_id: Uuid },
    /// A bearer access token with this `jti`.
    Bearer { token_id: Uuid },
}

#[derive(Debug, Clone)]
pub struct Ctx {
    user_id: Uuid,
    organisation_id: Option<Uuid>,
    role: Role,
    email: String,
    display_name: String,
    organisation_name: Option<String>,
    credential: Credential,
    /// A super-admin's open support access: they act in that organisation until it ends.
    support: Option<SupportGrant>,
}

impl Ctx {
    pub fn user_id(&self) -> Uuid {
        self.user_id
    }

    /// The organisation this request acts in: the member's own, or the one a super-admin
    /// entered through support access.
    pub fn organisation_id(&self) -> Option<Uuid> {
        self.support.as_ref().map(|grant| grant.organisation_id).or(self.organisation_id)
    }

    pub fn support(&self) -> Option<&SupportGrant> {
        self.support.as_ref()
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Fails with 403 unless the caller's role covers `needed` (see [`Role::satisfies`]). A
    /// super-admin in support access acts with an admin's rights inside that organisation.
    pub fn require(&self, needed: Role) -> Result<(), AppError> {
        let by_support = self.support.is_some() && needed != Role::SuperAdmin;
        if self.role.satisfies(needed) || by_support {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn current_user(&self) -> CurrentUser {
        CurrentUser {
            user_id: self.user_id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            organisation_name: match &self.support {
                Some(grant) => Some(grant.organisation_name.clone()),
                None => self.organisation_name.clone(),
            },
            support: self.support.as_ref().map(SupportGrant::banner),
            unread_alerts: None,
        }
    }

    fn from_account(account: Account, role: Role, credential: Credential) -> Self {
        Ctx {
            user_id: account.user_id,
            organisation_id: account.organisation_id,
            role,
            email: account.email,
            display_name: account.display_name,
            organisation_name: account.organisation_name,
            credential,
            support: None,
        }
    }
}

/// Resolves the context of a request: 401 (`Unauthenticated`) when there are no valid
/// credentials. A bearer header, when present, is the only credential considered.
pub async fn resolve(state: &AppState, parts: &Parts) -> Result<Ctx, AppError> {
    resolve_optional(state, parts).await?.ok_or(AppError::Unauthenticated)
}

/// Like [`resolve`], but "nobody is signed in" is `Ok(None)`; a malformed or refused bearer token
/// is still an error.
///
/// A page renders several server functions in one request; they share one resolution through
/// the request's [`ResolveOnce`], so the guard's lookups run once per request.
pub async fn resolve_optional(state: &AppState, parts: &Parts) -> Result<Option<Ctx>, AppError> {
    match parts.extensions.get::<ResolveOnce>() {
        Some(once) => once.0.get_or_init(|| resolve_uncached(state, parts)).await.clone(),
        None => resolve_uncached(state, parts).await,
    }
}

/// The request's context, resolved at most once (see [`resolve_optional`]). Installed fresh on
/// every request by [`resolve_once_per_request`]; clones of the request's parts share it.
#[derive(Clone, Default)]
pub struct ResolveOnce(Arc<tokio::sync::OnceCell<Result<Option<Ctx>, AppError>>>);

/// Middleware: gives the request a fresh [`ResolveOnce`].
pub async fn resolve_once_per_request(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    request.extensions_mut().insert(ResolveOnce::default());
    next.run(request).await
}

/// The token of an `Authorization: Bearer <token>` header; `None` for any other value (which the
/// caller refuses rather than ignores). Public for the fuzz targets.
pub fn bearer_token(header: &axum::http::HeaderValue) -> Option<&str> {
    let (scheme, token) = header.to_str().ok()?.split_once(' ')?;
    // RFC 9110 §11.1: the scheme is case-insensitive (`bearer` and `BEARER` are `Bearer`).
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn resolve_uncached(state: &AppState, parts: &Parts) -> Result<Option<Ctx>, AppError> {
    if let Some(header) = parts.headers.get(AUTHORIZATION) {
        let token = bearer_token(header).ok_or(AppError::Unauthenticated)?;
        return from_bearer(state, token).await.map(Some);
    }
    match parts.extensions.get::<Session>() {
        Some(session) => from_session(state, session).await,
        None => Ok(None),
    }
}

/// Runs a server function's work for a signed-in caller: captures the request scope, resolves
/// the context (401 without one), runs `work`, and gives a failure its HTTP status. Every
/// non-public server function is one call to this. Its log lines carry the function's name
/// (a page rendered on the server runs several), with the request's id and caller.
pub async fn guarded<T>(
    work: impl AsyncFnOnce(&Ctx, &RequestScope) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let span = tracing::info_span!(
        "server_fn",
        function = function_name(&work),
        request_id = crate::runtime::request_id::current().unwrap_or_default(),
        organisation_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
    );
    let guarded = async move {
        let scope = RequestScope::capture()?;
        let result = run_guarded(&scope, work).await;
        if matches!(result, Err(AppError::Unavailable)) {
            scope.state.fair_share.note_unavailable();
        }
        scope.respond(result)
    };
    guarded.instrument(span).await
}

/// The server function a `guarded` call works for, from the type of its work: the closure is
/// written inside the function's body, which `#[server]` names `__server_<function>`, so the
/// type's path is `…::__server_<function>::{{closure}}…`. (`type_name` is meant for diagnostics,
/// which a log field is; were its format to change, the field would read oddly, nothing would
/// fail.)
fn function_name<F>(_: &F) -> &'static str {
    let path = std::any::type_name::<F>();
    let path = path.split("::{{closure}}").next().unwrap_or(path);
    let name = path.rsplit("::").next().unwrap_or(path);
    name.strip_prefix("__server_").unwrap_or(name)
}

async fn run_guarded<T>(
    scope: &RequestScope,
    work: impl AsyncFnOnce(&Ctx, &RequestScope) -> Result<T, AppError>,
) -> Result<T, AppError> {
    // The work takes one of the server's turns, waiting in its organisation's line when none is
    // free (fair_share.rs). A bearer token names its organisation, so an API call takes its turn
    // before the guard's database lookup: a flood of calls waits in its own line before it costs
    // the database anything. A browser session's organisation is known only after the lookup.
    let claimed = scope.claimed_organisation();
    let _early_turn = match claimed {
        Some(organisation) => Some(scope.state.fair_share.enter(organisation).await?),
        None => None,
    };
    let ctx = scope.ctx().await?;
    // Every log line of the request from here on says who it was for (telemetry.rs).
    crate::runtime::request_id::record_identity(ctx.user_id(), ctx.organisation_id());
    support::record_action(&ctx, &scope.state, scope.path(), &scope.client_address()).await?;
    let _turn = match (claimed, ctx.organisation_id()) {
        (None, Some(organisation)) => Some(scope.state.fair_share.enter(organisation).await?),
        // The guard refuses a token whose organisation is not the account's, so a claimed
        // organisation is the context's.
        _ => None,
    };
    work(&ctx, scope).await
}

/// What a server function needs from its request, captured synchronously when it starts.
///
/// Leptos provides these as reactive context, which is only reliably readable before the
/// function's first `.await` (during server rendering the rest of the future may be polled
/// outside the owner). Every server function therefore takes this scope first and reads
/// nothing from context afterwards.
#[derive(Clone)]
pub struct RequestScope {
    pub state: AppState,
    parts: Parts,
    response: Option<leptos_axum::ResponseOptions>,
}

impl RequestScope {
    /// Captures the scope of the server function being handled.
    pub fn capture() -> Result<Self, AppError> {
        use leptos::prelude::use_context;
        let state = use_context::<AppState>()
            .ok_or_else(|| AppError::internal("server function without AppState"))?;
        let parts = use_context::<Parts>()
            .ok_or_else(|| AppError::internal("server function without request parts"))?;
        Ok(RequestScope { state, parts, response: use_context::<leptos_axum::ResponseOptions>() })
    }

    /// The organisation a valid bearer token names, without the database (the guard still checks
    /// it against the account).
    fn claimed_organisation(&self) -> Option<Uuid> {
        let token = bearer_token(self.parts.headers.get(AUTHORIZATION)?)?;
        self.state.keys.verify_access(token).ok()?.org
    }

    /// The caller's context; 401 without valid credentials.
    pub async fn ctx(&self) -> Result<Ctx, AppError> {
        resolve(&self.state, &self.parts).await
    }

    /// The caller's context, or `None` for a visitor.
    pub async fn optional_ctx(&self) -> Result<Option<Ctx>, AppError> {
        resolve_optional(&self.state, &self.parts).await
    }

    /// A server function called by an HTML form the browser posted itself (it accepts HTML),
    /// rather than by the app's own fetch (which asks for JSON).
    fn is_plain_form_post(&self) -> bool {
        self.parts.method == axum::http::Method::POST
            && self.parts.uri.path().starts_with("/api/")
            && self
                .parts
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
    }

    /// The path the request was sent to (for a server function, its endpoint).
    pub fn path(&self) -> &str {
        self.parts.uri.path()
    }

    /// The client's address, as the throttle and audit log record it.
    pub fn client_address(&self) -> String {
        crate::runtime::client_address::client_address(&self.parts)
    }

    /// The browser session of this request, if it came with one.
    pub fn session(&self) -> Option<Session> {
        self.parts.extensions.get::<Session>().cloned()
    }

    /// Sets the HTTP status of a failed server function from its [`AppError`] (server functions
    /// otherwise answer every error with 500), then passes the result on.
    pub fn respond<T>(&self, result: Result<T, AppError>) -> Result<T, AppError> {
        // A plain form post (before hydration) is answered by a redirect back to its page, with
        // the error in the address; a status here would stop the browser from following it.
        if self.is_plain_form_post() {
            return result;
        }
        if let (Err(error), Some(response)) = (&result, &self.response) {
            if let Ok(status) = axum::http::StatusCode::from_u16(error.status()) {
                response.set_status(status);
            }
            if let Some(seconds) = error.retry_after() {
                response.insert_header(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static(seconds),
                );
            }
        }
        result
    }
}

async fn from_bearer(state: &AppState, token: &str) -> Result<Ctx, AppError> {
    let claims = state.keys.verify_access(token).map_err(|error| {
        tracing::debug!(%error, "bearer token refused");
        AppError::Unauthenticated
    })?;
    let account =
        load_account_by_id(&state.pool, claims.sub).await?.ok_or(AppError::Unauthenticated)?;
    let role = account.role().ok_or(AppError::Unauthenticated)?;
    // The token must still describe the account exactly: same version, role and organisation.
    let same_account = claims.ver == account.auth_version
        && claims.user_role == role
        && claims.org == account.organisation_id;
    match (same_account, account.standing()) {
        (true, Standing::Good) => {}
        (true, Standing::OrganisationSuspended) => return Err(AppError::OrganisationSuspended),
        _ => return Err(AppError::Unauthenticated),
    }
    Ok(Ctx::from_account(account, role, Credential::Bearer { token_id: claims.jti }))
}

async fn from_session(state: &AppState, session: &Session) -> Result<Option<Ctx>, AppError> {
    let auth = session.get::<SessionAuth>(AUTH_KEY).await.map_err(session::store_failure)?;
    let Some(auth) = auth else {
        return Ok(None);
    };
    let now = state.clock.now();
    let record = sqlx::query!(
        "SELECT created_at, last_seen_at FROM user_sessions WHERE id = $1 AND user_id = $2",
        auth.record_id,
        auth.user_id
    )
    .fetch_optional(&state.pool)
    .await?;
    let idle = state.config.session_idle.value;
    let absolute = state.config.session_absolute.value;
    let live = record.as_ref().is_some_and(|record| {
        now - record.last_seen_at <= idle && now - record.created_at <= absolute
    });
    let account = match live {
        true => load_account_by_id(&state.pool, auth.user_id).await?,
        false => None,
    };
    let valid = account.as_ref().and_then(|account| {
        let role = account.role()?;
        (account.standing() != Standing::Inactive && account.auth_version == auth.auth_version)
            .then_some(role)
    });
    let (Some(account), Some(role)) = (account, valid) else {
        // Ended elsewhere, expired, or no longer valid: forget it on this browser too.
        sqlx::query!("DELETE FROM user_sessions WHERE id = $1", auth.record_id)
            .execute(&state.pool)
            .await?;
        session.flush().await.map_err(session::store_failure)?;
        return Ok(None);
    };
    if account.standing() == Standing::OrganisationSuspended {
        // The session stays, refused, so the member sees why rather than a sign-in form; it
        // works again only if the organisation is reactivated before it expires.
        return Err(AppError::OrganisationSuspended);
    }
    if let Some(record) = record {
        if now - record.last_seen_at >= TOUCH_INTERVAL {
            sqlx::query!(
                "UPDATE user_sessions SET last_seen_at = $2 WHERE id = $1",
                auth.record_id,
                now
            )
            .execute(&state.pool)
            .await?;
        }
    }
    let support = match role {
        Role::SuperAdmin => {
            support::open_grant(&state.pool, account.user_id, auth.record_id, now).await?
        }
        _ => None,
    };
    let mut ctx =
        Ctx::from_account(account, role, Credential::Session { record_id: auth.record_id });
    ctx.support = support;
    Ok(Some(ctx))
}
