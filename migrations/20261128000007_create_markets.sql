-- The domain: markets, the products and services priced in them, competitors, price
-- observations and the alerts they raise. Every table is a tenant table (docs/isolation.md):
-- organisation_id leads each primary key and every foreign key between them.

ALTER TYPE audit_action ADD VALUE 'market_created';
ALTER TYPE audit_action ADD VALUE 'market_updated';
ALTER TYPE audit_action ADD VALUE 'market_archived';
ALTER TYPE audit_action ADD VALUE 'competitor_saved';
ALTER TYPE audit_action ADD VALUE 'competitor_archived';
ALTER TYPE audit_action ADD VALUE 'alert_threshold_changed';

-- An alert is raised when a competitor's price for a product moves by at least this much.
ALTER TABLE organisations
    ADD COLUMN alert_threshold_pct numeric(5, 2) NOT NULL DEFAULT 5.00
        CONSTRAINT organisations_alert_threshold_range CHECK (alert_threshold_pct > 0 AND alert_threshold_pct <= 100);

CREATE TABLE markets (
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    id               uuid NOT NULL,
    name             text NOT NULL
        CONSTRAINT markets_name_length CHECK (char_length(btrim(name)) BETWEEN 2 AND 120),
    region           text NOT NULL DEFAULT ''
        CONSTRAINT markets_region_length CHECK (char_length(region) <= 120),
    currency         char(3) NOT NULL CONSTRAINT markets_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    created_at       timestamptz NOT NULL,
    archived_at      timestamptz,
    PRIMARY KEY (organisation_id, id)
);
CREATE UNIQUE INDEX markets_name_key ON markets (organisation_id, lower(name)) WHERE archived_at IS NULL;

CREATE TABLE products (
    organisation_id  uuid NOT NULL,
    id               uuid NOT NULL,
    market_id        uuid NOT NULL,
    name             text NOT NULL
        CONSTRAINT products_name_length CHECK (char_length(btrim(name)) BETWEEN 1 AND 120),
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, market_id) REFERENCES markets (organisation_id, id)
);
CREATE UNIQUE INDEX products_name_key ON products (organisation_id, market_id, lower(name));

CREATE TABLE competitors (
    organisation_id  uuid NOT NULL,
    id               uuid NOT NULL,
    market_id        uuid NOT NULL,
    name             text NOT NULL
        CONSTRAINT competitors_name_length CHECK (char_length(btrim(name)) BETWEEN 1 AND 120),
    business_type    text NOT NULL DEFAULT '' CONSTRAINT competitors_type_length CHECK (char_length(business_type) <= 120),
    website          text NOT NULL DEFAULT ''
        CONSTRAINT competitors_website_scheme CHECK (website = '' OR website ~* '^https?://'),
    locations        text NOT NULL DEFAULT '' CONSTRAINT competitors_locations_length CHECK (char_length(locations) <= 500),
    priority         smallint NOT NULL DEFAULT 3 CONSTRAINT competitors_priority_range CHECK (priority BETWEEN 1 AND 5),
    market_share_pct numeric(5, 2)
        CONSTRAINT competitors_share_range CHECK (market_share_pct BETWEEN 0 AND 100),
    description      text NOT NULL DEFAULT '' CONSTRAINT competitors_description_length CHECK (char_length(description) <= 2000),
    created_at       timestamptz NOT NULL,
    archived_at      timestamptz,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, market_id) REFERENCES markets (organisation_id, id)
);
CREATE INDEX competitors_market_idx ON competitors (organisation_id, market_id);

CREATE TABLE price_observations (
    organisation_id    uuid NOT NULL,
    id                 uuid NOT NULL,
    market_id          uuid NOT NULL,
    competitor_id      uuid NOT NULL,
    product_id         uuid NOT NULL,
    price              numeric(14, 4) NOT NULL
        CONSTRAINT price_observations_price_range CHECK (price > 0 AND price < 1000000000),
    currency           char(3) NOT NULL CONSTRAINT price_observations_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    observed_at        timestamptz NOT NULL,
    source             text NOT NULL DEFAULT '' CONSTRAINT price_observations_source_length CHECK (char_length(source) <= 200),
    is_promotion       boolean NOT NULL DEFAULT false,
    promotion_details  text NOT NULL DEFAULT '' CONSTRAINT price_observations_details_length CHECK (char_length(promotion_details) <= 500),
    recorded_by        uuid REFERENCES users (id),
    created_at         timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, market_id) REFERENCES markets (organisation_id, id),
    FOREIGN KEY (organisation_id, competitor_id) REFERENCES competitors (organisation_id, id),
    FOREIGN KEY (organisation_id, product_id) REFERENCES products (organisation_id, id)
);
-- Analysis and trends read one market (and product) over a period; the list pages newest first;
-- alerts look up a competitor's previous price for a product.
CREATE INDEX price_observations_market_idx
    ON price_observations (organisation_id, market_id, product_id, observed_at) INCLUDE (competitor_id, price, is_promotion);
CREATE INDEX price_observations_list_idx
    ON price_observations (organisation_id, market_id, observed_at DESC, id DESC);
CREATE INDEX price_observations_competitor_idx
    ON price_observations (organisation_id, competitor_id, product_id, observed_at DESC, id DESC);

CREATE TYPE alert_kind AS ENUM ('price_increase', 'price_decrease', 'promotion');
CREATE TYPE alert_severity AS ENUM ('low', 'medium', 'high');

CREATE TABLE alerts (
    organisation_id  uuid NOT NULL,
    id               uuid NOT NULL,
    market_id        uuid NOT NULL,
    competitor_id    uuid NOT NULL,
    product_id       uuid NOT NULL,
    observation_id   uuid NOT NULL,
    kind             alert_kind NOT NULL,
    severity         alert_severity NOT NULL,
    previous_price   numeric(14, 4),
    new_price        numeric(14, 4) NOT NULL,
    change_pct       numeric(9, 2),
    created_at       timestamptz NOT NULL,
    read_at          timestamptz,
    resolved_at      timestamptz,
    resolved_by      uuid REFERENCES users (id),
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, market_id) REFERENCES markets (organisation_id, id),
    FOREIGN KEY (organisation_id, competitor_id) REFERENCES competitors (organisation_id, id),
    FOREIGN KEY (organisation_id, product_id) REFERENCES products (organisation_id, id),
    FOREIGN KEY (organisation_id, observation_id) REFERENCES price_observations (organisation_id, id)
);
CREATE INDEX alerts_open_idx ON alerts (organisation_id, created_at DESC, id DESC);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['markets', 'products', 'competitors', 'price_observations', 'alerts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (organisation_id = app_org_id()) WITH CHECK (organisation_id = app_org_id())',
            t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO marketedge_app', t);
    END LOOP;
END $$;
