-- An alert's change in percent must hold every change two valid prices can make: prices run from
-- 0.0001 to 999,999,999.9999, so a move can be about 10^15 %. numeric(9, 2) stopped at
-- 9,999,999.99 %, and recording such a price failed in the database (a 500) instead of raising
-- its alert. Widening the precision at the same scale rewrites no row.
ALTER TABLE alerts ALTER COLUMN change_pct TYPE numeric(18, 2);
