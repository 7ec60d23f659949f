//! Which identifiers each entity accepts, and the alias table that maps every spelling of an
//! attribute to its one canonical name (documented in the module above).
use super::cursor::RawIdent;
use super::{DatasetField, Entity, Field, ValueKind};

const RUN: u8 = 1;
const REGISTERED_MODEL: u8 = 2;
const MODEL_VERSION: u8 = 4;
const EXPERIMENT: u8 = 8;
const LOGGED_MODEL: u8 = 16;
const REGISTRY: u8 = REGISTERED_MODEL | MODEL_VERSION | EXPERIMENT | LOGGED_MODEL;

struct Attr {
    alias: &'static str,
    canonical: &'static str,
    kind: ValueKind,
    entities: u8,
}

const fn attr(alias: &'static str, canonical: &'static str, kind: ValueKind, entities: u8) -> Attr {
    Attr {
        alias,
        canonical,
        kind,
        entities,
    }
}

use ValueKind::{Number as N, Text as T};

/// Every accepted spelling; rows whose alias is the canonical name are the ones listed as
/// "valid" in error messages.
static ATTRIBUTES: &[Attr] = &[
    attr("name", "name", T, REGISTRY),
    attr("run_id", "run_id", T, RUN | MODEL_VERSION),
    attr("run_name", "run_name", T, RUN),
    attr("status", "status", T, RUN | LOGGED_MODEL),
    attr("start_time", "start_time", N, RUN),
    attr("end_time", "end_time", N, RUN),
    attr("user_id", "user_id", T, RUN),
    attr("artifact_uri", "artifact_uri", T, RUN),
    attr("lifecycle_stage", "lifecycle_stage", T, RUN | EXPERIMENT),
    attr(
        "experiment_id",
        "experiment_id",
        T,
        RUN | EXPERIMENT | LOGGED_MODEL,
    ),
    attr("version_number", "version_number", N, MODEL_VERSION),
    attr("source_path", "source_path", T, MODEL_VERSION),
    attr("current_stage", "current_stage", T, MODEL_VERSION),
    attr("model_id", "model_id", T, MODEL_VERSION | LOGGED_MODEL),
    attr("source_run_id", "source_run_id", T, LOGGED_MODEL),
    attr("creation_timestamp", "creation_timestamp", N, REGISTRY),
    attr(
        "last_updated_timestamp",
        "last_updated_timestamp",
        N,
        REGISTRY,
    ),
    // Aliases. Experiments (and logged models) spell their timestamps differently in MLflow;
    // the long forms above are accepted there too so one client helper works everywhere.
    attr(
        "creation_time",
        "creation_timestamp",
        N,
        EXPERIMENT | LOGGED_MODEL,
    ),
    attr("last_update_time", "last_updated_timestamp", N, EXPERIMENT),
    attr("run name", "run_name", T, RUN),
    attr("created", "start_time", N, RUN),
    attr("version", "version_number", N, MODEL_VERSION),
    attr("source", "source_path", T, MODEL_VERSION),
    attr("timestamp", "last_updated_timestamp", N, REGISTERED_MODEL),
];

fn bit(entity: Entity) -> u8 {
    match entity {
        Entity::Run => RUN,
        Entity::RegisteredModel => REGISTERED_MODEL,
        Entity::ModelVersion => MODEL_VERSION,
        Entity::Experiment => EXPERIMENT,
        Entity::LoggedModel => LOGGED_MODEL,
    }
}

fn plural(entity: Entity) -> &'static str {
    match entity {
        Entity::Run => "runs",
        Entity::RegisteredModel => "registered models",
        Entity::ModelVersion => "model versions",
        Entity::Experiment => "experiments",
        Entity::LoggedModel => "logged models",
    }
}

fn has_metrics_and_params(entity: Entity) -> bool {
    matches!(entity, Entity::Run | Entity::LoggedModel)
}

/// The identifiers valid for `entity`, canonical spellings only, for error messages.
fn valid_list(entity: Entity, for_order: bool) -> String {
    let mut out: Vec<&str> = Vec::new();
    for a in ATTRIBUTES {
        if a.entities & bit(entity) != 0 && a.alias == a.canonical && !out.contains(&a.alias) {
            out.push(a.alias);
        }
    }
    if has_metrics_and_params(entity) {
        out.extend(["metrics.<key>", "params.<key>"]);
    }
    out.push("tags.<key>");
    if entity == Entity::Run && !for_order {
        out.push("datasets.<name|digest|context>");
    }
    out.join(", ")
}

fn attribute(name: &str, entity: Entity) -> Option<Field> {
    ATTRIBUTES
        .iter()
        .find(|a| a.entities & bit(entity) != 0 && a.alias.eq_ignore_ascii_case(name))
        .map(|a| Field::Attribute {
            name: a.canonical,
            kind: a.kind,
        })
}

/// Resolves an identifier for `entity`; the error is the message only, the caller adds the
/// position. `for_order` refuses what cannot be sorted on (datasets).
pub(super) fn resolve(id: &RawIdent, entity: Entity, for_order: bool) -> Result<Field, String> {
    let invalid = || {
        format!(
            "'{}' is not a valid identifier for {} (valid: {})",
            id.text,
            plural(entity),
            valid_list(entity, for_order)
        )
    };
    let key = id.key.clone();
    let field = match id.prefix.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => attribute(&id.key, entity),
        Some("metric" | "metrics") if has_metrics_and_params(entity) => Some(Field::Metric(key)),
        Some("param" | "params" | "parameter" | "parameters") if has_metrics_and_params(entity) => {
            Some(Field::Param(key))
        }
        Some("tag" | "tags") => Some(Field::Tag(key)),
        Some("attribute" | "attributes" | "attr") => attribute(&id.key, entity),
        Some("dataset" | "datasets") if entity == Entity::Run && !for_order => {
            match id.key.to_ascii_lowercase().as_str() {
                "name" => Some(Field::Dataset(DatasetField::Name)),
                "digest" => Some(Field::Dataset(DatasetField::Digest)),
                "context" => Some(Field::Dataset(DatasetField::Context)),
                _ => {
                    return Err(format!(
                        "'{}' is not a dataset field (valid: datasets.name, datasets.digest, datasets.context)",
                        id.text
                    ))
                }
            }
        }
        Some(_) => None,
    };
    field.ok_or_else(invalid)
}
