//! Domain values in MLflow's proto3-JSON shapes: ids and versions as strings, int64 as
//! numbers, key/value collections as `[{key, value}]`, and empty fields left out.
use pedigree_core::experiment::Experiment;
use pedigree_core::logged_model::LoggedModel;
use pedigree_core::model_version::ModelVersion;
use pedigree_core::registered_model::RegisteredModel;
use pedigree_core::run::{Metric, Run, RunInfo};
use pedigree_core::Tag;
use serde_json::{json, Map, Value};

pub fn tags(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"key": t.key.as_str(), "value": t.value}))
            .collect(),
    )
}

/// A double the way protobuf JSON writes it: NaN and infinities as strings.
pub fn double(v: f64) -> Value {
    if v.is_nan() {
        json!("NaN")
    } else if v == f64::INFINITY {
        json!("Infinity")
    } else if v == f64::NEG_INFINITY {
        json!("-Infinity")
    } else {
        json!(v)
    }
}

/// Inserts `key: value` unless the collection is empty.
fn put_nonempty(obj: &mut Map<String, Value>, key: &str, v: Value) {
    let empty = match &v {
        Value::Array(a) => a.is_empty(),
        Value::Null => true,
        _ => false,
    };
    if !empty {
        obj.insert(key.to_string(), v);
    }
}

pub fn experiment(e: &Experiment) -> Value {
    let mut o = Map::new();
    o.insert("experiment_id".into(), json!(e.id.to_string()));
    o.insert("name".into(), json!(e.name.as_str()));
    o.insert("artifact_location".into(), json!(e.artifact_location));
    o.insert("lifecycle_stage".into(), json!(e.lifecycle_stage.as_str()));
    o.insert("last_update_time".into(), json!(e.last_update_time));
    o.insert("creation_time".into(), json!(e.creation_time));
    put_nonempty(&mut o, "tags", tags(&e.tags));
    Value::Object(o)
}

/// A metric point; the MLflow 3 model and dataset it was logged with, when it has them.
pub fn metric(m: &Metric) -> Value {
    let mut o = Map::new();
    o.insert("key".into(), json!(m.key.as_str()));
    o.insert("value".into(), double(m.value));
    o.insert("timestamp".into(), json!(m.timestamp));
    o.insert("step".into(), json!(m.step));
    if let Some(id) = &m.model_id {
        o.insert("model_id".into(), json!(id.as_str()));
    }
    if let Some(d) = &m.dataset_name {
        o.insert("dataset_name".into(), json!(d));
    }
    if let Some(d) = &m.dataset_digest {
        o.insert("dataset_digest".into(), json!(d));
    }
    Value::Object(o)
}

pub fn run_info(i: &RunInfo) -> Value {
    let mut o = Map::new();
    o.insert("run_uuid".into(), json!(i.run_id.as_str()));
    o.insert("run_id".into(), json!(i.run_id.as_str()));
    o.insert("experiment_id".into(), json!(i.experiment_id.to_string()));
    o.insert("run_name".into(), json!(i.run_name));
    o.insert("user_id".into(), json!(i.user_id));
    o.insert("status".into(), json!(i.status.as_str()));
    o.insert("start_time".into(), json!(i.start_time));
    if let Some(end) = i.end_time {
        o.insert("end_time".into(), json!(end));
    }
    o.insert("artifact_uri".into(), json!(i.artifact_uri));
    o.insert("lifecycle_stage".into(), json!(i.lifecycle_stage.as_str()));
    Value::Object(o)
}

pub fn run(r: &Run) -> Value {
    let mut data = Map::new();
    put_nonempty(
        &mut data,
        "metrics",
        Value::Array(r.metrics.iter().map(metric).collect()),
    );
    put_nonempty(&mut data, "params", tags(&r.params));
    put_nonempty(&mut data, "tags", tags(&r.tags));
    let mut inputs = Map::new();
    let ds: Vec<Value> = r
        .inputs
        .iter()
        .map(|i| {
            let d = &i.dataset;
            let mut dj = Map::new();
            dj.insert("name".into(), json!(d.name));
            dj.insert("digest".into(), json!(d.digest));
            dj.insert("source_type".into(), json!(d.source_type));
            dj.insert("source".into(), json!(d.source));
            if let Some(s) = &d.schema {
                dj.insert("schema".into(), json!(s));
            }
            if let Some(p) = &d.profile {
                dj.insert("profile".into(), json!(p));
            }
            let mut ij = Map::new();
            put_nonempty(&mut ij, "tags", tags(&i.tags));
            ij.insert("dataset".into(), Value::Object(dj));
            Value::Object(ij)
        })
        .collect();
    put_nonempty(&mut inputs, "dataset_inputs", Value::Array(ds));
    put_nonempty(
        &mut inputs,
        "model_inputs",
        Value::Array(
            r.model_inputs
                .iter()
                .map(|id| json!({"model_id": id.as_str()}))
                .collect(),
        ),
    );
    let mut outputs = Map::new();
    put_nonempty(
        &mut outputs,
        "model_outputs",
        Value::Array(
            r.outputs
                .iter()
                .map(|(id, step)| json!({"model_id": id.as_str(), "step": step}))
                .collect(),
        ),
    );
    json!({"info": run_info(&r.info), "data": data, "inputs": inputs, "outputs": outputs})
}

