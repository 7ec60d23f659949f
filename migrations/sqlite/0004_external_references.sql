-- External references (see core/src/external.rs): a model version whose source is files
-- elsewhere (kept verbatim, never read or served, not frozen), and runs this registry does
-- not track, named verbatim beside the tracked-run columns (which keep their meaning).
ALTER TABLE model_versions ADD COLUMN source_external INTEGER NOT NULL DEFAULT 0;
ALTER TABLE model_versions ADD COLUMN external_run_id TEXT;
ALTER TABLE logged_models ADD COLUMN external_source_run_id TEXT;
-- The dataset a metric point was evaluated on (MLflow 3 sends it with the model id).
ALTER TABLE metrics ADD COLUMN dataset_name TEXT;
ALTER TABLE metrics ADD COLUMN dataset_digest TEXT;
-- MLflow 3 model inputs: the logged models a run consumed (`log-inputs` with `models`).
CREATE TABLE run_model_inputs (
    run_id   TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
    PRIMARY KEY (run_id, model_id)
);
