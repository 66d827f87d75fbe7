-- Deleting an organisation: a platform super-admin's two-step, confirmed deletion
-- (docs/administration.md, "Deleting an organisation").
--
-- Step one stores a pending request (who asked, why, until when). Step two calls
-- purge_organisation, which removes every row of the organisation in the caller's transaction;
-- the application then writes the one record that is kept, the `organisation_deleted` entry of
-- the platform audit log.
--
-- The application role cannot do this itself, by design: it has no DELETE on either audit log,
-- a trigger refuses changes to audit rows, and forced row-level security hides every tenant row
-- outside the organisation its transaction is scoped to. purge_organisation is the one narrow
-- door: a SECURITY DEFINER function (it runs as the owner that runs migrations) which re-checks
-- the preconditions and deletes exactly one organisation.

-- A pending deletion: at most one per organisation (a new request replaces the old one), valid
-- for 15 minutes, and usable only by the super-admin who made it. It names an organisation, so
-- it is a tenant table like every other table with organisation_id (docs/isolation.md): forced
-- row-level security, written by the application only in a transaction scoped to that
-- organisation (PlatformTx::scope_to), and deleted with the rest of the organisation.
CREATE TABLE organisation_deletion_requests (
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    requested_by     uuid NOT NULL REFERENCES users (id),
    reason           text NOT NULL
        CONSTRAINT organisation_deletion_requests_reason_length
            CHECK (char_length(btrim(reason)) BETWEEN 10 AND 500),
    requested_at     timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (organisation_id),
    CONSTRAINT organisation_deletion_requests_expiry CHECK (expires_at > requested_at)
);

ALTER TABLE organisation_deletion_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisation_deletion_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY organisation_deletion_requests_tenant ON organisation_deletion_requests
    USING (organisation_id = app_org_id())
    WITH CHECK (organisation_id = app_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON organisation_deletion_requests TO marketedge_app;

-- The organisation's audit trail stays append-only with one exception: purge_organisation may
-- delete the rows of the one organisation it is deleting. It names that organisation in the
-- transaction-local setting `app.purging_org_id`, and the exception holds only for statements
-- running as the table's owner, i.e. inside that SECURITY DEFINER function. marketedge_app has
-- no DELETE privilege on audit_log (privileges are checked before triggers run), so setting the
-- value itself gets it nothing. UPDATE stays refused for everyone, and the platform audit log
-- keeps its unconditional trigger (refuse_audit_change).
CREATE FUNCTION refuse_audit_change_except_purge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND OLD.organisation_id = NULLIF(current_setting('app.purging_org_id', true), '')::uuid
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                   JOIN pg_catalog.pg_roles r ON r.oid = c.relowner
                   WHERE c.oid = TG_RELID AND r.rolname = current_user) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only';
END $$;

DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change_except_purge();

