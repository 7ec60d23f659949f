"""The workflow of an ML team, driven by the real `mlflow` Python client.

Runs against whatever server `MLFLOW_TRACKING_URI` points at: Pedigree (SQLite or
PostgreSQL) or a real MLflow server, with an MLflow 3.x or 2.x client.
Credentials come from the environment and are read by the client itself:
`MLFLOW_TRACKING_TOKEN` (bearer) or `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`
(basic).

Every name carries a random per-session suffix, so reruns against the same server
never collide. Usually run through `scripts/mlflow-compat.sh`; by hand:

    MLFLOW_TRACKING_URI=http://127.0.0.1:8080 python -m pytest -q tests/mlflow/workflow.py

The module-scoped fixtures build the shared state (experiment, runs, model versions,
stage history, alias) once; each test then asserts one part of the workflow. The
tests are written to run in file order, which is pytest's default.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from types import SimpleNamespace

# Fail fast on a server bug instead of retrying for minutes; the runner sets these
# too, but a hand-run should behave the same. Must happen before mlflow is imported.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import sklearn  # noqa: E402
from mlflow.entities import Metric, Param, RunTag, ViewType  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

MLFLOW_MAJOR = int(mlflow.__version__.split(".")[0])

SUFFIX = uuid.uuid4().hex[:8]
EXPERIMENT = f"fraud-{SUFFIX}"
MODEL = f"fraud-detector-{SUFFIX}"
OTHER_MODEL = f"fraud-rules-{SUFFIX}"
DATASET = f"transactions-{SUFFIX}"
MODEL_PATH = "model"  # artifact path (2.x) / logged-model name (3.x)
LOSS_STEPS = 50
LOSS_LOGGED_ONE_BY_ONE = 5  # steps 0..4 via log_metric, the rest via log_batch
FEATURES = ["amount", "hour", "merchant_risk", "velocity"]

# Stage transitions and get_latest_versions are deprecated in MLflow 3 but still
# served; their FutureWarnings would only bury real problems in the output.
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def loss_at(step: int) -> float:
    return round(1.0 / (step + 1) + 0.001 * step, 6)


def error_code(excinfo) -> str:
    return excinfo.value.error_code


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session", autouse=True)
def tracking_uri():
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    if not uri.startswith(("http://", "https://")):
        pytest.fail(f"MLFLOW_TRACKING_URI must point at a server, got {uri!r}")
    mlflow.set_tracking_uri(uri)
    return uri


@pytest.fixture(scope="module")
def client():
    return MlflowClient()


@pytest.fixture(scope="module")
def data():
    """A tiny synthetic fraud data set: 4 features, a linear rule plus a little noise."""
    rng = np.random.RandomState(7)
    x = pd.DataFrame(rng.normal(size=(60, len(FEATURES))), columns=FEATURES)
    score = 1.5 * x["amount"] - 1.0 * x["hour"] + 0.8 * x["merchant_risk"] + 0.3 * rng.normal(size=60)
    y = (score > 0).astype(int)
    frame = x.copy()
    frame["label"] = y.astype(float)  # float: an int column draws a schema warning
    return SimpleNamespace(x=x, y=y, frame=frame)


@pytest.fixture(scope="module")
def experiment():
    return mlflow.set_experiment(EXPERIMENT)


def log_sklearn_model(model):
    """`mlflow.sklearn.log_model` registering a version of MODEL; 3.x takes `name=`, 2.x `artifact_path=`.

    Pinned requirements spare the client its requirement-inference subprocess
    (about 5 s per model) without changing anything on the wire but a file's text.
    """
    kwargs = {
        "registered_model_name": MODEL,
        "pip_requirements": [
            f"mlflow=={mlflow.__version__}",
            f"scikit-learn=={sklearn.__version__}",
            f"numpy=={np.__version__}",
        ],
    }
    if MLFLOW_MAJOR >= 3:
        return mlflow.sklearn.log_model(model, name=MODEL_PATH, **kwargs)
    return mlflow.sklearn.log_model(model, artifact_path=MODEL_PATH, **kwargs)


def train_and_log(client, data, *, run_name, params, auc, labels, tags, log_dataset):
    model = LogisticRegression(solver=params["solver"], C=float(params["C"]), max_iter=int(params["max_iter"]))
    model.fit(data.x, labels)
    dataset = None
    with mlflow.start_run(run_name=run_name) as run:
        run_id = run.info.run_id
        mlflow.log_params(params)
        mlflow.set_tags(tags)
        mlflow.log_metric("auc", auc)
        # One timestamp per step, strictly increasing: ordering by (timestamp, step),
        # as MLflow does, and by step agree.
        t0 = int(time.time() * 1000)
        for step in range(LOSS_LOGGED_ONE_BY_ONE):
            mlflow.log_metric("loss", loss_at(step), step=step, timestamp=t0 + step)
        client.log_batch(
            run_id,
            metrics=[
                Metric("loss", loss_at(step), t0 + step, step)
                for step in range(LOSS_LOGGED_ONE_BY_ONE, LOSS_STEPS)
            ],
        )
        if log_dataset:
            dataset = mlflow.data.from_pandas(data.frame, name=DATASET, targets="label")
            mlflow.log_input(dataset, context="training")
            mlflow.log_text("threshold: 0.5\n", "notes/summary.txt")
        info = log_sklearn_model(model)
    return SimpleNamespace(
        run_id=run_id,
        model=model,
        preds=np.asarray(model.predict(data.x)),
        info=info,
        dataset=dataset,
        params=params,
        tags=tags,
        auc=auc,
    )


@pytest.fixture(scope="module")
def run1(client, experiment, data):
    """The baseline: registers version 1 of MODEL."""
    return train_and_log(
        client,
        data,
        run_name=f"baseline-{SUFFIX}",
        params={"solver": "lbfgs", "C": "1.0", "max_iter": "200"},
        auc=0.91,
        labels=data.y,
        tags={"team": "fraud", "purpose": "baseline"},
        log_dataset=True,
    )


@pytest.fixture(scope="module")
def run2(client, experiment, data, run1):
    """A retrain on bad labels (flipped): registers version 2, which will be rolled back."""
    return train_and_log(
        client,
        data,
        run_name=f"retrain-{SUFFIX}",
        params={"solver": "lbfgs", "C": "0.5", "max_iter": "200"},
        auc=0.87,
        labels=1 - data.y,
        tags={"team": "fraud", "purpose": "retrain"},
        log_dataset=False,
    )


@pytest.fixture(scope="module")
def side_runs(client, experiment):
    """Two runs without models that the search filter must leave out."""
    ids = {}
    for run_name, solver, auc in (("liblinear", "liblinear", 0.97), ("weak", "lbfgs", 0.62)):
        with mlflow.start_run(run_name=f"{run_name}-{SUFFIX}") as run:
            mlflow.log_params({"solver": solver, "C": "1.0", "max_iter": "100"})
            mlflow.log_metric("auc", auc)
            ids[run_name] = run.info.run_id
    return ids


@pytest.fixture(scope="module")
def rollback(client, run1, run2):
    """v2 to Production (archiving v1's slot), then a rollback of v1 to Production."""
    mv = client.transition_model_version_stage(MODEL, "2", "Production", archive_existing_versions=True)
    # archive_existing_versions archives only versions already in the target stage:
    # v1 (stage None) is left alone.
    promoted = (
        mv.version,
        mv.current_stage,
        client.get_model_version(MODEL, "2").current_stage,
        client.get_model_version(MODEL, "1").current_stage,
    )
    mv = client.transition_model_version_stage(MODEL, "1", "Production", archive_existing_versions=True)
    rolled_back = (mv.version, mv.current_stage)
    return SimpleNamespace(promoted=promoted, rolled_back=rolled_back)


@pytest.fixture(scope="module")
def champion(client, run1, run2):
    client.set_registered_model_alias(MODEL, "champion", "1")
    return "champion"


@pytest.fixture(scope="module")
def other_model(client, run1):
    """A second registered model name, with one version from the baseline run."""
    mv = mlflow.register_model(f"runs:/{run1.run_id}/{MODEL_PATH}", OTHER_MODEL)
    return mv


# --------------------------------------------------------------------------- tracking


def test_experiment_is_set(client, experiment):
    assert experiment.name == EXPERIMENT
    assert experiment.lifecycle_stage == "active"
    assert experiment.experiment_id
    again = client.get_experiment_by_name(EXPERIMENT)
    assert again is not None and again.experiment_id == experiment.experiment_id
    assert client.get_experiment(experiment.experiment_id).name == EXPERIMENT
    # set_experiment on an existing name reuses it.
    assert mlflow.set_experiment(EXPERIMENT).experiment_id == experiment.experiment_id


def test_run_records_params_metrics_tags_and_dataset(client, experiment, run1):
    run = client.get_run(run1.run_id)
    assert run.info.run_id == run1.run_id
    assert run.info.experiment_id == experiment.experiment_id
    assert run.info.status == "FINISHED"
    assert run.info.end_time is not None and run.info.end_time >= run.info.start_time
    assert run.info.lifecycle_stage == "active"
    assert run.info.run_name == f"baseline-{SUFFIX}"
    for key, value in run1.params.items():
        assert run.data.params.get(key) == value
    for key, value in run1.tags.items():
        assert run.data.tags.get(key) == value
    assert run.data.tags.get("mlflow.runName") == f"baseline-{SUFFIX}"
    # data.metrics holds the latest value of each key.
    assert run.data.metrics["auc"] == pytest.approx(0.91)
    assert run.data.metrics["loss"] == pytest.approx(loss_at(LOSS_STEPS - 1))

    inputs = run.inputs.dataset_inputs
    assert len(inputs) == 1
    ds = inputs[0].dataset
    assert ds.name == DATASET
    assert ds.digest == run1.dataset.digest
    assert ds.source_type
    schema_columns = [c["name"] for c in json.loads(ds.schema)["mlflow_colspec"]]
    assert schema_columns == FEATURES + ["label"]
    assert json.loads(ds.profile)["num_rows"] == len(run1.preds)
    input_tags = {t.key: t.value for t in inputs[0].tags}
    assert input_tags.get("mlflow.data.context") == "training"


def test_metric_history_has_every_step_in_order(client, run1):
    history = client.get_metric_history(run1.run_id, "loss")
    # 3.x log_model re-logs the latest point of each metric with its model id; the
    # server must not store that as a second point.
    assert len(history) == LOSS_STEPS, f"expected {LOSS_STEPS} points, got {len(history)} (duplicates?)"
    assert [m.step for m in history] == list(range(LOSS_STEPS))
    assert [m.value for m in history] == pytest.approx([loss_at(s) for s in range(LOSS_STEPS)])
    assert all(m.key == "loss" for m in history)
    timestamps = [m.timestamp for m in history]
    assert timestamps == sorted(timestamps) and len(set(timestamps)) == LOSS_STEPS
    auc = client.get_metric_history(run1.run_id, "auc")
    assert [(m.step, m.value) for m in auc] == [(0, pytest.approx(0.91))]


def test_run_artifacts_round_trip(client, run1, tmp_path):
    root = {f.path: f.is_dir for f in client.list_artifacts(run1.run_id)}
    assert root.get("notes") is True
    files = client.list_artifacts(run1.run_id, "notes")
    assert [(f.path, f.is_dir) for f in files] == [("notes/summary.txt", False)]
    assert files[0].file_size == len("threshold: 0.5\n")
    local = mlflow.artifacts.download_artifacts(
        run_id=run1.run_id, artifact_path="notes/summary.txt", dst_path=str(tmp_path)
    )
    with open(local) as fh:
        assert fh.read() == "threshold: 0.5\n"


def test_search_runs_filter_and_order(client, experiment, run1, run2, side_runs):
    flt = "metrics.auc > 0.8 and params.solver = 'lbfgs'"
    desc = client.search_runs([experiment.experiment_id], flt, order_by=["metrics.auc DESC"])
    assert [r.info.run_id for r in desc] == [run1.run_id, run2.run_id]
    asc = client.search_runs([experiment.experiment_id], flt, order_by=["metrics.auc ASC"])
    assert [r.info.run_id for r in asc] == [run2.run_id, run1.run_id]
    # The fluent API returns a DataFrame with the same rows.
    frame = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id], filter_string=flt, order_by=["metrics.auc DESC"]
    )
    assert list(frame["run_id"]) == [run1.run_id, run2.run_id]
    assert list(frame["metrics.auc"]) == pytest.approx([0.91, 0.87])
    assert list(frame["params.C"]) == ["1.0", "0.5"]
    # The liblinear run has the best auc, the weak one fails the metric clause.
    best = client.search_runs([experiment.experiment_id], "params.solver = 'liblinear'")
    assert [r.info.run_id for r in best] == [side_runs["liblinear"]]
    weak = client.search_runs([experiment.experiment_id], "metrics.auc < 0.7")
    assert [r.info.run_id for r in weak] == [side_runs["weak"]]


