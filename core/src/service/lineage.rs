//! The lineage of a model version, composed from existing reads: its source run (tracked
//! here or an external reference), the datasets and upstream models the run consumed, the
//! logged model it was registered from, and the stage and aliases it holds.
//!
//! Like `get_model_version`, this read takes no actor: the caller checks
//! `may_read(actor, Some(name))` first, and drops the links to other models it may not
//! read with [`LineageGraph::unlink_unreadable`] and its `ReadScope`.
use super::logged_models::MODEL_VERSIONS_TAG;
use super::Registry;
use crate::error::Result;
use crate::external::RunRef;
use crate::lineage::{LineageGraph, Node, NodeKind, NodeRef};
use crate::logged_model::LoggedModel;
use crate::model_version::ModelVersion;
use crate::names::{LoggedModelId, ModelName, Version};
use crate::run::Run;

/// The dataset input tag saying what the run used a dataset for (`training`, `eval`).
const DATA_CONTEXT_TAG: &str = "mlflow.data.context";

fn version_id(name: &ModelName, version: Version) -> String {
    format!("version:{name}/{version}")
}

impl Registry {
    /// The version's lineage as a graph, left to right: datasets and upstream models,
    /// the run, the logged model, the version, its stage and aliases. A run or logged
    /// model that is gone (deleted, or never tracked here) is still shown, unlinked.
    pub async fn version_lineage(
        &self,
        name: &ModelName,
        version: Version,
    ) -> Result<LineageGraph> {
        let v = self.get_model_version(name, version).await?;
        let mut g = LineageGraph::default();
        let vid = version_id(name, version);
        g.add_node(version_node(&v, &vid));
        self.add_holders(&mut g, &v, &vid);

        // The version's logged model, `None` inside when it is gone.
        let logged = match &v.logged_model_id {
            Some(id) => Some((id, self.logged_model_if_any(id).await?)),
            None => None,
        };
        let made_by = logged
            .as_ref()
            .and_then(|(_, m)| m.as_ref()?.source_run_id.clone());
        let run_ref = v.run_id.clone().or_else(|| made_by.clone());
        let run_node = match &run_ref {
            Some(r) => Some(self.add_run(&mut g, r).await?),
            None => None,
        };
        let Some((id, found)) = logged else {
            if let Some(rid) = &run_node {
                g.add_edge(rid, &vid);
            }
            return Ok(g);
        };
        let lid = format!("logged:{id}");
        g.add_node(logged_node(id, found.as_ref(), &lid));
        g.add_edge(&lid, &vid);
        if let Some(rid) = &run_node {
            // The run feeds the logged model when it made it (or nothing says otherwise);
            // a version naming another run than its logged model's gets both edges.
            if made_by.is_none() || made_by == run_ref {
                g.add_edge(rid, &lid);
            } else {
                g.add_edge(rid, &vid);
            }
        }
        Ok(g)
    }

    fn add_holders(&self, g: &mut LineageGraph, v: &ModelVersion, vid: &str) {
        let link = NodeRef::Model(v.name.clone());
        if v.stage.is_active() {
            let id = format!("stage:{}", v.stage.as_str());
            g.add_node(Node {
                id: id.clone(),
                kind: NodeKind::Holder,
                label: v.stage.as_str().to_string(),
                detail: Some("stage".into()),
                href_target: link.clone(),
            });
            g.add_edge(vid, id);
        }
        for alias in &v.aliases {
            let id = format!("alias:{alias}");
            g.add_node(Node {
                id: id.clone(),
                kind: NodeKind::Holder,
                label: format!("@{alias}"),
                detail: Some("alias".into()),
                href_target: link.clone(),
            });
            g.add_edge(vid, id);
        }
    }

