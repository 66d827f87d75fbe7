-- Tenant isolation, the database wall (docs/isolation.md).
--
-- The application runs every query as `marketedge_app`: it owns no table and cannot bypass
-- row-level security, so forced RLS applies to everything it does. Migrations run as the owner.
-- Each tenant table gets ENABLE + FORCE row-level security and a policy on the transaction-local
-- setting `app.org_id`, set by the application at the start of each request's transaction.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'marketedge_app') THEN
        CREATE ROLE marketedge_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'the role marketedge_app is missing and % may not create it: create it once as a superuser (scripts/setup.sh does), then migrate again', current_user;
END $$;

-- The owner must be able to SET ROLE to it (superusers always can).
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'marketedge_app', 'MEMBER') THEN
        EXECUTE format('GRANT marketedge_app TO %I', current_user);
    END IF;
END $$;

GRANT USAGE ON SCHEMA public TO marketedge_app;
GRANT USAGE ON SCHEMA tower_sessions TO marketedge_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO marketedge_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tower_sessions TO marketedge_app;
-- Audit trails are append-only for the application (the trigger also refuses changes).
REVOKE UPDATE, DELETE ON audit_log, platform_audit_log FROM marketedge_app;
-- Tables added by later migrations get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO marketedge_app;

-- The tenant of the current transaction, or NULL when none is set (then no tenant row matches).
CREATE FUNCTION app_org_id() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('app.org_id', true), '')::uuid
$$;
-- The signed-in user being resolved by the guard, or NULL.
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('app.user_id', true), '')::uuid
$$;

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_tenant ON memberships
    USING (organisation_id = app_org_id())
    WITH CHECK (organisation_id = app_org_id());
-- The guard resolves a user's own membership before it knows the organisation.
CREATE POLICY memberships_own_read ON memberships FOR SELECT
    USING (user_id = app_user_id());

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant ON audit_log
    USING (organisation_id = app_org_id())
    WITH CHECK (organisation_id = app_org_id());
