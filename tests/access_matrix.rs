//! The access matrix: every registered server function must have a row here saying what each
//! identity gets, and each row is checked by calling the function as that identity. A new server
//! function without a row fails `every_server_function_has_a_row`.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::*;
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
        path: "/api/platform_organisations",
        body: "",
        public_because: None,
        expect: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
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
            "server function {path} has no row in the access matrix (tests/access_matrix.rs)"
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
