//! The access matrix: every registered server function must have a row here saying what each
//! identity gets, and each row is checked by calling the function as that identity. A new server
//! function without a row fails `every_server_function_has_a_row`.
#![cfg(feature = "ssr")]

use crate::common::*;
use axum::http::StatusCode;
use marketedge::model::organisation::MembershipRole;
use sqlx::PgPool;

const OK: u16 = 200;
const UNAUTHENTICATED: u16 = 401;
const FORBIDDEN: u16 = 403;
const NOT_FOUND: u16 = 404;
const INVALID: u16 = 422;

struct Row {
    path: &'static str,
    /// Arguments, url-encoded.
    body: &'static str,
    /// Why anonymous callers may use it, for public functions.
    public_because: Option<&'static str>,
    /// Expected status for: anonymous, viewer, analyst, admin, super-admin.
    expect: [u16; 5],
}

const MATRIX: &[Row] = &[
    Row {
        path: "/api/platform_status",
        body: "",
        public_because: Some("liveness facts only, before anyone signs in"),
        expect: [OK, OK, OK, OK, OK],
    },
    Row {
        path: "/api/signed_in_user",
        body: "",
        public_because: Some("answers null to visitors, otherwise only the caller's own identity"),
        expect: [OK, OK, OK, OK, OK],
    },
    Row {
        path: "/api/my_sessions",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, OK, OK, OK, OK],
    },
    Row {
        path: "/api/end_session",
        body: "id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND],
    },
    Row {
        path: "/api/end_other_sessions",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, OK, OK, OK, OK],
    },
    Row {
        path: "/api/change_password",
        body: "current_password=&new_password=&confirm_password=",
        public_because: None,
        expect: [UNAUTHENTICATED, INVALID, INVALID, INVALID, INVALID],
    },
    Row {
        path: "/api/organisation_audit_log",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN],
    },
    Row {
        path: "/api/platform_warnings",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    },
    Row {
        path: "/api/admin_organisations",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    },
    Row {
        path: "/api/admin_organisation",
        body: "id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    },
    Row {
        path: "/api/create_organisation",
        body: "name=&industry=gym&plan=basic&admin_email=&admin_name=",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, INVALID],
    },
    Row {
        path: "/api/update_organisation",
        body: "id=0190f5c4-0000-7000-8000-000000000000&name=Valid+Name&industry=gym&plan=basic",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    },
    Row {
        path: "/api/set_organisation_status",
        body: "id=0190f5c4-0000-7000-8000-000000000000&status=suspended&reason=Unpaid+since+March",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    },
    Row {
        path: "/api/enter_support",
        body: "organisation_id=0190f5c4-0000-7000-8000-000000000000&reason=Customer+asked+for+help&minutes=30",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    },
    Row {
        path: "/api/request_organisation_deletion",
        body: "id=0190f5c4-0000-7000-8000-000000000000&reason=Customer+asked+for+erasure",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    },
    Row {
        path: "/api/confirm_organisation_deletion",
        body: "id=0190f5c4-0000-7000-8000-000000000000&confirm_name=x",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    },
    Row {
        path: "/api/leave_support",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    },
    Row {
        path: "/api/platform_audit_log",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
    },
    Row {
        path: "/api/organisation_members",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN],
    },
    Row {
        path: "/api/change_member_role",
        body: "user_id=0190f5c4-0000-7000-8000-000000000000&role=viewer",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/set_member_active",
        body: "user_id=0190f5c4-0000-7000-8000-000000000000&active=false",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/organisation_invitations",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN],
    },
    Row {
        path: "/api/invite_member",
        body: "email=&display_name=&role=viewer",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, INVALID, FORBIDDEN],
    },
    Row {
        path: "/api/resend_invitation",
        body: "id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/revoke_invitation",
        body: "id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/check_member_import",
        body: "csv=email%2Cname%2Crole%0Aana%40example.com%2CAna%2Cviewer",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN],
    },
    Row {
        path: "/api/import_members",
        body: "csv=email%2Cname%2Crole",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN],
    },
    Row {
        path: "/api/read_invitation",
        body: "token=not-a-token",
        public_because: Some("the signed invitation link is the credential; invalid ones are 404"),
        expect: [NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND],
    },
    Row {
        path: "/api/markets",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, OK, OK, OK, FORBIDDEN],
    },
    Row {
        path: "/api/market_overview",
        body: "id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/create_market",
        body: "name=&region=&currency=&adopt_template=false",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, INVALID, FORBIDDEN],
    },
    Row {
        path: "/api/update_market",
        body: "id=0190f5c4-0000-7000-8000-000000000000&name=Valid+Name&region=&currency=EUR",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/archive_market",
        body: "id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/add_product",
        body: "market_id=0190f5c4-0000-7000-8000-000000000000&name=Day+pass",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/save_competitor",
        body: "market_id=0190f5c4-0000-7000-8000-000000000000&name=Rival&business_type=&website=&locations=&priority=3&market_share_pct=&description=",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/competitor_profile",
        body: "market_id=0190f5c4-0000-7000-8000-000000000000&id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/archive_competitor",
        body: "id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/record_observation",
        body: "market_id=0190f5c4-0000-7000-8000-000000000000&competitor_id=0190f5c4-0000-7000-8000-000000000000&product_id=0190f5c4-0000-7000-8000-000000000000&price=1&currency=EUR&observed_at=&source=&is_promotion=false&promotion_details=",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/import_observations",
        body: "market_id=0190f5c4-0000-7000-8000-000000000000&csv=competitor%2Cproduct%2Cprice%2Cobserved_at&commit=false",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/market_observations",
        body: "market_id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/market_analysis",
        body: "market_id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/market_trend",
        body: "market_id=0190f5c4-0000-7000-8000-000000000000&product_id=0190f5c4-0000-7000-8000-000000000000",
        public_because: None,
        expect: [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/alerts",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, OK, OK, OK, FORBIDDEN],
    },
    Row {
        path: "/api/unread_alerts",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, OK, OK, OK, FORBIDDEN],
    },
    Row {
        path: "/api/mark_alert",
        body: "id=0190f5c4-0000-7000-8000-000000000000&resolve=true",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
    },
    Row {
        path: "/api/alert_threshold",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, OK, OK, OK, FORBIDDEN],
    },
    Row {
        path: "/api/set_alert_threshold",
        body: "percent=",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, INVALID, FORBIDDEN],
    },
];

