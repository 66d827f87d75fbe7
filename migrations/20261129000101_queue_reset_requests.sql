-- Forgot-password requests wait here for the background step (src/server/auth/reset.rs), so the
-- request itself does the same work whatever the email: it is counted on the throttle and
-- queued. The step looks the account up and creates the link and its mail.
--
-- Not a tenant table: a request names an email, not an organisation (like outbox_emails and
-- password_resets, no row-level security). Rows live seconds: the step deletes what it takes.
CREATE TABLE password_reset_queue (
    -- UUIDv7: the primary key is also the queue's order.
    id              uuid PRIMARY KEY,
    -- Normalised, as asked for; it may belong to nobody.
    email           text NOT NULL,
    -- For the audit entry of the request.
    client_address  text NOT NULL,
    requested_at    timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON password_reset_queue TO marketedge_app;

-- A deleted account takes its queued requests and its reset-request counter with it (the
-- throttle's key prefix is `reset-email:`, src/server/auth/throttle.rs), whoever deletes it.
CREATE FUNCTION forget_reset_requests() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    DELETE FROM password_reset_queue WHERE email = OLD.email;
    DELETE FROM login_throttle WHERE key = 'reset-email:' || OLD.email;
    RETURN OLD;
END $$;
REVOKE ALL ON FUNCTION forget_reset_requests() FROM PUBLIC;
CREATE TRIGGER users_forget_reset_requests AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION forget_reset_requests();

-- Sent mail is deleted after MAIL_RETENTION_DAYS (maintenance, once a minute).
CREATE INDEX outbox_emails_sent_idx ON outbox_emails (sent_at) WHERE sent_at IS NOT NULL;

ALTER TYPE audit_action ADD VALUE 'password_reset_throttled';
