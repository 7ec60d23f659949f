//! Layered layout of a [`LineageGraph`]: one column per node kind present, rows ordered to
//! cut edge crossings, boxes placed level with what they connect to and never overlapping,
//! and cubic-bezier edges from the right side of one box to the left side of the next.
//! Edges that skip a column pass through a thin lane in it, so they never run across a box.
use super::order::Layered;
use super::place;
use super::{LineageGraph, NodeKind};
use crate::chart::svg_number;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Sizes in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LayoutOptions {
    pub node_width: f64,
    pub node_height: f64,
    pub column_gap: f64,
    pub row_gap: f64,
    /// Height of the lane an edge takes in a column it passes through.
    pub lane_height: f64,
    pub margin: f64,
    /// Down-and-up barycenter sweeps; 0 keeps the input order.
    pub passes: usize,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        LayoutOptions {
            node_width: 168.0,
            node_height: 44.0,
            column_gap: 56.0,
            row_gap: 12.0,
            lane_height: 6.0,
            margin: 8.0,
            passes: 6,
        }
    }
}

/// A node's box; `node` indexes `LineageGraph::nodes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeBox {
    pub node: usize,
    pub id: String,
    pub column: usize,
    pub row: usize,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// An edge as drawn. `hops` are its bezier pieces, one per gap between columns, as
