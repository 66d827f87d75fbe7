-- Email goes through an outbox: the message is committed with the change that causes it, and a
-- worker delivers it (retrying with backoff), so a mail server outage never loses a message.
CREATE TABLE outbox_emails (
    id            uuid PRIMARY KEY,
    to_address    text NOT NULL,
    subject       text NOT NULL,
    body_text     text NOT NULL,
    created_at    timestamptz NOT NULL,
    send_after    timestamptz NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    sent_at       timestamptz,
    last_error    text
);
CREATE INDEX outbox_emails_pending_idx ON outbox_emails (send_after) WHERE sent_at IS NULL;

-- One row per password-reset link: its `id` is the token's `jti`, and `used_at` makes the link
-- single-use.
CREATE TABLE password_resets (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

ALTER TYPE audit_action ADD VALUE 'password_reset_requested';
ALTER TYPE audit_action ADD VALUE 'password_reset';
