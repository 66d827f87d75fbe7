-- `users` behind row-level security (issue #16, section 5; docs/isolation.md, "People").
--
-- `users` holds every organisation's names, emails and password hashes. Until now it was the one
-- table with people data that the application role could read whole. From here on
-- `marketedge_app` sees:
--
-- * its own account: the row whose id the transaction names in `app.user_id` (the guard's
--   `guard_account` sets it for its own statement; the application sets it, transaction-locally,
--   where it reads or changes the signed-in user's own row: db::tenant::begin_as_user);
-- * the members of the organisation the transaction is scoped to (`app.org_id`), through their
--   membership;
-- * the super-admins who acted in that organisation (an entry of its audit log names them as
--   actor: support access, creating, editing or suspending it), so that its audit log keeps
--   showing who did what; no other super-admin;
-- * on the platform path (`app.platform = 'read'`, PlatformTx): every account, read-only.
--
-- Without any setting it sees no account at all. The lookups by email that come before an
-- organisation is known (sign-in, the reset request, accepting an invitation) go through the
-- SECURITY DEFINER functions below, which return only what their caller needs.
--
-- SECURITY DEFINER functions run as their owner, the role running this migration, which must
-- bypass row-level security (superuser or BYPASSRLS: scripts/setup.sh's `marketedge`, Railway's
-- `postgres`); `purge_organisation` (migration 12) relies on it too, now that `users` is forced.
-- Checked here rather than discovered as a sign-in that finds nobody.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles
                   WHERE rolname = current_user AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'the role % runs the migrations and owns the SECURITY DEFINER functions, so it must bypass row-level security: as a superuser, ALTER ROLE % BYPASSRLS, then migrate again', current_user, current_user;
    END IF;
END $$;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;

-- Reading. The own-account test comes first: it decides the guard's lookup (every request)
-- without the subqueries.
CREATE POLICY users_read ON users FOR SELECT
    USING (
        id = app_user_id()
        OR EXISTS (SELECT 1 FROM memberships m
                   WHERE m.user_id = users.id AND m.organisation_id = app_org_id())
        OR (is_super_admin
            AND EXISTS (SELECT 1 FROM audit_log a
                        WHERE a.organisation_id = app_org_id() AND a.actor_user_id = users.id))
    );
-- The super-admins who acted in an organisation, found by the policy above without reading the
-- organisation's whole trail.
CREATE INDEX audit_log_actor_idx ON audit_log (organisation_id, actor_user_id);

-- The platform path reads every account (the platform audit log's actors), never changes one.
CREATE POLICY users_platform_read ON users FOR SELECT
    USING (app_platform_read());

-- Changing: one's own account (password, sign-out everywhere, last sign-in) and the members of
-- the organisation in scope (an admin deactivating a member). WITH CHECK keeps the changed row
-- inside the same bounds. Which columns may change at all is limited by the grant below.
CREATE POLICY users_update ON users FOR UPDATE
    USING (
        id = app_user_id()
        OR EXISTS (SELECT 1 FROM memberships m
                   WHERE m.user_id = users.id AND m.organisation_id = app_org_id())
    )
    WITH CHECK (
        id = app_user_id()
        OR EXISTS (SELECT 1 FROM memberships m
                   WHERE m.user_id = users.id AND m.organisation_id = app_org_id())
    );

-- Creating: accepting an invitation creates the account (so do the super-admin command and the
-- demo seed, on the application's pool). The new row must be the transaction's own account
-- (`app.user_id` names it first), so an insert can never be made to stand for someone else, and
-- it reads nothing: the unique email is checked before, through email_has_account.
CREATE POLICY users_insert ON users FOR INSERT
    WITH CHECK (id = app_user_id());

-- No DELETE policy and no DELETE privilege: the application never deletes an account (deleting
-- an organisation's members is purge_organisation's, as owner).
REVOKE DELETE ON users FROM marketedge_app;
-- Identity columns never change through the application: not the id, not the email, not
-- whether an account is a super-admin (a self-promotion would pass the own-account policy).
REVOKE UPDATE ON users FROM marketedge_app;
GRANT UPDATE (display_name, password_hash, status, auth_version, last_login_at, updated_at)
    ON users TO marketedge_app;

-- Sign-in: the account of an email and its password hash, nothing else. Nobody is signed in yet
-- and no organisation is known, so no policy could show the row. PL/pgSQL keeps its plan for
-- the connection (migration 9: an SQL function re-plans on every call); sign-in is benchmarked.
CREATE FUNCTION sign_in_lookup(p_email text)
RETURNS TABLE (user_id uuid, password_hash text)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RETURN QUERY
        SELECT u.id, u.password_hash FROM public.users u WHERE u.email = p_email;
END
$$;
REVOKE ALL ON FUNCTION sign_in_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sign_in_lookup(text) TO marketedge_app;

-- The background step answering a reset request: the active account of an email, locked for
-- the caller's transaction (so that two instances count one account's links one after the
-- other), with the auth version its link is bound to. A deactivated account is no account here.
CREATE FUNCTION reset_lookup(p_email text)
RETURNS TABLE (user_id uuid, auth_version integer)
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RETURN QUERY
        SELECT u.id, u.auth_version FROM public.users u
        WHERE u.email = p_email AND u.status = 'active'
        FOR NO KEY UPDATE;
END
$$;
REVOKE ALL ON FUNCTION reset_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reset_lookup(text) TO marketedge_app;

-- Accepting an invitation: whether the email already has an account (an account belongs to one
-- organisation). Only yes or no.
CREATE FUNCTION email_has_account(p_email text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM public.users u WHERE u.email = p_email);
END
$$;
REVOKE ALL ON FUNCTION email_has_account(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION email_has_account(text) TO marketedge_app;