#[test]
fn every_server_function_has_a_row_and_none_is_a_get() {
    let registered: Vec<(String, String)> = server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_owned(), method.to_string()))
        .collect();
    assert!(!registered.is_empty());
    for (path, method) in &registered {
        assert!(
            MATRIX.iter().any(|row| row.path == path),
            "server function {path} has no row in the access matrix (tests/access/matrix.rs)"
        );
        // GET server functions could be triggered by a link or an <img>: none may exist.
        assert_eq!(method, "POST", "{path} is not a POST");
    }
    for row in MATRIX {
        assert!(
            registered.iter().any(|(path, _)| path == row.path),
            "{} is in the matrix but not registered",
            row.path
        );
        let open = row.expect[0] != UNAUTHENTICATED;
        assert_eq!(
            open,
            row.public_because.is_some(),
            "{}: public functions must say why",
            row.path
        );
    }
}

#[sqlx::test]
async fn every_identity_gets_what_the_matrix_says(pool: PgPool) {
    let viewer = fx_user(&pool, "viewer@a.example", Some(MembershipRole::Viewer)).await;
    let analyst = fx_user(&pool, "analyst@b.example", Some(MembershipRole::Analyst)).await;
    let admin = fx_user(&pool, "admin@c.example", Some(MembershipRole::Admin)).await;
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool);

    let mut mismatches = Vec::new();
    for row in MATRIX {
        for (column, user) in
            [None, Some(&viewer), Some(&analyst), Some(&admin), Some(&root)].into_iter().enumerate()
        {
            // A fresh sign-in per call: some functions renew or end sessions.
            let cookie = match user {
                Some(user) => Some(signed_in(&app, &user.email, &user.password).await),
                None => None,
            };
            let credential = match &cookie {
                Some(cookie) => Credential::Cookie(cookie),
                None => Credential::None,
            };
            let answer = call_as(&app, row.path, row.body, credential).await;
            let expected = row.expect[column];
            if answer.status.as_u16() != expected {
                let who = user.map_or("anonymous", |user| user.email.as_str());
                mismatches.push(format!(
                    "{} as {who}: {} (expected {expected}) {}",
                    row.path, answer.status, answer.body
                ));
            }
            if answer.status == StatusCode::INTERNAL_SERVER_ERROR {
                mismatches.push(format!("{}: 500", row.path));
            }
        }
    }
    assert!(mismatches.is_empty(), "access matrix violations:\n{}", mismatches.join("\n"));
}

/// Plain HTTP routes (not pages, not server functions): each says why it is public, or that it
/// is not (and then resolves the access context itself).
/// (method, path, reason, status an anonymous same-origin caller gets with an empty body)
const ROUTES: &[(&str, &str, &str, u16)] = &[
    ("GET", "/healthz", "liveness for the platform; touches nothing", 200),
    ("GET", "/readyz", "readiness for the platform; reports only counts", 200),
    ("POST", "/login", "the sign-in form; throttled, answers by redirect", 303),
    ("POST", "/logout", "ends the caller's own session, if any", 303),
    ("POST", "/forgot-password", "answers the same for every email; throttled by design", 303),
    ("POST", "/reset-password", "needs a valid single-use reset token", 303),
    ("POST", "/accept-invitation", "needs a valid single-use invitation link", 303),
    ("POST", "/api/v1/token", "the credentials are the request; malformed is 400", 400),
    ("GET", "/api/openapi.json", "describes the API and grants nothing", 200),
    (
        "GET",
        "/metrics",
        "for a scraper, not a user: absent without METRICS_TOKEN, else needs it",
        404,
    ),
    ("GET", "/export", "not public: resolves the access context itself (admins); 401 here", 401),
];

#[test]
fn every_plain_route_is_declared() {
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/host/http.rs")).unwrap();
    let declared: Vec<&str> = ROUTES.iter().map(|(_, path, _, _)| *path).collect();
    let registered: Vec<String> = source
        .split(".route(\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect();
    assert!(!registered.is_empty());
    for path in &registered {
        assert!(
            declared.contains(&path.as_str()),
            "route {path} is not declared in tests/access/matrix.rs"
        );
    }
    assert_eq!(
        registered.len(),
        declared.len(),
        "declared routes that no longer exist: {declared:?} vs {registered:?}"
    );
}

#[sqlx::test]
async fn every_plain_route_answers_anonymous_callers_as_declared(pool: PgPool) {
    let app = fx_app(pool);

    for (method, path, _why, expected) in ROUTES {
        let request = axum::http::Request::builder()
            .method(*method)
            .uri(*path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(axum::body::Body::empty())
            .unwrap();
        let answer = send(&app, request).await;
        assert_eq!(answer.status.as_u16(), *expected, "{method} {path}: {}", answer.body);
    }
}