/// `(gap, y at the left end, y at the right end)`: what [`crossings`] counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgePath {
    pub from: String,
    pub to: String,
    pub d: String,
    pub hops: Vec<(usize, f64, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayoutColumn {
    pub kind: NodeKind,
    pub x: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub columns: Vec<LayoutColumn>,
    pub nodes: Vec<NodeBox>,
    pub edges: Vec<EdgePath>,
    pub width: f64,
    pub height: f64,
}

/// Lays `graph` out left to right by kind. Edges naming a missing node are left out; an
/// edge drawn right to left (a graph built backwards) is laid out as if reversed; an edge
/// between two nodes of one column loops out on their right.
pub fn layout(graph: &LineageGraph, opts: &LayoutOptions) -> Layout {
    let kinds: Vec<NodeKind> = NodeKind::ALL
        .into_iter()
        .filter(|k| graph.nodes.iter().any(|n| n.kind == *k))
        .collect();
    let column_of_kind = |k: NodeKind| kinds.iter().position(|c| *c == k).unwrap_or(0);
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();

    // Slots 0..nodes are the nodes themselves; dummies follow.
    let mut l = Layered {
        columns: vec![Vec::new(); kinds.len()],
        segments: Vec::new(),
        column_of: Vec::new(),
        keys: Vec::new(),
    };
    for (i, n) in graph.nodes.iter().enumerate() {
        let c = column_of_kind(n.kind);
        l.columns[c].push(i);
        l.column_of.push(c);
        l.keys.push((n.label.clone(), i));
    }
    // Each edge as its chain of slots, left to right.
    let mut chains: Vec<(usize, Vec<usize>)> = Vec::new();
    for (e, edge) in graph.valid_edges().into_iter().enumerate() {
        let (a, b) = (index[edge.from.as_str()], index[edge.to.as_str()]);
        let (a, b) = if l.column_of[a] <= l.column_of[b] {
            (a, b)
        } else {
            (b, a)
        };
        let mut chain = vec![a];
        for c in l.column_of[a] + 1..l.column_of[b] {
            let dummy = l.column_of.len();
            l.columns[c].push(dummy);
            l.column_of.push(c);
            l.keys.push((graph.nodes[a].label.clone(), dummy));
            chain.push(dummy);
        }
        chain.push(b);
        for w in chain.windows(2) {
            if l.column_of[w[0]] != l.column_of[w[1]] {
                l.segments.push((w[0], w[1]));
            }
        }
        chains.push((e, chain));
    }
    l.order(opts.passes);

    let slot_h = |s: usize| {
        if s < graph.nodes.len() {
            opts.node_height
        } else {
            opts.lane_height
        }
    };
    let heights: Vec<f64> = (0..l.column_of.len()).map(slot_h).collect();
    let tops = place::place(&l.columns, &l.segments, &heights, opts.row_gap);
    let inner_h = tops
        .iter()
        .zip(&heights)
        .map(|(t, h)| t + h)
        .fold(0.0, f64::max);
    let slot_y: Vec<f64> = tops.iter().map(|t| opts.margin + t).collect();
    let col_x = |c: usize| opts.margin + c as f64 * (opts.node_width + opts.column_gap);
    let mut nodes = Vec::with_capacity(graph.nodes.len());
    for (c, col) in l.columns.iter().enumerate() {
        // `row` counts boxes only: the lanes in a column are no rows a reader sees.
        let boxes = col.iter().filter(|&&s| s < graph.nodes.len());
        for (row, &s) in boxes.enumerate() {
            nodes.push(NodeBox {
                node: s,
                id: graph.nodes[s].id.clone(),
                column: c,
                row,
                x: col_x(c),
                y: slot_y[s],
                w: opts.node_width,
                h: opts.node_height,
            });
        }
    }
    let mid = |s: usize| slot_y[s] + slot_h(s) / 2.0;

    let valid = graph.valid_edges();
    let edges = chains
        .iter()
        .map(|(e, chain)| {
            let edge = valid[*e];
            let (first, last) = (chain[0], chain[chain.len() - 1]);
            if l.column_of[first] == l.column_of[last] {
                let x = col_x(l.column_of[first]) + opts.node_width;
                let bulge = x + opts.column_gap / 2.0;
                let (y0, y1) = (mid(first), mid(last));
                return EdgePath {
                    from: edge.from.clone(),
                    to: edge.to.clone(),
                    d: curve(&[(x, y0), (bulge, y0), (bulge, y1), (x, y1)], "M"),
                    hops: Vec::new(),
                };
            }
            let mut d = String::new();
            let mut hops = Vec::new();
            for w in chain.windows(2) {
                let (c, s0, s1) = (l.column_of[w[0]], w[0], w[1]);
                let (x0, y0) = (col_x(c) + opts.node_width, mid(s0));
                let (x1, y1) = (col_x(c + 1), mid(s1));
                let half = (x1 - x0) / 2.0;
                if d.is_empty() {
                    d.push_str(&format!("M {} {}", svg_number(x0), svg_number(y0)));
                }
                d.push(' ');
                d.push_str(&curve(&[(x0 + half, y0), (x1 - half, y1), (x1, y1)], "C"));
                // Across a column the edge only passes through: straight along its lane.
                if s1 >= graph.nodes.len() {
                    let out = col_x(c + 1) + opts.node_width;
                    d.push_str(&format!(" L {} {}", svg_number(out), svg_number(y1)));
                }
                hops.push((c, y0, y1));
            }
            EdgePath {
                from: edge.from.clone(),
                to: edge.to.clone(),
                d,
                hops,
            }
        })
        .collect();

    let n = kinds.len();
    let (width, height) = if n == 0 {
        (0.0, 0.0)
    } else {
        (
            2.0 * opts.margin + n as f64 * opts.node_width + (n - 1) as f64 * opts.column_gap,
            2.0 * opts.margin + inner_h,
        )
    };
    Layout {
        columns: kinds
            .iter()
            .enumerate()
            .map(|(c, &kind)| LayoutColumn { kind, x: col_x(c) })
            .collect(),
        nodes,
        edges,
        width,
        height,
    }
}

/// `"M x y"`-style data: `cmd` then the points; the first point only for `M`.
fn curve(points: &[(f64, f64)], cmd: &str) -> String {
    let nums: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{} {}", svg_number(*x), svg_number(*y)))
        .collect();
    match cmd {
        "M" => format!("M {} C {}", nums[0], nums[1..].join(" ")),
        _ => format!("{cmd} {}", nums.join(" ")),
    }
}

/// Pairs of edge pieces that cross as drawn (pieces sharing an end do not). Quadratic in
/// the edges: a check for tests and diagnostics, not part of laying out.
pub fn crossings(layout: &Layout) -> usize {
    let hops: Vec<&(usize, f64, f64)> = layout.edges.iter().flat_map(|e| &e.hops).collect();
    let mut n = 0;
    for (i, a) in hops.iter().enumerate() {
        for b in &hops[i + 1..] {
            if a.0 == b.0 && (a.1 - b.1) * (a.2 - b.2) < 0.0 {
                n += 1;
            }
        }
    }
    n
}
