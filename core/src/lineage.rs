//! The lineage of a model version as a graph (datasets and upstream models into a run,
//! the run into a logged model and a version, the version into the stage and aliases it
//! holds) and its layered left-to-right layout, pure geometry the dashboard draws as SVG.
use crate::names::{ModelName, RunId, Version};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

mod layout;
mod order;
mod place;

pub use layout::{crossings, layout, EdgePath, Layout, LayoutColumn, LayoutOptions, NodeBox};

/// What a node stands for; the declaration order is the column order, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Dataset,
    UpstreamModel,
    Run,
    LoggedModel,
    ModelVersion,
    /// A stage or an alias held by a version.
    Holder,
}

impl NodeKind {
    pub const ALL: [NodeKind; 6] = [
        NodeKind::Dataset,
        NodeKind::UpstreamModel,
        NodeKind::Run,
        NodeKind::LoggedModel,
        NodeKind::ModelVersion,
        NodeKind::Holder,
    ];

    /// A column heading.
    pub fn title(self) -> &'static str {
        match self {
            NodeKind::Dataset => "Datasets",
            NodeKind::UpstreamModel => "Upstream models",
            NodeKind::Run => "Runs",
            NodeKind::LoggedModel => "Logged models",
            NodeKind::ModelVersion => "Versions",
            NodeKind::Holder => "Stages & aliases",
        }
    }
}

/// Where a node links to; the app turns it into a route.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NodeRef {
    Run(RunId),
    Version(ModelName, Version),
    Model(ModelName),
    Dataset {
        name: String,
        digest: String,
    },
    /// Nothing here to link to (an external run, a missing record).
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Unique within a graph; edges name nodes by it.
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// A second line: a digest, a run's status, "external".
    pub detail: Option<String>,
    pub href_target: NodeRef,
}

/// `from` feeds `to` (data into a run, a run into a version, a version into its holder).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineageGraph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl LineageGraph {
    /// Adds `node` unless a node with its id is there already (a dataset two runs read is
    /// one node); returns whether it was added.
    pub fn add_node(&mut self, node: Node) -> bool {
        if self.node(&node.id).is_some() {
            return false;
        }
        self.nodes.push(node);
        true
    }

    /// Adds the edge `from -> to` once.
    pub fn add_edge(&mut self, from: impl Into<String>, to: impl Into<String>) {
        let edge = Edge {
            from: from.into(),
            to: to.into(),
        };
        if !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The nodes of `kind`, in insertion order.
    pub fn of_kind(&self, kind: NodeKind) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(move |n| n.kind == kind)
    }

    /// Drops the links to models `readable` refuses. The graph of a version the caller
    /// may read can still point at other models (an upstream model registered elsewhere);
    /// a caller that may not read those keeps the node but loses the link, so the page
    /// names no model it could not open.
    pub fn unlink_unreadable(&mut self, readable: impl Fn(&ModelName) -> bool) {
        for n in &mut self.nodes {
            let model = match &n.href_target {
                NodeRef::Version(m, _) | NodeRef::Model(m) => m,
                _ => continue,
            };
            if !readable(model) {
                n.href_target = NodeRef::None;
            }
        }
    }

    /// Edges whose ends are both nodes of this graph, each once; the layout draws these.
    pub fn valid_edges(&self) -> Vec<&Edge> {
        let ids: HashSet<&str> = self.nodes.iter().map(|n| n.id.as_str()).collect();
        let mut seen = HashSet::new();
        self.edges
            .iter()
            .filter(|e| ids.contains(e.from.as_str()) && ids.contains(e.to.as_str()))
            .filter(|e| seen.insert((e.from.as_str(), e.to.as_str())))
            .collect()
    }
}

#[cfg(test)]
mod tests;