def test_search_runs_pages(client, experiment, run1, run2, side_runs):
    seen, token, pages = [], None, 0
    while True:
        page = client.search_runs(
            [experiment.experiment_id], "", max_results=2, order_by=["metrics.auc DESC"], page_token=token
        )
        pages += 1
        assert len(page) <= 2
        seen.extend(r.info.run_id for r in page)
        token = page.token
        if not token:
            break
        assert pages < 20, "search_runs paging does not end"
    assert pages >= 2
    assert len(seen) == len(set(seen)), "a run came back on two pages"
    expected = [side_runs["liblinear"], run1.run_id, run2.run_id, side_runs["weak"]]
    assert [r for r in seen if r in expected] == expected


def test_log_batch_then_get_run(client, experiment):
    run_id = client.create_run(experiment.experiment_id, run_name=f"batch-{SUFFIX}").info.run_id
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        metrics=[
            Metric("precision", 0.8, now, 0),
            Metric("precision", 0.85, now + 1, 1),
            Metric("recall", 0.7, now, 0),
        ],
        params=[Param("threshold", "0.5"), Param("features", "4")],
        tags=[RunTag("owner", "alice"), RunTag("dataset.version", "2024-06")],
    )
    client.set_terminated(run_id)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"threshold": "0.5", "features": "4"}
    assert run.data.tags["owner"] == "alice"
    assert run.data.tags["dataset.version"] == "2024-06"
    assert run.data.metrics == {"precision": pytest.approx(0.85), "recall": pytest.approx(0.7)}
    history = client.get_metric_history(run_id, "precision")
    assert sorted((m.step, m.value) for m in history) == [(0, pytest.approx(0.8)), (1, pytest.approx(0.85))]


