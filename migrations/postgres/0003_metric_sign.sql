-- The same columns as on SQLite (where an integral REAL loses the sign of -0.0), so both
-- databases store and read a metric point alike.
ALTER TABLE metrics ADD COLUMN neg_zero BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE latest_metrics ADD COLUMN neg_zero BOOLEAN NOT NULL DEFAULT FALSE;
-- 0.0 and -0.0 compare equal: the flag tells two such points apart.
DROP INDEX metrics_history;
CREATE UNIQUE INDEX metrics_history ON metrics(run_id, key, step, timestamp, value, is_nan, neg_zero);
