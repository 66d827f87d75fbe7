-- The platform path: a super-admin's cross-organisation reads (the organisations overview) go
-- through one transaction kind, PlatformTx, which the application opens only after the guard
-- confirmed the super-admin role, and which it audits. PlatformTx sets `app.platform` for its
-- transaction; this read-only policy is the only thing that setting unlocks.

ALTER TYPE audit_action ADD VALUE 'platform_read';

CREATE FUNCTION app_platform_read() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('app.platform', true), '') = 'read'
$$;

CREATE POLICY memberships_platform_read ON memberships FOR SELECT
    USING (app_platform_read());
