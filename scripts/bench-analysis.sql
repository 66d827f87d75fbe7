-- The two statements of the market analysis (src/markets/analysis.rs), prepared with the
-- same parameters the app binds; scripts/bench.sh times them in psql against the app's answer.
-- :org and :market are replaced by the script.
PREPARE agg(uuid, uuid, text, timestamptz, timestamptz, uuid) AS
SELECT s.competitor_id, c.name, s.count, s.mean, s.median, s.min, s.max, s.std_dev, s.q1, s.q3,
       rank() OVER (PARTITION BY s.competitor_id IS NULL ORDER BY s.median)
FROM (
    SELECT competitor_id, count(*) AS count, avg(price)::float8 AS mean,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY price::float8) AS median,
           min(price)::float8 AS min, max(price)::float8 AS max,
           coalesce(stddev_samp(price), 0)::float8 AS std_dev,
           percentile_cont(0.25) WITHIN GROUP (ORDER BY price::float8) AS q1,
           percentile_cont(0.75) WITHIN GROUP (ORDER BY price::float8) AS q3
    FROM price_observations
    WHERE organisation_id = $1 AND market_id = $2 AND currency = $3
      AND observed_at > $4 AND observed_at <= $5
      AND ($6::uuid IS NULL OR product_id = $6)
    GROUP BY GROUPING SETS ((), (competitor_id))
) s
LEFT JOIN competitors c ON c.organisation_id = $1 AND c.id = s.competitor_id
ORDER BY s.competitor_id IS NOT NULL, s.median, c.name;
PREPARE outl(uuid, uuid, text, timestamptz, timestamptz, uuid, float8, float8) AS
SELECT c.name, p.name, o.price::text, o.observed_at
FROM price_observations o
JOIN competitors c ON c.organisation_id = o.organisation_id AND c.id = o.competitor_id
JOIN products p ON p.organisation_id = o.organisation_id AND p.id = o.product_id
WHERE o.organisation_id = $1 AND o.market_id = $2 AND o.currency = $3
  AND o.observed_at > $4 AND o.observed_at <= $5
  AND ($6::uuid IS NULL OR o.product_id = $6)
  AND (o.price::float8 < $7 OR o.price::float8 > $8)
ORDER BY o.observed_at DESC LIMIT 50;
-- The fences the app computes from the first statement's market row (not timed).
SELECT q1 - 1.5 * (q3 - q1) AS low, q3 + 1.5 * (q3 - q1) AS high FROM (
    SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY price::float8) AS q1,
           percentile_cont(0.75) WITHIN GROUP (ORDER BY price::float8) AS q3
    FROM price_observations WHERE market_id = ':market' AND observed_at > now() - interval '365 days'
) f \gset
\timing on
EXECUTE agg(':org', ':market', 'EUR', now() - interval '365 days', now(), NULL);
EXECUTE outl(':org', ':market', 'EUR', now() - interval '365 days', now(), NULL, :low, :high);
