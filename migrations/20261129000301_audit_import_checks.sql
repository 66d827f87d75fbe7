-- A member import's check-only run is audited like a real import: which addresses an admin
-- tested against the organisation, and what the check found (issue 16 §5).
ALTER TYPE audit_action ADD VALUE 'users_import_checked';
