"""The review gate as an ML team meets it through the real `mlflow` Python client.

Runs against a Pedigree server with the review gate on (its default) and two users:
`alice`, a contributor (the base role), and `bob`, an approver. Their credentials come
from the environment: `PEDIGREE_ALICE_TOKEN` and `PEDIGREE_BOB_TOKEN`. Each step acts as
one of them by setting the variables the client reads on every request
(`MLFLOW_TRACKING_TOKEN` for 3.x, `MLFLOW_TRACKING_USERNAME`/`_PASSWORD` for 2.x).

- alice logs and registers a model; her `transition_model_version_stage(..., "Production")`
  is refused with PERMISSION_DENIED naming the transition request it opened, and the
  version keeps its stage;
- bob's same call is his approval: the version moves to Production, and the model's
  production alias `champion` moves with it;
- `models:/<name>@champion` then loads the approved version.

Usually run through `scripts/mlflow-compat.sh`.
"""

from __future__ import annotations

import os
import uuid

os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402
import sklearn  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

MLFLOW_MAJOR = int(mlflow.__version__.split(".")[0])
MODEL = f"governed-{uuid.uuid4().hex[:8]}"
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def act_as(user: str) -> str:
    """Makes the client send `user`'s credentials from now on; answers the token."""
    token = os.environ[f"PEDIGREE_{user.upper()}_TOKEN"]
    for k in ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        os.environ.pop(k, None)
    if MLFLOW_MAJOR >= 3:
        os.environ["MLFLOW_TRACKING_TOKEN"] = token
    else:
        os.environ["MLFLOW_TRACKING_USERNAME"] = user
        os.environ["MLFLOW_TRACKING_PASSWORD"] = token
    return token


@pytest.fixture(scope="module")
def registered():
    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    act_as("alice")
    mlflow.set_experiment(f"governed-{MODEL}")
    x = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1]])
    y = np.array([0, 1, 0, 1])
    model = LogisticRegression().fit(x, y)
    kwargs = {
        "registered_model_name": MODEL,
        "pip_requirements": [f"mlflow=={mlflow.__version__}", f"scikit-learn=={sklearn.__version__}"],
    }
    with mlflow.start_run():
        if MLFLOW_MAJOR >= 3:
            mlflow.sklearn.log_model(model, name="model", **kwargs)
        else:
            mlflow.sklearn.log_model(model, artifact_path="model", **kwargs)
    return x, model.predict_proba(x)


def requests_of(token: str) -> list:
    return requests.get(
        f"{os.environ['MLFLOW_TRACKING_URI']}/api/2.0/mlflow/transition-requests/list",
        params={"name": MODEL, "version": "1"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()["requests"]


def test_a_contributors_promotion_is_refused_and_opens_a_request(registered):
    token = act_as("alice")
    client = MlflowClient()
    with pytest.raises(MlflowException) as excinfo:
        client.transition_model_version_stage(MODEL, "1", "Production")
    assert excinfo.value.error_code == "PERMISSION_DENIED"
    opened = requests_of(token)
    assert [(r["user_id"], r["status"]) for r in opened] == [("alice", "open")], opened
    message = str(excinfo.value)
    assert "needs review" in message and f"transition request {opened[0]['id']} " in message, message
    assert client.get_model_version(MODEL, "1").current_stage == "None"
    # Asking again finds the same request rather than opening another.
    with pytest.raises(MlflowException) as again:
        client.transition_model_version_stage(MODEL, "1", "Production")
    assert f"transition request {opened[0]['id']} " in str(again.value)
    assert len(requests_of(token)) == 1


def test_the_approvers_call_applies_it_and_moves_champion(registered):
    token = act_as("bob")
    client = MlflowClient()
    mv = client.transition_model_version_stage(MODEL, "1", "Production")
    assert mv.current_stage == "Production"
    assert client.get_model_version_by_alias(MODEL, "champion").version == "1"
    listed = requests_of(token)
    assert len(listed) == 1, listed
    assert listed[0]["status"] == "applied", listed
    assert listed[0]["user_id"] == "alice"
    assert [a["user_id"] for a in listed[0]["approvals"]] == ["bob"]


def test_serving_code_loads_the_approved_version_by_alias(registered):
    act_as("alice")
    x, expected = registered
    loaded = mlflow.sklearn.load_model(f"models:/{MODEL}@champion")
    assert np.array_equal(loaded.predict_proba(x), expected)