pub fn model_version(v: &ModelVersion, with_aliases: bool) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(v.name.as_str()));
    o.insert("version".into(), json!(v.version.to_string()));
    o.insert("creation_timestamp".into(), json!(v.creation_time));
    o.insert("last_updated_timestamp".into(), json!(v.last_updated_time));
    o.insert("current_stage".into(), json!(v.stage.as_str()));
    o.insert("description".into(), json!(v.description));
    if !v.user_id.is_empty() {
        o.insert("user_id".into(), json!(v.user_id));
    }
    o.insert("source".into(), json!(v.source));
    if let Some(r) = &v.run_id {
        o.insert("run_id".into(), json!(r.as_str()));
    }
    // Pedigree's own marks (MLflow clients ignore unknown fields): the source is a
    // reference to files elsewhere, never read or served here; the run is not tracked here.
    if v.is_external() {
        o.insert("external_source".into(), json!(true));
    }
    if v.run_id.as_ref().is_some_and(|r| r.is_external()) {
        o.insert("external_run".into(), json!(true));
    }
    o.insert("status".into(), json!(v.status.as_str()));
    o.insert("run_link".into(), json!(v.run_link));
    put_nonempty(&mut o, "tags", tags(&v.tags));
    if with_aliases {
        put_nonempty(
            &mut o,
            "aliases",
            Value::Array(v.aliases.iter().map(|a| json!(a.as_str())).collect()),
        );
    }
    Value::Object(o)
}

pub fn registered_model(m: &RegisteredModel) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(m.name.as_str()));
    o.insert("creation_timestamp".into(), json!(m.creation_time));
    o.insert("last_updated_timestamp".into(), json!(m.last_updated_time));
    if !m.description.is_empty() {
        o.insert("description".into(), json!(m.description));
    }
    put_nonempty(
        &mut o,
        "latest_versions",
        Value::Array(
            m.latest_versions
                .iter()
                .map(|v| model_version(v, false))
                .collect(),
        ),
    );
    put_nonempty(&mut o, "tags", tags(&m.tags));
    put_nonempty(
        &mut o,
        "aliases",
        Value::Array(
            m.aliases
                .iter()
                .map(|a| json!({"alias": a.alias.as_str(), "version": a.version.to_string()}))
                .collect(),
        ),
    );
    Value::Object(o)
}

pub fn logged_model(m: &LoggedModel, metrics: &[(Metric, String)]) -> Value {
    let mut info = Map::new();
    info.insert("model_id".into(), json!(m.model_id.as_str()));
    info.insert("experiment_id".into(), json!(m.experiment_id.to_string()));
    info.insert("name".into(), json!(m.name));
    info.insert("creation_timestamp_ms".into(), json!(m.creation_time));
    info.insert(
        "last_updated_timestamp_ms".into(),
        json!(m.last_updated_time),
    );
    info.insert("artifact_uri".into(), json!(m.artifact_location));
    info.insert("status".into(), json!(m.status.as_str()));
    info.insert(
        "model_type".into(),
        json!(m.model_type.clone().unwrap_or_default()),
    );
    if let Some(r) = &m.source_run_id {
        info.insert("source_run_id".into(), json!(r.as_str()));
    }
    put_nonempty(&mut info, "tags", tags(&m.tags));
    let mut data = Map::new();
    put_nonempty(&mut data, "params", tags(&m.params));
    put_nonempty(
        &mut data,
        "metrics",
        Value::Array(
            metrics
                .iter()
                .map(|(mt, run)| {
                    let mut v = metric(mt);
                    if let Value::Object(o) = &mut v {
                        o.insert("model_id".into(), json!(m.model_id.as_str()));
                        o.insert("run_id".into(), json!(run));
                    }
                    v
                })
                .collect(),
        ),
    );
    json!({"info": info, "data": data})
}
