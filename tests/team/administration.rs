//! Administration: an organisation's admins managing people (invitations, roles, deactivation,
//! CSV import) and the platform super-admin managing organisations (create, suspend, support
//! access, audit), each rule checked through the real router on a real database.
#![cfg(feature = "ssr")]

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use marketedge::model::organisation::MembershipRole;
use sqlx::PgPool;
use uuid::Uuid;

/// The token of the newest invitation email to `email`.
async fn invitation_token(pool: &PgPool, email: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox_emails WHERE to_address = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(body.contains("/accept-invitation?token="), "{body}");
    let start = body.find("token=").unwrap() + "token=".len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

async fn accept(app: &Router, token: &str, password: &str) -> Answer {
    let body = form(&[
        ("token", token),
        ("display_name", ""),
        ("new_password", password),
        ("confirm_password", password),
    ]);
    let request = Request::post("/accept-invitation")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

async fn audit_actions(pool: &PgPool, organisation_id: Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action::text FROM audit_log WHERE organisation_id = $1 ORDER BY occurred_at, id",
    )
    .bind(organisation_id)
    .fetch_all(pool)
    .await
    .unwrap()
}

const NEW_PASSWORD: &str = "copper-lantern-meadow-91";

#[sqlx::test]
async fn an_invitation_is_accepted_once_and_signs_the_person_in(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &admin.email, &admin.password).await;

    let invited = invite(&app, &cookie, "New.Analyst@A.example", "analyst").await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    let token = invitation_token(&pool, "new.analyst@a.example").await;
    let preview =
        call_as(&app, "/api/read_invitation", &form(&[("token", &token)]), Credential::None).await;
    assert_eq!(preview.json()["email"], "new.analyst@a.example");
    assert_eq!(preview.json()["role"], "analyst");

    let accepted = accept(&app, &token, NEW_PASSWORD).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&accepted), "/?welcome=1");
    let new_cookie = session_cookie(&accepted).expect("accepting signs in");
    let me = whoami(&app, Credential::Cookie(&new_cookie)).await.json();
    assert_eq!(me["email"], "new.analyst@a.example");
    assert_eq!(me["role"], "analyst");
    signed_in(&app, "new.analyst@a.example", NEW_PASSWORD).await;

    let again = accept(&app, &token, "another-long-passphrase-77").await;
    assert_eq!(location(&again), "/accept-invitation?error=invalid_link");
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'new.analyst@a.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(users, 1);
    let actions = audit_actions(&pool, admin.organisation_id.unwrap()).await;
    assert!(actions.contains(&"invitation_created".to_owned()), "{actions:?}");
    assert!(actions.contains(&"invitation_accepted".to_owned()), "{actions:?}");
}

#[sqlx::test]
async fn expired_resent_and_revoked_links_stop_working(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    let cookie = signed_in(&app, &admin.email, &admin.password).await;

    // Expiry: a week and a bit later the link is dead.
    invite(&app, &cookie, "late@a.example", "viewer").await;
    let token = invitation_token(&pool, "late@a.example").await;
    state.clock.advance(std::time::Duration::from_secs(8 * 24 * 3600));
    assert_eq!(
        location(&accept(&app, &token, NEW_PASSWORD).await),
        "/accept-invitation?error=invalid_link"
    );
    let cookie = signed_in(&app, &admin.email, &admin.password).await;

    // Re-sending replaces the link: the old one dies, the new one works.
    let id: Uuid = sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'late@a.example'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let resent =
        call_as(&app, "/api/resend_invitation", &format!("id={id}"), Credential::Cookie(&cookie))
            .await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    let fresh = invitation_token(&pool, "late@a.example").await;
    assert_ne!(fresh, token);
    assert_eq!(
        location(&accept(&app, &token, NEW_PASSWORD).await),
        "/accept-invitation?error=invalid_link"
    );

    // Revoking kills the fresh one too.
    let revoked =
        call_as(&app, "/api/revoke_invitation", &format!("id={id}"), Credential::Cookie(&cookie))
            .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(
        location(&accept(&app, &fresh, NEW_PASSWORD).await),
        "/accept-invitation?error=invalid_link"
    );

    // A link is bound to its invitation's email: tampering with it breaks the signature.
    let tampered = format!("{}x", &fresh[..fresh.len() - 1]);
    assert_eq!(
        location(&accept(&app, &tampered, NEW_PASSWORD).await),
        "/accept-invitation?error=invalid_link"
    );
    let created: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'late@a.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(created, 0);
}

