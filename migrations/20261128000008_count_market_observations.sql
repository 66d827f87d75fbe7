-- Each market's observation count, kept by a statement-level trigger, so listing markets does
-- not count a million rows per market on every page (the benchmark showed the market list at
-- 26 requests/s with 1,000,000 observations). Observations are never deleted by the app.

ALTER TABLE markets ADD COLUMN observation_count bigint NOT NULL DEFAULT 0;

UPDATE markets m SET observation_count = c.n
FROM (SELECT organisation_id, market_id, count(*) AS n FROM price_observations GROUP BY 1, 2) c
WHERE m.organisation_id = c.organisation_id AND m.id = c.market_id;

-- Runs as the inserting role, inside its transaction: under row-level security it can only
-- touch the markets of the organisation the transaction is scoped to, which are the ones the
-- inserted rows belong to.
CREATE FUNCTION count_market_observations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE markets m SET observation_count = m.observation_count + added.n
    FROM (SELECT organisation_id, market_id, count(*) AS n FROM new_rows GROUP BY 1, 2) added
    WHERE m.organisation_id = added.organisation_id AND m.id = added.market_id;
    RETURN NULL;
END $$;

CREATE TRIGGER price_observations_count AFTER INSERT ON price_observations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_market_observations();
