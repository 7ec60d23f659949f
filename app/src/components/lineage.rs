//! The lineage graph as server-rendered SVG: a column per kind of node (datasets and
//! upstream models, runs, logged models, versions, stages and aliases), a box per node
//! that links to its page, and curved edges between them. The layout is
//! `pedigree_core::lineage::layout`'s; this component draws it and turns each node's
//! target into a route.
use crate::routes;
use leptos::prelude::*;
use pedigree_core::lineage::{layout, LayoutOptions, LineageGraph, NodeKind, NodeRef};

#[component]
pub fn LineageView(graph: LineageGraph) -> impl IntoView {
    if graph.nodes.is_empty() {
        return view! { <p class="muted">"No lineage recorded."</p> }.into_any();
    }
    let opts = LayoutOptions::default();
    let l = layout(&graph, &opts);
    let view_box = format!("0 0 {} {}", l.width, l.height + 18.0);
    let kind_class = |k: NodeKind| match k {
        NodeKind::Dataset => "dataset",
        NodeKind::UpstreamModel => "upstream",
        NodeKind::Run => "run",
        NodeKind::LoggedModel => "logged",
        NodeKind::ModelVersion => "version",
        NodeKind::Holder => "holder",
    };
    view! {
        <figure class="lineage" data-testid="lineage">
            <svg viewBox=view_box role="group" aria-label="Lineage: where this version came from and what it serves as">
                {l.columns.iter().map(|c| view! {
                    <text class="column-title" x=c.x y="12">{c.kind.title()}</text>
                }).collect_view()}
                <g transform="translate(0 18)">
                    {l.edges.iter().map(|e| view! {
                        <path class="edge" d=e.d.clone() data-testid="lineage-edge" data-from=e.from.clone() data-to=e.to.clone()/>
                    }).collect_view()}
                    {l.nodes.iter().map(|b| {
                        let node = &graph.nodes[b.node];
                        let href = match &node.href_target {
                            NodeRef::Run(id) => Some(routes::run(id)),
                            NodeRef::Version(m, v) => Some(routes::version(m, *v)),
                            NodeRef::Model(m) => Some(routes::model(m)),
                            NodeRef::Dataset { .. } | NodeRef::None => None,
                        };
                        let class = format!("node {}", kind_class(node.kind));
                        let label: String = node.label.chars().take(24).collect();
                        let detail: Option<String> = node.detail.as_ref().map(|d| d.chars().take(26).collect());
                        let title = match &node.detail {
                            Some(d) => format!("{}: {} ({d})", node.kind.title(), node.label),
                            None => format!("{}: {}", node.kind.title(), node.label),
                        };
                        let body = view! {
                            <rect class=class x=b.x y=b.y width=b.w height=b.h rx="6"/>
                            <text class="node-label" x=b.x + 8.0 y=b.y + 18.0>{label}</text>
                            {detail.map(|d| view! { <text class="node-detail" x=b.x + 8.0 y=b.y + 34.0>{d}</text> })}
                            <title>{title}</title>
                        };
                        let kind = kind_class(node.kind);
                        match href {
                            Some(href) => view! {
                                <a href=href data-testid="lineage-node" data-kind=kind data-id=node.id.clone()>{body}</a>
                            }.into_any(),
                            None => view! {
                                <g data-testid="lineage-node" data-kind=kind data-id=node.id.clone()>{body}</g>
                            }.into_any(),
                        }
                    }).collect_view()}
                </g>
            </svg>
        </figure>
    }
    .into_any()
}