#[sqlx::test]
async fn a_weak_password_keeps_the_invitation_open(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &admin.email, &admin.password).await;
    invite(&app, &cookie, "weak@a.example", "viewer").await;
    let token = invitation_token(&pool, "weak@a.example").await;

    let refused = accept(&app, &token, "short").await;
    assert!(location(&refused).contains("new_password=too_short"), "{}", location(&refused));
    let accepted = accept(&app, &token, NEW_PASSWORD).await;
    assert_eq!(location(&accepted), "/?welcome=1");
}

#[sqlx::test]
async fn invitations_for_existing_accounts_and_open_invitations_are_explained(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let other = fx_user(&pool, "someone@b.example", Some(MembershipRole::Viewer)).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &admin.email, &admin.password).await;

    assert_eq!(
        field_codes(&invite(&app, &cookie, &admin.email, "viewer").await),
        ["already_member"]
    );
    // An account elsewhere is not the admin's business: the invitation is made and sent, and only
    // its recipient learns, when accepting, that the address already has an account.
    assert_eq!(invite(&app, &cookie, &other.email, "viewer").await.status, StatusCode::OK);
    let link = emailed_token(&pool, &other.email).await;
    let accepted = post_form(
        &app,
        "/accept-invitation",
        &[
            ("token", &link),
            ("new_password", "juniper-signal-orchard-19"),
            ("confirm_password", "juniper-signal-orchard-19"),
        ],
    )
    .await;
    assert!(
        accepted.headers["location"].to_str().unwrap().contains("error=has_account"),
        "{:?}",
        accepted.headers
    );
    assert_eq!(invite(&app, &cookie, "fresh@a.example", "viewer").await.status, StatusCode::OK);
    assert_eq!(
        field_codes(&invite(&app, &cookie, "FRESH@a.example", "viewer").await),
        ["already_invited"]
    );
    assert_eq!(
        field_codes(&invite(&app, &cookie, "not-an-email", "viewer").await),
        ["invalid_email"]
    );
    // There is no super-admin membership role to grant.
    assert_eq!(
        invite(&app, &cookie, "boss@a.example", "super_admin").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[sqlx::test]
async fn the_last_admin_cannot_demote_or_deactivate_themselves(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let org = admin.organisation_id.unwrap();
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &admin.email, &admin.password).await;
    let me = admin.user_id.to_string();

    let demote = call_as(
        &app,
        "/api/change_member_role",
        &form(&[("user_id", &me), ("role", "viewer")]),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_codes(&demote), ["last_admin"]);
    let leave = call_as(
        &app,
        "/api/set_member_active",
        &form(&[("user_id", &me), ("active", "false")]),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(field_codes(&leave), ["last_admin"]);
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.json()["role"], "admin");

    // With a second active admin, stepping down is allowed.
    fx_member(&pool, org, "second@a.example", MembershipRole::Admin).await;
    let demote = call_as(
        &app,
        "/api/change_member_role",
        &form(&[("user_id", &me), ("role", "viewer")]),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(demote.status, StatusCode::OK, "{}", demote.body);
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.json()["role"], "viewer");
}

