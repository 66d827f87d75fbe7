-- Audit actions for the per-organisation data export and the super-admin's organisation deletion.
-- Added on their own: a new enum value cannot be used in the transaction that adds it.
ALTER TYPE audit_action ADD VALUE 'data_exported';
ALTER TYPE audit_action ADD VALUE 'organisation_deletion_requested';
ALTER TYPE audit_action ADD VALUE 'organisation_deleted';