-- The organisation an invitation email is for: the `org` claim of the link's token in its body
-- (the JWT payload is base64url JSON). The signature is not checked: this only picks which
-- queued mail to delete with the organisation, so that mail to an address another organisation
-- has also invited is told apart. NULL for any other mail.
CREATE FUNCTION invitation_mail_organisation(body text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    payload text;
BEGIN
    payload := substring(body FROM 'accept-invitation\?token=[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.');
    IF payload IS NULL THEN
        RETURN NULL;
    END IF;
    payload := translate(payload, '-_', '+/');
    payload := payload || repeat('=', (4 - length(payload) % 4) % 4);
    RETURN (convert_from(decode(payload, 'base64'), 'UTF8')::jsonb ->> 'org')::uuid;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION invitation_mail_organisation(text) FROM PUBLIC;

-- Deletes every row of organisation `p_organisation_id` and returns how many of each went.
--
-- Runs as its owner (SECURITY DEFINER, fixed search_path) in the caller's transaction, so the
-- application's audit entry commits with it or not at all. It re-checks what the application
-- checked: the organisation exists and is suspended (so its members' sessions and tokens are
-- already refused), and `p_requested_by` is an active super-admin with a pending, unexpired
-- request for it. `p_now` is the application's clock (tests run on a manual one), as for every
-- other expiry the application checks. These checks guard against a mistaken call, not against
-- a compromised application role, which could write such a request itself.
--
-- It deletes: the domain (alerts, observations, competitors, products, markets), invitations,
-- support access, the organisation's audit log, the deletion request, memberships, and the
-- member accounts (each user has at most one membership; a super-admin has none and is never
-- deleted) with everything that hangs off them: user_sessions, refresh_tokens and
-- password_resets (ON DELETE CASCADE), their tower-sessions records, their sign-in throttle
-- counters, and queued mail to them or for this organisation's invitations. Last, the
-- organisation. A row elsewhere still pointing at a member (which the application never
-- creates) makes the whole deletion fail rather than leave a dangling reference.
CREATE FUNCTION purge_organisation(p_organisation_id uuid, p_requested_by uuid, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    previous_org text := current_setting('app.org_id', true);
    org_status organisation_status;
    members uuid[];
    member_emails text[];
    invited_emails text[];
    n bigint;
    counts jsonb := '{}'::jsonb;
BEGIN
    SELECT status INTO org_status FROM organisations WHERE id = p_organisation_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'organisation % does not exist', p_organisation_id;
    END IF;
    IF org_status <> 'suspended' THEN
        RAISE EXCEPTION 'organisation % is not suspended', p_organisation_id;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users
                   WHERE id = p_requested_by AND is_super_admin AND status = 'active') THEN
        RAISE EXCEPTION 'only an active super-admin may delete an organisation';
    END IF;

    -- Forced row-level security applies to the owner too (unless it bypasses it): scope this
    -- transaction to the organisation so its rows, and only its rows, are visible.
    PERFORM set_config('app.org_id', p_organisation_id::text, true);

    IF NOT EXISTS (SELECT 1 FROM organisation_deletion_requests
                   WHERE organisation_id = p_organisation_id AND requested_by = p_requested_by
                     AND expires_at > p_now) THEN
        RAISE EXCEPTION 'no pending deletion request for organisation % by this super-admin',
            p_organisation_id;
    END IF;

    SELECT coalesce(array_agg(u.id), '{}'), coalesce(array_agg(u.email), '{}')
    INTO members, member_emails
    FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.organisation_id = p_organisation_id;
    IF EXISTS (SELECT 1 FROM users WHERE id = ANY (members) AND is_super_admin) THEN
        RAISE EXCEPTION 'organisation % has a super-admin member; refusing to delete it',
            p_organisation_id;
    END IF;
    SELECT coalesce(array_agg(DISTINCT email), '{}') INTO invited_emails
    FROM invitations WHERE organisation_id = p_organisation_id;

    -- The domain, children first.
    DELETE FROM alerts WHERE organisation_id = p_organisation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('alerts', n);
    DELETE FROM price_observations WHERE organisation_id = p_organisation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('observations', n);
    DELETE FROM competitors WHERE organisation_id = p_organisation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('competitors', n);
    DELETE FROM products WHERE organisation_id = p_organisation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('products', n);
    DELETE FROM markets WHERE organisation_id = p_organisation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('markets', n);

    DELETE FROM invitations WHERE organisation_id = p_organisation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('invitations', n);
    DELETE FROM support_access WHERE organisation_id = p_organisation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('support_access', n);

    -- The one exception the audit trigger makes, for this organisation and this function only;
    -- withdrawn straight after.
    PERFORM set_config('app.purging_org_id', p_organisation_id::text, true);
    DELETE FROM audit_log WHERE organisation_id = p_organisation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('app.purging_org_id', '', true);
    counts := counts || jsonb_build_object('audit_entries', n);

    DELETE FROM organisation_deletion_requests WHERE organisation_id = p_organisation_id;
    DELETE FROM memberships WHERE organisation_id = p_organisation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('members', n);

    -- The members' browser sessions in the tower-sessions store: those user_sessions points
    -- at, and any record left behind without one (its data holds the user id as text).
    DELETE FROM tower_sessions.session s
    WHERE s.id IN (SELECT store_session_id FROM user_sessions WHERE user_id = ANY (members))
       OR EXISTS (SELECT 1 FROM unnest(members) AS member(id)
                  WHERE position(convert_to(member.id::text, 'UTF8') IN s.data) > 0);
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('browser_sessions', n);
    SELECT count(*) INTO n FROM user_sessions WHERE user_id = ANY (members);
    counts := counts || jsonb_build_object('user_sessions', n);
    SELECT count(*) INTO n FROM refresh_tokens WHERE user_id = ANY (members);
    counts := counts || jsonb_build_object('refresh_tokens', n);
    SELECT count(*) INTO n FROM password_resets WHERE user_id = ANY (members);
    counts := counts || jsonb_build_object('password_resets', n);

    -- Mail: everything to a member (the address is theirs alone), and the invitations of this
    -- organisation (another organisation may have invited the same address).
    DELETE FROM outbox_emails
    WHERE to_address = ANY (member_emails)
       OR (to_address = ANY (invited_emails)
           AND invitation_mail_organisation(body_text) = p_organisation_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('emails', n);
    DELETE FROM login_throttle
    WHERE key = ANY (SELECT 'account:' || email FROM unnest(member_emails) AS e(email));
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('throttle_counters', n);

    -- The accounts; user_sessions, refresh_tokens and password_resets go with them.
    DELETE FROM users WHERE id = ANY (members) AND NOT is_super_admin;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('users', n);

    DELETE FROM organisations WHERE id = p_organisation_id;

    PERFORM set_config('app.org_id', coalesce(previous_org, ''), true);
    RETURN counts;
END $$;

REVOKE ALL ON FUNCTION purge_organisation(uuid, uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_organisation(uuid, uuid, timestamptz) TO marketedge_app;