#[sqlx::test]
async fn role_changes_and_deactivation_apply_to_the_members_next_request(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let org = admin.organisation_id.unwrap();
    let analyst = fx_member(&pool, org, "ana@a.example", MembershipRole::Analyst).await;
    let app = fx_app(pool.clone());
    let admin_cookie = signed_in(&app, &admin.email, &admin.password).await;
    let analyst_cookie = signed_in(&app, &analyst.email, &analyst.password).await;
    let target = analyst.user_id.to_string();

    let changed = call_as(
        &app,
        "/api/change_member_role",
        &form(&[("user_id", &target), ("role", "viewer")]),
        Credential::Cookie(&admin_cookie),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(whoami(&app, Credential::Cookie(&analyst_cookie)).await.json()["role"], "viewer");

    let deactivated = call_as(
        &app,
        "/api/set_member_active",
        &form(&[("user_id", &target), ("active", "false")]),
        Credential::Cookie(&admin_cookie),
    )
    .await;
    assert_eq!(deactivated.status, StatusCode::OK);
    assert_eq!(whoami(&app, Credential::Cookie(&analyst_cookie)).await.body, "null");
    let sign_in_again = sign_in(&app, &analyst.email, &analyst.password, None).await;
    assert!(location(&sign_in_again).contains("error=credentials"));

    let reactivated = call_as(
        &app,
        "/api/set_member_active",
        &form(&[("user_id", &target), ("active", "true")]),
        Credential::Cookie(&admin_cookie),
    )
    .await;
    assert_eq!(reactivated.status, StatusCode::OK);
    signed_in(&app, &analyst.email, &analyst.password).await;

    let actions = audit_actions(&pool, org).await;
    for expected in ["role_changed", "user_deactivated", "user_reactivated"] {
        assert!(actions.contains(&expected.to_owned()), "{expected} missing from {actions:?}");
    }
    let change: serde_json::Value =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'role_changed'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(change["before"], "analyst");
    assert_eq!(change["after"], "viewer");
}

#[sqlx::test]
async fn an_admin_of_one_organisation_reaches_nothing_of_another(pool: PgPool) {
    let admin_a = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let admin_b = fx_user(&pool, "admin@b.example", Some(MembershipRole::Admin)).await;
    let org_b = admin_b.organisation_id.unwrap();
    let member_b = fx_member(&pool, org_b, "ana@b.example", MembershipRole::Analyst).await;
    let app = fx_app(pool.clone());
    let cookie_b = signed_in(&app, &admin_b.email, &admin_b.password).await;
    invite(&app, &cookie_b, "pending@b.example", "viewer").await;
    let invitation_b: Uuid =
        sqlx::query_scalar("SELECT id FROM invitations").fetch_one(&pool).await.unwrap();
    let cookie_a = signed_in(&app, &admin_a.email, &admin_a.password).await;
    let as_a = |path: &'static str, body: String| {
        let app = app.clone();
        let cookie = cookie_a.clone();
        async move { call_as(&app, path, &body, Credential::Cookie(&cookie)).await }
    };
    let target = member_b.user_id.to_string();

    let listed = as_a("/api/organisation_members", String::new()).await.json();
    let emails: Vec<&str> =
        listed["rows"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert_eq!(emails, [admin_a.email.as_str()]);
    let invitations = as_a("/api/organisation_invitations", String::new()).await.json();
    assert_eq!(invitations.as_array().unwrap().len(), 0);
    assert_eq!(
        as_a("/api/change_member_role", form(&[("user_id", &target), ("role", "viewer")]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_a("/api/set_member_active", form(&[("user_id", &target), ("active", "false")]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_a("/api/resend_invitation", format!("id={invitation_b}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_a("/api/revoke_invitation", format!("id={invitation_b}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Inviting B's member tells A nothing about B, and is never a membership in B.
    assert_eq!(invite(&app, &cookie_a, &member_b.email, "admin").await.status, StatusCode::OK);

    let (role, status): (String, String) = sqlx::query_as(
        "SELECT m.role::text, u.status::text FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.id = $1",
    )
    .bind(member_b.user_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((role.as_str(), status.as_str()), ("analyst", "active"));
    // B's invitation is untouched; A's own invitation (to B's member) lives in A.
    let open: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT organisation_id, email FROM invitations WHERE revoked_at IS NULL ORDER BY email",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let org_a = admin_a.organisation_id.unwrap();
    assert_eq!(open, [(org_a, member_b.email.clone()), (org_b, "pending@b.example".to_owned())]);
}

#[sqlx::test]
async fn a_csv_import_with_a_bad_last_line_creates_nothing(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &admin.email, &admin.password).await;
    let mut csv = String::from("email,name,role\n");
    for n in 0..30 {
        csv.push_str(&format!("person{n}@a.example,Person {n},viewer\n"));
    }
    let good = csv.clone();
    csv.push_str("admin@a.example,Me Again,analyst\nbroken-address,Nobody,viewer\n");

    let report =
        call_as(&app, "/api/import_members", &form(&[("csv", &csv)]), Credential::Cookie(&cookie))
            .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let report = report.json();
    assert_eq!(report["imported"], false);
    let lines: Vec<i64> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [32, 33]);
    let invitations: i64 =
        sqlx::query_scalar("SELECT count(*) FROM invitations").fetch_one(&pool).await.unwrap();
    assert_eq!(invitations, 0);
    // A refused import is audited as a check, with the addresses it tested.
    let checked: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT detail->'checked' FROM audit_log WHERE action = 'users_import_checked'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(checked.len(), 1);
    assert_eq!(checked[0].as_array().unwrap().len(), 31, "30 people and the admin again");
    assert_eq!(checked[0][0], "person0@a.example");

    let report =
        call_as(&app, "/api/import_members", &form(&[("csv", &good)]), Credential::Cookie(&cookie))
            .await
            .json();
    assert_eq!(report["imported"], true, "{report}");
    assert_eq!(report["rows"], 30);
    let (invitations, mails): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM invitations), (SELECT count(*) FROM outbox_emails)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((invitations, mails), (30, 30));
    assert!(audit_actions(&pool, admin.organisation_id.unwrap())
        .await
        .contains(&"users_imported".to_owned()));

    // The same file again: every line is now an open invitation.
    let again = call_as(
        &app,
        "/api/check_member_import",
        &form(&[("csv", &good)]),
        Credential::Cookie(&cookie),
    )
    .await
    .json();
    assert_eq!(again["problems"].as_array().unwrap().len(), 30);
    let checks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'users_import_checked'
           AND organisation_id = $1 AND actor_user_id = $2",
    )
    .bind(admin.organisation_id.unwrap())
    .bind(admin.user_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(checks, 2, "the refused import and the check-only run");
}

#[sqlx::test]
async fn suspension_cuts_off_sessions_and_tokens_on_the_next_request(pool: PgPool) {
    let member = fx_user(&pool, "ana@a.example", Some(MembershipRole::Analyst)).await;
    let org = member.organisation_id.unwrap().to_string();
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &member.email, &member.password).await;
    let token_request = Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(Body::from(serde_json::json!({"grant_type": "password", "email": member.email, "password": member.password}).to_string()))
        .unwrap();
    let token = send(&app, token_request).await.json()["access_token"].as_str().unwrap().to_owned();
    let root_cookie = signed_in(&app, &root.email, &root.password).await;

    let short = call_as(
        &app,
        "/api/set_organisation_status",
        &form(&[("id", &org), ("status", "suspended"), ("reason", "no")]),
        Credential::Cookie(&root_cookie),
    )
    .await;
    assert_eq!(field_codes(&short), ["too_short"], "a reason is required");
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.status, StatusCode::OK);

    let suspended = call_as(
        &app,
        "/api/set_organisation_status",
        &form(&[("id", &org), ("status", "suspended"), ("reason", "Invoices unpaid since March")]),
        Credential::Cookie(&root_cookie),
    )
    .await;
    assert_eq!(suspended.status, StatusCode::OK, "{}", suspended.body);
    for credential in [Credential::Cookie(&cookie), Credential::Bearer(&token)] {
        let answer = call_as(&app, "/api/my_sessions", "", credential).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert_eq!(answer.json()["error"], "organisation_suspended");
    }
    let page = |path: &str| {
        Request::get(path)
            .header("cookie", &cookie)
            .header("accept", "text/html")
            .body(Body::empty())
            .unwrap()
    };
    let redirected = send(&app, page("/account")).await;
    assert_eq!(
        location(&redirected),
        "/suspended",
        "every page sends the member to the notice; it answered {} {}",
        redirected.status,
        redirected.body
    );
    let notice = send(&app, page("/suspended")).await;
    assert_eq!(notice.status, StatusCode::FORBIDDEN, "the notice is the 403 page");
    assert!(notice.body.contains("Your organisation is suspended"), "{}", notice.body);

    call_as(
        &app,
        "/api/set_organisation_status",
        &form(&[("id", &org), ("status", "active"), ("reason", "Paid in full on Monday")]),
        Credential::Cookie(&root_cookie),
    )
    .await;
    assert_eq!(
        call_as(&app, "/api/my_sessions", "", Credential::Bearer(&token)).await.status,
        StatusCode::OK
    );
    let actions = audit_actions(&pool, member.organisation_id.unwrap()).await;
    assert!(
        actions.contains(&"organisation_suspended".to_owned())
            && actions.contains(&"organisation_reactivated".to_owned())
    );
}

#[sqlx::test]
async fn a_super_admin_creates_an_organisation_whose_admin_joins_by_invitation(pool: PgPool) {
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &root.email, &root.password).await;
    let body = |name: &str, email: &str| {
        form(&[
            ("name", name),
            ("industry", "hotel"),
            ("plan", "professional"),
            ("admin_email", email),
            ("admin_name", "Hana Hotelier"),
        ])
    };

    let created = call_as(
        &app,
        "/api/create_organisation",
        &body("Harbour Hotels", "hana@harbour.example"),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let duplicate = call_as(
        &app,
        "/api/create_organisation",
        &body("HARBOUR hotels", "other@harbour.example"),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(field_codes(&duplicate), ["taken"]);
    let invalid =
        call_as(&app, "/api/create_organisation", &body("H", "nope"), Credential::Cookie(&cookie))
            .await;
    assert_eq!(field_codes(&invalid), ["too_short", "invalid_email"]);

    let token = invitation_token(&pool, "hana@harbour.example").await;
    let accepted = accept(&app, &token, NEW_PASSWORD).await;
    let hana = session_cookie(&accepted).expect("signed in");
    let me = whoami(&app, Credential::Cookie(&hana)).await.json();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["organisation_name"], "Harbour Hotels");
    let (slug, plan): (String, String) =
        sqlx::query_as("SELECT slug, plan::text FROM organisations WHERE name = 'Harbour Hotels'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((slug.as_str(), plan.as_str()), ("harbour-hotels", "professional"));
}

#[sqlx::test]
async fn support_access_is_stated_limited_audited_and_ends_on_leaving(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let org = admin.organisation_id.unwrap();
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    let cookie = signed_in(&app, &root.email, &root.password).await;
    let members = || call_as(&app, "/api/organisation_members", "", Credential::Cookie(&cookie));

    assert_eq!(members().await.status, StatusCode::FORBIDDEN, "no data without entering");
    let vague = call_as(
        &app,
        "/api/enter_support",
        &form(&[("organisation_id", &org.to_string()), ("reason", "help"), ("minutes", "30")]),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(field_codes(&vague), ["too_short"]);
    let entered = call_as(
        &app,
        "/api/enter_support",
        &form(&[
            ("organisation_id", &org.to_string()),
            ("reason", "Ticket 4411: import fails"),
            ("minutes", "30"),
        ]),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(entered.status, StatusCode::OK, "{}", entered.body);

    let listed = members().await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()["rows"][0]["email"], admin.email.as_str());
    let me = whoami(&app, Credential::Cookie(&cookie)).await.json();
    assert_eq!(me["support"]["reason"], "Ticket 4411: import fails");
    let recorded: Vec<(String, Option<Uuid>, String)> = sqlx::query_as(
        "SELECT action::text, actor_user_id, subject FROM audit_log WHERE organisation_id = $1 AND action::text LIKE 'support%' ORDER BY occurred_at, id",
    )
    .bind(org)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(recorded[0].0, "support_access_started");
    assert!(recorded.iter().all(|(_, actor, _)| *actor == Some(root.user_id)));
    assert!(recorded
        .iter()
        .any(|(action, _, subject)| action == "support_action"
            && subject == "/api/organisation_members"));

    // Changes made under support access say so in the organisation's log.
    invite(&app, &cookie, "helped@a.example", "viewer").await;
    let detail: serde_json::Value =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'invitation_created'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(detail["support_access"].is_string(), "{detail}");

    let left = call_as(&app, "/api/leave_support", "", Credential::Cookie(&cookie)).await;
    assert_eq!(left.status, StatusCode::OK);
    assert_eq!(members().await.status, StatusCode::FORBIDDEN);
    assert!(audit_actions(&pool, org).await.contains(&"support_access_ended".to_owned()));

    // It also ends by itself when its time is up.
    call_as(
        &app,
        "/api/enter_support",
        &form(&[
            ("organisation_id", &org.to_string()),
            ("reason", "Ticket 4412: second look"),
            ("minutes", "5"),
        ]),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(members().await.status, StatusCode::OK);
    state.clock.advance(std::time::Duration::from_secs(6 * 60));
    assert_eq!(members().await.status, StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn the_organisation_list_pages_by_keyset_and_filters(pool: PgPool) {
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    sqlx::query(
        "INSERT INTO organisations (id, name, slug, industry, plan, status, created_at)
         SELECT gen_random_uuid(), 'Org ' || lpad(n::text, 3, '0'), 'org-' || n,
                (ARRAY['cinema','hotel','gym','b2b','retail']::industry[])[1 + n % 5],
                'basic', CASE WHEN n % 10 = 0 THEN 'suspended' ELSE 'active' END::organisation_status,
                now() - make_interval(mins => n)
         FROM generate_series(1, 120) n",
    )
    .execute(&pool)
    .await
    .unwrap();
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &root.email, &root.password).await;
    let page = |body: String| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            call_as(&app, "/api/admin_organisations", &body, Credential::Cookie(&cookie))
                .await
                .json()
        }
    };

    let mut names = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = after.as_ref().map(|after| format!("after={after}")).unwrap_or_default();
        let listed = page(body).await;
        names.extend(
            listed["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_owned()),
        );
        match listed["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = (1..=120).map(|n| format!("Org {n:03}")).collect();
    assert_eq!(names, expected, "every organisation once, in name order");

    let newest = page("sort=newest".into()).await;
    assert_eq!(newest["rows"][0]["name"], "Org 001");
    let suspended = page("status=suspended&industry=cinema".into()).await;
    let rows = suspended["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 12, "n % 10 = 0 and n % 5 = 0");
    let searched = page("search=Org+11".into()).await;
    assert_eq!(searched["rows"].as_array().unwrap().len(), 10, "Org 110 to Org 119");
    let wildcard = page("search=%25".into()).await;
    assert_eq!(wildcard["rows"].as_array().unwrap().len(), 0, "a % is a literal");
}

#[sqlx::test]
async fn the_platform_audit_log_spans_organisations_and_filters(pool: PgPool) {
    let a = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let b = fx_user(&pool, "admin@b.example", Some(MembershipRole::Admin)).await;
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool.clone());
    signed_in(&app, &a.email, &a.password).await;
    signed_in(&app, &b.email, &b.password).await;
    let cookie = signed_in(&app, &root.email, &root.password).await;

    let logins = call_as(
        &app,
        "/api/platform_audit_log",
        "action=login_succeeded",
        Credential::Cookie(&cookie),
    )
    .await
    .json();
    let organisations: Vec<Option<&str>> =
        logins["rows"].as_array().unwrap().iter().map(|r| r["organisation"].as_str()).collect();
    assert_eq!(organisations.len(), 3);
    assert_eq!(organisations.iter().filter(|o| o.is_some()).count(), 2, "{organisations:?}");
    let only_a = call_as(
        &app,
        "/api/platform_audit_log",
        &format!("organisation_id={}", a.organisation_id.unwrap()),
        Credential::Cookie(&cookie),
    )
    .await
    .json();
    assert!(only_a["rows"].as_array().unwrap().iter().all(|r| r["actor"] == a.email.as_str()));
}

#[sqlx::test]
async fn the_app_role_cannot_change_or_delete_audit_entries(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let app = fx_app(pool.clone());
    signed_in(&app, &admin.email, &admin.password).await;
    let app_pool = fx_app_pool(&pool);
    for statement in [
        "UPDATE audit_log SET subject = 'x'",
        "DELETE FROM audit_log",
        "UPDATE platform_audit_log SET subject = 'x'",
    ] {
        let mut tx = app_pool.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.org_id', $1, true)")
            .bind(admin.organisation_id.unwrap().to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let refused = sqlx::query(statement).execute(&mut *tx).await;
        assert!(refused.is_err(), "{statement} was allowed");
    }
}

#[sqlx::test]
async fn an_invitation_cannot_be_accepted_from_another_site(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &admin.email, &admin.password).await;
    invite(&app, &cookie, "target@a.example", "viewer").await;
    let token = invitation_token(&pool, "target@a.example").await;
    let body = form(&[
        ("token", &token),
        ("new_password", NEW_PASSWORD),
        ("confirm_password", NEW_PASSWORD),
    ]);

    // An attacker's page posting the victim's link would sign the victim's browser in as the
    // attacker's chosen account: the form is refused like the sign-in form.
    let forged = Request::post("/accept-invitation")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&app, forged).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        location(&accept(&app, &token, NEW_PASSWORD).await),
        "/?welcome=1",
        "the link still works"
    );
}

#[sqlx::test]
async fn a_super_admin_edits_an_organisation_and_both_logs_record_before_and_after(pool: PgPool) {
    let a = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let b = fx_user(&pool, "admin@b.example", Some(MembershipRole::Admin)).await;
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &root.email, &root.password).await;
    let org = a.organisation_id.unwrap().to_string();
    let b_name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
        .bind(b.organisation_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let edit = |name: &str| {
        form(&[("id", &org), ("name", name), ("industry", "retail"), ("plan", "enterprise")])
    };

    let clash = call_as(
        &app,
        "/api/update_organisation",
        &edit(&b_name.to_uppercase()),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(field_codes(&clash), ["taken"]);
    let renamed = call_as(
        &app,
        "/api/update_organisation",
        &edit("Acme Retail"),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let admin_cookie = signed_in(&app, &a.email, &a.password).await;
    assert_eq!(
        whoami(&app, Credential::Cookie(&admin_cookie)).await.json()["organisation_name"],
        "Acme Retail"
    );
    let refused = call_as(
        &app,
        "/api/update_organisation",
        &edit("Mine Now"),
        Credential::Cookie(&admin_cookie),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "an organisation's admin cannot use the console"
    );

    let details: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'organisation_updated'
         UNION ALL SELECT detail FROM platform_audit_log WHERE action = 'organisation_updated'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(details.len(), 2, "in the organisation's log and the platform's");
    for detail in details {
        assert_eq!(detail["before"]["plan"], "basic");
        assert_eq!(detail["after"]["name"], "Acme Retail");
        assert_eq!(detail["after"]["industry"], "retail");
    }
}

#[sqlx::test]
async fn a_suspended_members_refresh_token_is_refused(pool: PgPool) {
    let member = fx_user(&pool, "ana@a.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let grant = |body: serde_json::Value| {
        let app = app.clone();
        async move {
            let request = Request::post("/api/v1/token")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            send(&app, request).await
        }
    };
    let tokens = grant(serde_json::json!({"grant_type": "password", "email": member.email, "password": member.password})).await.json();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE organisations SET status = 'suspended'").execute(&pool).await.unwrap();

    let refreshed =
        grant(serde_json::json!({"grant_type": "refresh_token", "refresh_token": refresh})).await;
    assert!(refreshed.status.is_client_error(), "{} {}", refreshed.status, refreshed.body);
    assert!(refreshed.json()["access_token"].is_null());
}

#[sqlx::test]
async fn a_member_list_cursor_from_another_organisation_reveals_nothing(pool: PgPool) {
    let admin_a = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let org_a = admin_a.organisation_id.unwrap();
    fx_member(&pool, org_a, "aaa@a.example", MembershipRole::Viewer).await;
    fx_member(&pool, org_a, "zzz@a.example", MembershipRole::Viewer).await;
    let admin_b = fx_user(&pool, "admin@b.example", Some(MembershipRole::Admin)).await;
    let outsider =
        fx_member(&pool, admin_b.organisation_id.unwrap(), "mmm@b.example", MembershipRole::Viewer)
            .await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &admin_a.email, &admin_a.password).await;
    let page = |after: String| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let answer = call_as(
                &app,
                "/api/organisation_members",
                &form(&[("after", &after)]),
                Credential::Cookie(&cookie),
            )
            .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            let rows = answer.json()["rows"].as_array().unwrap().clone();
            rows.iter().map(|m| m["email"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    let own = sqlx::query_scalar::<_, Uuid>("SELECT id FROM users WHERE email = 'aaa@a.example'")
        .fetch_one(&pool)
        .await
        .unwrap();

    // A cursor of one's own organisation pages on ...
    assert_eq!(page(own.to_string()).await, ["zzz@a.example"]);
    // ... another organisation's user (sorting between the two) gives nothing away.
    assert!(page(outsider.user_id.to_string()).await.is_empty());
}