def test_delete_and_restore_run(client, experiment):
    run_id = client.create_run(experiment.experiment_id, run_name=f"scratch-{SUFFIX}").info.run_id
    client.set_terminated(run_id)
    flt = f"attributes.run_name = 'scratch-{SUFFIX}'"

    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    active = client.search_runs([experiment.experiment_id], flt, run_view_type=ViewType.ACTIVE_ONLY)
    assert [r.info.run_id for r in active] == []
    deleted = client.search_runs([experiment.experiment_id], flt, run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [run_id]

    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    active = client.search_runs([experiment.experiment_id], flt, run_view_type=ViewType.ACTIVE_ONLY)
    assert [r.info.run_id for r in active] == [run_id]


# --------------------------------------------------------------------------- registry


def test_two_versions_registered_from_two_runs(client, run1, run2):
    assert str(run1.info.registered_model_version) == "1"
    assert str(run2.info.registered_model_version) == "2"
    versions = client.search_model_versions(f"name='{MODEL}'")
    assert sorted((v.version, v.run_id) for v in versions) == [("1", run1.run_id), ("2", run2.run_id)]
    for v, r in ((client.get_model_version(MODEL, "1"), run1), (client.get_model_version(MODEL, "2"), run2)):
        assert v.name == MODEL
        assert v.status == "READY"
        if MLFLOW_MAJOR >= 3:
            assert v.source == r.info.model_uri  # models:/m-...
        else:
            assert v.source == f"{client.get_run(r.run_id).info.artifact_uri}/{MODEL_PATH}"
    rm = client.get_registered_model(MODEL)
    assert rm.name == MODEL


def test_stage_transition_and_rollback(client, rollback):
    assert rollback.promoted == ("2", "Production", "Production", "None")
    assert rollback.rolled_back == ("1", "Production")
    assert client.get_model_version(MODEL, "1").current_stage == "Production"
    assert client.get_model_version(MODEL, "2").current_stage == "Archived"
    prod = client.get_latest_versions(MODEL, stages=["Production"])
    assert [(v.version, v.current_stage) for v in prod] == [("1", "Production")]
    # Without stages: the newest version of each stage.
    latest = client.get_latest_versions(MODEL)
    assert sorted((v.current_stage, v.version) for v in latest) == [("Archived", "2"), ("Production", "1")]


def test_alias_resolves_to_version(client, champion):
    mv = client.get_model_version_by_alias(MODEL, champion)
    assert mv.version == "1"
    assert mv.name == MODEL
    assert champion in mv.aliases
    assert client.get_registered_model(MODEL).aliases == {champion: "1"}


def test_load_models_by_stage_alias_version_and_run(data, run1, run2, rollback, champion):
    assert not np.array_equal(run1.preds, run2.preds), "the two versions must predict differently"
    cases = [
        (f"models:/{MODEL}/Production", run1.preds),
        (f"models:/{MODEL}@{champion}", run1.preds),
        (f"models:/{MODEL}/2", run2.preds),
        (f"runs:/{run1.run_id}/{MODEL_PATH}", run1.preds),
        (f"runs:/{run2.run_id}/{MODEL_PATH}", run2.preds),
    ]
    for uri, expected in cases:
        loaded = mlflow.pyfunc.load_model(uri)
        got = np.asarray(loaded.predict(data.x))
        np.testing.assert_array_equal(got, expected, err_msg=uri)


def test_search_registered_models_pages(client, run1, other_model):
    assert other_model.name == OTHER_MODEL and other_model.version == "1"
    names, token, pages = [], None, 0
    while True:
        page = client.search_registered_models(
            filter_string=f"name LIKE '%-{SUFFIX}'", max_results=1, order_by=["name ASC"], page_token=token
        )
        pages += 1
        assert len(page) <= 1
        names.extend(m.name for m in page)
        token = page.token
        if not token:
            break
        assert pages < 10, "search_registered_models paging does not end"
    assert names == [MODEL, OTHER_MODEL]
    assert pages >= 2


def test_delete_model_version(client, run2, rollback):
    mv = mlflow.register_model(f"runs:/{run2.run_id}/{MODEL_PATH}", MODEL)
    assert mv.version == "3"
    assert client.get_model_version(MODEL, "3").current_stage == "None"
    assert sorted(v.version for v in client.search_model_versions(f"name='{MODEL}'")) == ["1", "2", "3"]
    client.delete_model_version(MODEL, "3")
    with pytest.raises(MlflowException) as excinfo:
        client.get_model_version(MODEL, "3")
    assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    assert sorted(v.version for v in client.search_model_versions(f"name='{MODEL}'")) == ["1", "2"]
    # The stage history of the remaining versions is untouched.
    prod = client.get_latest_versions(MODEL, stages=["Production"])
    assert [v.version for v in prod] == ["1"]


def test_delete_registered_model(client, other_model):
    client.delete_registered_model(OTHER_MODEL)
    with pytest.raises(MlflowException) as excinfo:
        client.get_registered_model(OTHER_MODEL)
    assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    left = client.search_registered_models(filter_string=f"name LIKE '%-{SUFFIX}'")
    assert [m.name for m in left] == [MODEL]


# --------------------------------------------------------------------------- errors


def test_error_missing_registered_model(client):
    with pytest.raises(MlflowException) as excinfo:
        client.get_registered_model(f"no-such-model-{SUFFIX}")
    assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


def test_error_missing_model_version(client, run1):
    with pytest.raises(MlflowException) as excinfo:
        client.get_model_version(MODEL, "99")
    assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


def test_error_missing_run(client):
    with pytest.raises(MlflowException) as excinfo:
        client.get_run(uuid.uuid4().hex)
    assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


def test_error_duplicate_registered_model(client, run1):
    with pytest.raises(MlflowException) as excinfo:
        client.create_registered_model(MODEL)
    assert error_code(excinfo) == "RESOURCE_ALREADY_EXISTS"


def test_error_bogus_stage(client, run1):
    with pytest.raises(MlflowException) as excinfo:
        client.transition_model_version_stage(MODEL, "1", "Bogus")
    assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"


def test_error_missing_alias(client, run1):
    with pytest.raises(MlflowException) as excinfo:
        client.get_model_version_by_alias(MODEL, "no-such-alias")
    assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"


def test_error_bad_search_filter(client, experiment):
    with pytest.raises(MlflowException) as excinfo:
        client.search_runs([experiment.experiment_id], "metrics.auc >")
    assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"


def test_error_param_value_change(client, run1):
    with pytest.raises(MlflowException) as excinfo:
        client.log_param(run1.run_id, "solver", "saga")
    assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"
    # The original value stands.
    assert client.get_run(run1.run_id).data.params["solver"] == "lbfgs"
