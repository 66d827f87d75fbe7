-- Sign-in state: browser sessions, API refresh tokens, login throttling, the audit trail, and the
-- outbox that password-reset mail goes through.

-- tower-sessions' PostgreSQL store; the same definition the store would create itself, owned by
-- the migrations so the application never needs DDL rights.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE tower_sessions.session (
    id           text PRIMARY KEY NOT NULL,
    data         bytea NOT NULL,
    expiry_date  timestamptz NOT NULL
);
CREATE INDEX session_expiry_date_idx ON tower_sessions.session (expiry_date);

-- One row per signed-in browser. tower-sessions keeps no index from user to sessions, so this is
-- what the account page lists and what "end this session" deletes; the guard requires the row on
-- every request, and enforces the idle and absolute timeouts against it.
CREATE TABLE user_sessions (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The tower-sessions id, so ending a session here also deletes the store's record.
    store_session_id   text NOT NULL,
    created_at         timestamptz NOT NULL,
    last_seen_at       timestamptz NOT NULL,
    user_agent         text NOT NULL DEFAULT '',
    client_address     text NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id, last_seen_at DESC);

-- Opaque API refresh tokens, stored only as SHA-256 hashes. Each use marks the token used and
-- issues a successor in the same family; presenting a used token again revokes the family.
CREATE TABLE refresh_tokens (
    id            uuid PRIMARY KEY,
    family_id     uuid NOT NULL,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    bytea NOT NULL CONSTRAINT refresh_tokens_hash_key UNIQUE,
    auth_version  integer NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Failed-login counters per account (normalised email, known or not) and per client address.
-- Kept in PostgreSQL so every app instance counts the same attempts.
CREATE TABLE login_throttle (
    key              text PRIMARY KEY,
    failures         integer NOT NULL DEFAULT 0,
    window_started   timestamptz NOT NULL,
    locked_until     timestamptz
);

CREATE TYPE audit_action AS ENUM (
    'login_succeeded',
    'login_failed',
    'login_locked',
    'logout',
    'session_ended',
    'password_changed',
    'token_issued',
    'refresh_token_reused',
    'super_admin_created'
);

-- Security events not tied to one organisation (failed logins of unknown accounts, lockouts,
-- super-admin actions). Append-only: the application never updates or deletes rows.
CREATE TABLE platform_audit_log (
    id              uuid PRIMARY KEY,
    occurred_at     timestamptz NOT NULL,
    action          audit_action NOT NULL,
    actor_user_id   uuid,
    subject         text NOT NULL DEFAULT '',
    client_address  text NOT NULL DEFAULT '',
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX platform_audit_log_time_idx ON platform_audit_log (occurred_at DESC);

-- An organisation's own audit trail (tenant table: organisation_id leads the key).
CREATE TABLE audit_log (
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    id               uuid NOT NULL,
    occurred_at      timestamptz NOT NULL,
    action           audit_action NOT NULL,
    actor_user_id    uuid,
    subject          text NOT NULL DEFAULT '',
    client_address   text NOT NULL DEFAULT '',
    detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (organisation_id, id)
);
CREATE INDEX audit_log_time_idx ON audit_log (organisation_id, occurred_at DESC);

-- Append-only for everyone but the owner that runs migrations.
CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER platform_audit_log_append_only BEFORE UPDATE OR DELETE ON platform_audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
