-- Administration: organisations managed by super-admins (suspension with a reason), invitations
-- into an organisation, time-limited support access, and the audit actions they write.

ALTER TYPE audit_action ADD VALUE 'organisation_created';
ALTER TYPE audit_action ADD VALUE 'organisation_updated';
ALTER TYPE audit_action ADD VALUE 'organisation_suspended';
ALTER TYPE audit_action ADD VALUE 'organisation_reactivated';
ALTER TYPE audit_action ADD VALUE 'invitation_created';
ALTER TYPE audit_action ADD VALUE 'invitation_resent';
ALTER TYPE audit_action ADD VALUE 'invitation_revoked';
ALTER TYPE audit_action ADD VALUE 'invitation_accepted';
ALTER TYPE audit_action ADD VALUE 'role_changed';
ALTER TYPE audit_action ADD VALUE 'user_deactivated';
ALTER TYPE audit_action ADD VALUE 'user_reactivated';
ALTER TYPE audit_action ADD VALUE 'users_imported';
ALTER TYPE audit_action ADD VALUE 'support_access_started';
ALTER TYPE audit_action ADD VALUE 'support_access_ended';
ALTER TYPE audit_action ADD VALUE 'support_action';

-- Why the organisation has its current status (required when a super-admin changes it).
ALTER TABLE organisations
    ADD COLUMN status_reason     text NOT NULL DEFAULT '',
    ADD COLUMN status_changed_at timestamptz;

-- Keyset pagination of the platform's organisation list, newest first.
CREATE INDEX organisations_created_idx ON organisations (created_at DESC, id DESC);

-- An invitation to join one organisation in one role, bound to one email address. The link
-- carries `link_id`; re-sending replaces it, so only the newest link works, and accepting or
-- revoking closes the invitation for good.
CREATE TABLE invitations (
    organisation_id   uuid NOT NULL REFERENCES organisations (id),
    id                uuid NOT NULL,
    email             text NOT NULL
        CONSTRAINT invitations_email_normalised CHECK (email = lower(btrim(email)) AND email LIKE '_%@_%'),
    display_name      text NOT NULL
        CONSTRAINT invitations_display_name_length CHECK (char_length(btrim(display_name)) BETWEEN 1 AND 120),
    role              membership_role NOT NULL,
    invited_by        uuid REFERENCES users (id),
    link_id           uuid NOT NULL,
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    accepted_at       timestamptz,
    accepted_user_id  uuid REFERENCES users (id),
    revoked_at        timestamptz,
    PRIMARY KEY (organisation_id, id)
);
-- One open invitation per address and organisation (an expired one is closed before a new one).
CREATE UNIQUE INDEX invitations_open_email_key ON invitations (organisation_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant ON invitations
    USING (organisation_id = app_org_id())
    WITH CHECK (organisation_id = app_org_id());

-- A super-admin's entry into one organisation's workspace, from one browser session, for a
-- stated reason and a limited time. A tenant table: the organisation can see who entered it;
-- the super-admin's own rows are reachable (to resolve the guard) through app.user_id.
CREATE TABLE support_access (
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    id               uuid NOT NULL,
    super_admin_id   uuid NOT NULL REFERENCES users (id),
    session_id       uuid NOT NULL REFERENCES user_sessions (id) ON DELETE CASCADE,
    reason           text NOT NULL
        CONSTRAINT support_access_reason_length CHECK (char_length(btrim(reason)) BETWEEN 10 AND 500),
    started_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    PRIMARY KEY (organisation_id, id)
);
CREATE UNIQUE INDEX support_access_open_key ON support_access (session_id) WHERE ended_at IS NULL;

ALTER TABLE support_access ENABLE ROW LEVEL SECURITY;
ALTER TABLE support_access FORCE ROW LEVEL SECURITY;
CREATE POLICY support_access_tenant ON support_access
    USING (organisation_id = app_org_id())
    WITH CHECK (organisation_id = app_org_id());
CREATE POLICY support_access_own ON support_access
    USING (super_admin_id = app_user_id())
    WITH CHECK (super_admin_id = app_user_id());

-- The platform path may read organisations' audit trails (the platform audit log and activity
-- counts) and invitations (the organisation's first admin), never change them.
CREATE POLICY audit_log_platform_read ON audit_log FOR SELECT USING (app_platform_read());
CREATE POLICY invitations_platform_read ON invitations FOR SELECT USING (app_platform_read());

-- New tables get the application's grants by default privileges; the audit trail stays
-- append-only.
GRANT SELECT, INSERT, UPDATE, DELETE ON invitations, support_access TO marketedge_app;
