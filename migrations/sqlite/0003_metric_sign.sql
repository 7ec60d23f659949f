-- SQLite stores an integral REAL as an integer, which loses the sign of -0.0; the flag
-- keeps it, so every logged double reads back with the bits it was written with.
ALTER TABLE metrics ADD COLUMN neg_zero INTEGER NOT NULL DEFAULT 0;
ALTER TABLE latest_metrics ADD COLUMN neg_zero INTEGER NOT NULL DEFAULT 0;
-- 0.0 and -0.0 compare equal: the flag tells two such points apart.
DROP INDEX metrics_history;
CREATE UNIQUE INDEX metrics_history ON metrics(run_id, key, step, timestamp, value, is_nan, neg_zero);