    /// Adds the run node (and, for a tracked run, its datasets and upstream models);
    /// returns its id.
    async fn add_run(&self, g: &mut LineageGraph, r: &RunRef) -> Result<String> {
        let id = format!("run:{}", r.as_str());
        let Some(run_id) = r.tracked() else {
            g.add_node(Node {
                id: id.clone(),
                kind: NodeKind::Run,
                label: r.as_str().to_string(),
                detail: Some("external".into()),
                href_target: NodeRef::None,
            });
            return Ok(id);
        };
        let run = match self.get_run(run_id).await {
            Ok(run) => run,
            Err(e) if e.missing_entity().is_some() => {
                g.add_node(Node {
                    id: id.clone(),
                    kind: NodeKind::Run,
                    label: r.as_str().to_string(),
                    detail: Some("not found".into()),
                    href_target: NodeRef::None,
                });
                return Ok(id);
            }
            Err(e) => return Err(e),
        };
        g.add_node(run_node(&run, &id));
        for input in &run.inputs {
            let d = &input.dataset;
            let did = format!("dataset:{}@{}", d.name, d.digest);
            let context = input
                .tags
                .iter()
                .find(|t| t.key.as_str() == DATA_CONTEXT_TAG)
                .map(|t| t.value.as_str());
            let digest: String = d.digest.chars().take(8).collect();
            g.add_node(Node {
                id: did.clone(),
                kind: NodeKind::Dataset,
                label: d.name.clone(),
                detail: Some(match context {
                    Some(c) => format!("{digest} · {c}"),
                    None => digest,
                }),
                href_target: NodeRef::Dataset {
                    name: d.name.clone(),
                    digest: d.digest.clone(),
                },
            });
            g.add_edge(did, &id);
        }
        for m in &run.model_inputs {
            let uid = format!("upstream:{m}");
            let found = self.logged_model_if_any(m).await?;
            let mut node = logged_node(m, found.as_ref(), &uid);
            node.kind = NodeKind::UpstreamModel;
            g.add_node(node);
            g.add_edge(uid, &id);
        }
        Ok(id)
    }

    /// The logged model, `None` when it is gone: lineage shows what it can.
    async fn logged_model_if_any(&self, id: &LoggedModelId) -> Result<Option<LoggedModel>> {
        match self.get_logged_model(id).await {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.missing_entity().is_some() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn version_node(v: &ModelVersion, id: &str) -> Node {
    Node {
        id: id.to_string(),
        kind: NodeKind::ModelVersion,
        label: format!("{} v{}", v.name, v.version),
        detail: Some(if v.source_kind.is_external() {
            "external source".to_string()
        } else {
            v.status.as_str().to_string()
        }),
        href_target: NodeRef::Version(v.name.clone(), v.version),
    }
}

fn run_node(run: &Run, id: &str) -> Node {
    let label = if run.info.run_name.is_empty() {
        run.info.run_id.to_string()
    } else {
        run.info.run_name.clone()
    };
    Node {
        id: id.to_string(),
        kind: NodeKind::Run,
        label,
        detail: Some(run.info.status.as_str().to_string()),
        href_target: NodeRef::Run(run.info.run_id.clone()),
    }
}

/// A logged model's node; it links to the first version registered from it, if any.
fn logged_node(id: &LoggedModelId, found: Option<&LoggedModel>, node_id: &str) -> Node {
    let Some(m) = found else {
        return Node {
            id: node_id.to_string(),
            kind: NodeKind::LoggedModel,
            label: id.to_string(),
            detail: Some("not found".into()),
            href_target: NodeRef::None,
        };
    };
    let registered = m
        .tags
        .iter()
        .find(|t| t.key.as_str() == MODEL_VERSIONS_TAG)
        .and_then(|t| first_registered(&t.value));
    Node {
        id: node_id.to_string(),
        kind: NodeKind::LoggedModel,
        label: m.name.clone(),
        detail: Some(id.to_string()),
        href_target: match registered {
            Some((name, version)) => NodeRef::Version(name, version),
            None => NodeRef::None,
        },
    }
}

/// The first `{"name": …, "version": …}` of an `mlflow.modelVersions` tag that names a
/// valid model and version (clients write the tag too, so anything else is skipped).
fn first_registered(tag: &str) -> Option<(ModelName, Version)> {
    let entries: Vec<serde_json::Value> = serde_json::from_str(tag).ok()?;
    entries.iter().find_map(|e| {
        let name = ModelName::parse(e.get("name")?.as_str()?).ok()?;
        let version = match e.get("version")? {
            serde_json::Value::Number(n) => Version::new(n.as_i64()?).ok()?,
            serde_json::Value::String(s) => s.parse().ok()?,
            _ => return None,
        };
        Some((name, version))
    })
}
