-- Organisations, users and memberships: the identity every later table hangs off.
--
-- memberships is the first tenant table: organisation_id leads its primary key so that every
-- later foreign key between tenant tables can include it (see DESIGN.md, "Tenant isolation").
-- Row-level security arrives with the tenant-isolation migration.

CREATE TYPE industry AS ENUM ('cinema', 'hotel', 'gym', 'b2b', 'retail');
CREATE TYPE plan AS ENUM ('basic', 'professional', 'enterprise');
CREATE TYPE organisation_status AS ENUM ('active', 'suspended');
CREATE TYPE user_status AS ENUM ('active', 'deactivated');
CREATE TYPE membership_role AS ENUM ('admin', 'analyst', 'viewer');

CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL
        CONSTRAINT organisations_name_length CHECK (char_length(btrim(name)) BETWEEN 2 AND 120),
    slug        text NOT NULL
        CONSTRAINT organisations_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    industry    industry NOT NULL,
    plan        plan NOT NULL DEFAULT 'basic',
    status      organisation_status NOT NULL DEFAULT 'active',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organisations_slug_key UNIQUE (slug)
);

-- Names are unique regardless of case: "Northwind" and "northwind" are the same business.
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(name));

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    -- Stored normalised (trimmed, lower case) so uniqueness is case-insensitive.
    email           text NOT NULL
        CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email)) AND email LIKE '_%@_%'),
    display_name    text NOT NULL
        CONSTRAINT users_display_name_length CHECK (char_length(btrim(display_name)) BETWEEN 1 AND 120),
    -- PHC string (argon2id with its parameters); NULL until an invitation is accepted.
    password_hash   text,
    -- Platform super-admins administer organisations and have no membership.
    is_super_admin  boolean NOT NULL DEFAULT false,
    status          user_status NOT NULL DEFAULT 'active',
    -- Bumped on password change, deactivation and "log out everywhere": sessions and tokens
    -- carrying an older value stop working at their next request.
    auth_version    integer NOT NULL DEFAULT 1,
    last_login_at   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE memberships (
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    user_id         uuid NOT NULL REFERENCES users (id),
    role            membership_role NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, user_id),
    -- One organisation per user for now; dropping this allows several later.
    CONSTRAINT memberships_one_per_user UNIQUE (user_id)
);
