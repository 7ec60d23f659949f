//! What the lineage picture shows: kinds in their columns left to right, few crossings,
//! boxes that never overlap, and the same picture every time for the same graph.
use super::*;

fn node(id: &str, kind: NodeKind) -> Node {
    Node {
        id: id.into(),
        kind,
        label: id.into(),
        detail: None,
        href_target: NodeRef::None,
    }
}

fn graph(nodes: &[(&str, NodeKind)], edges: &[(&str, &str)]) -> LineageGraph {
    let mut g = LineageGraph::default();
    for &(id, kind) in nodes {
        g.add_node(node(id, kind));
    }
    for &(a, b) in edges {
        g.add_edge(a, b);
    }
    g
}

fn column_ids(g: &LineageGraph, l: &Layout) -> Vec<Vec<String>> {
    let mut cols = vec![Vec::new(); l.columns.len()];
    let mut boxes: Vec<&NodeBox> = l.nodes.iter().collect();
    boxes.sort_by_key(|b| (b.column, b.row));
    for b in boxes {
        cols[b.column].push(g.nodes[b.node].id.clone());
    }
    cols
}

fn assert_no_overlap(l: &Layout) {
    for (i, a) in l.nodes.iter().enumerate() {
        assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= l.width && a.y + a.h <= l.height);
        for b in &l.nodes[i + 1..] {
            let apart =
                a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
            assert!(apart, "{} overlaps {}", a.id, b.id);
        }
    }
}

use NodeKind::*;

#[test]
fn kinds_sit_in_their_columns_left_to_right_and_empty_columns_collapse() {
    let g = graph(
        &[
            ("v3", ModelVersion),
            ("prod", Holder),
            ("run", Run),
            ("train.csv", Dataset),
        ],
        &[("train.csv", "run"), ("run", "v3"), ("v3", "prod")],
    );
    let l = layout(&g, &LayoutOptions::default());
    let kinds: Vec<NodeKind> = l.columns.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [Dataset, Run, ModelVersion, Holder]);
    assert_eq!(
        column_ids(&g, &l),
        [["train.csv"], ["run"], ["v3"], ["prod"]].map(|c| c.map(String::from).to_vec())
    );
    let xs: Vec<f64> = l.columns.iter().map(|c| c.x).collect();
    assert!(xs.windows(2).all(|w| w[0] < w[1]));
    // A straight chain: every edge is one level bezier from a right side to a left side.
    let o = LayoutOptions::default();
    assert_eq!(l.edges[0].d, "M 176 30 C 204 30 204 30 232 30");
    assert_eq!(
        l.width,
        2.0 * o.margin + 4.0 * o.node_width + 3.0 * o.column_gap
    );
    assert_eq!(l.height, 2.0 * o.margin + o.node_height);
    assert_eq!(crossings(&l), 0);
}

#[test]
fn sweeps_untangle_a_graph_whose_input_order_crosses() {
    let g = graph(
        &[
            ("d1", Dataset),
            ("d2", Dataset),
            ("d3", Dataset),
            ("r1", Run),
            ("r2", Run),
            ("r3", Run),
            ("v1", ModelVersion),
            ("v2", ModelVersion),
            ("v3", ModelVersion),
        ],
        &[
            ("d1", "r3"),
            ("d2", "r2"),
            ("d3", "r1"),
            ("r1", "v2"),
            ("r2", "v3"),
            ("r3", "v1"),
        ],
    );
    let as_given = layout(
        &g,
        &LayoutOptions {
            passes: 0,
            ..LayoutOptions::default()
        },
    );
    assert_eq!(crossings(&as_given), 3 + 2);
    let laid = layout(&g, &LayoutOptions::default());
    assert_eq!(crossings(&laid), 0, "{:?}", column_ids(&g, &laid));
    assert_no_overlap(&laid);
}

#[test]
fn an_edge_skipping_a_column_passes_through_a_lane_beside_the_boxes() {
    // The run has no logged model: its edge to the version crosses the logged-model column.
    let g = graph(
        &[
            ("r1", Run),
            ("r2", Run),
            ("m", LoggedModel),
            ("v1", ModelVersion),
            ("v2", ModelVersion),
        ],
        &[("r1", "m"), ("m", "v1"), ("r2", "v2")],
    );
    let l = layout(&g, &LayoutOptions::default());
    assert_eq!(l.columns.len(), 3);
    let skip = l.edges.iter().find(|e| e.from == "r2").unwrap();
    assert_eq!(skip.hops.len(), 2);
    assert!(
        skip.d.contains(" L "),
        "no straight run through the lane: {}",
        skip.d
    );
    let lane_y = skip.hops[0].2;
    let m = l.nodes.iter().find(|b| b.id == "m").unwrap();
    assert!(
        lane_y < m.y || lane_y > m.y + m.h,
        "the edge runs across the logged model's box"
    );
    assert_eq!(crossings(&l), 0);
    assert_no_overlap(&l);
}

#[test]
fn edges_to_unknown_nodes_duplicates_and_backward_edges_do_not_break_the_layout() {
    let mut g = graph(
        &[
            ("d", Dataset),
            ("r", Run),
            ("v", ModelVersion),
            ("w", ModelVersion),
        ],
        &[
            ("d", "r"),
            ("d", "r"),
            ("v", "r"),
            ("r", "ghost"),
            ("v", "w"),
        ],
    );
    assert!(!g.add_node(node("d", Dataset)), "a node is added once");
    let l = layout(&g, &LayoutOptions::default());
    assert_eq!(l.edges.len(), 3);
    let back = l
        .edges
        .iter()
        .find(|e| e.from == "v" && e.to == "r")
        .unwrap();
    assert_eq!(back.hops.len(), 1);
    let same_column = l.edges.iter().find(|e| e.to == "w").unwrap();
    assert!(same_column.hops.is_empty() && same_column.d.starts_with("M "));
    g.edges.clear();
    assert_no_overlap(&layout(&g, &LayoutOptions::default()));
}

#[test]
fn an_empty_graph_has_an_empty_layout() {
    let l = layout(&LineageGraph::default(), &LayoutOptions::default());
    assert!(l.columns.is_empty() && l.nodes.is_empty() && l.edges.is_empty());
    assert_eq!((l.width, l.height), (0.0, 0.0));
}

/// 10 datasets, 20 runs (each reading 1–3 datasets), 30 versions (each from one run),
/// nodes given in a scrambled order.
fn sixty_nodes() -> LineageGraph {
    let mut seed = 7u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    let mut nodes: Vec<(String, NodeKind)> = (0..10)
        .map(|i| (format!("d{i}"), Dataset))
        .chain((0..20).map(|i| (format!("r{i}"), Run)))
        .chain((0..30).map(|i| (format!("v{i}"), ModelVersion)))
        .collect();
    for i in (1..nodes.len()).rev() {
        nodes.swap(i, next(i + 1));
    }
    let mut g = LineageGraph::default();
    for (id, kind) in nodes {
        g.add_node(node(&id, kind));
    }
    for r in 0..20 {
        for _ in 0..1 + next(3) {
            g.add_edge(format!("d{}", next(10)), format!("r{r}"));
        }
    }
    for v in 0..30 {
        g.add_edge(format!("r{}", next(20)), format!("v{v}"));
    }
    g
}

#[test]
fn sixty_nodes_lay_out_without_overlap_the_same_way_every_time() {
    let g = sixty_nodes();
    let opts = LayoutOptions::default();
    let l = layout(&g, &opts);
    assert_eq!(l.nodes.len(), 60);
    assert_no_overlap(&l);
    assert_eq!(l, layout(&g, &opts), "the layout is not deterministic");
    assert_eq!(l, layout(&g.clone(), &opts));
    let before = crossings(&layout(&g, &LayoutOptions { passes: 0, ..opts }));
    let after = crossings(&l);
    // Random wiring keeps some crossings; the sweeps cut them about sixfold here.
    assert!(
        after * 5 < before,
        "sweeps barely helped: {before} -> {after} crossings"
    );
    // Every edge starts at the right side of its source box and ends at the left side
    // of its target's.
    for e in &l.edges {
        let from = l.nodes.iter().find(|b| b.id == e.from).unwrap();
        let to = l.nodes.iter().find(|b| b.id == e.to).unwrap();
        let start = format!("M {} ", crate::chart::svg_number(from.x + from.w));
        assert!(
            e.d.starts_with(&start),
            "{} does not leave {}'s right side",
            e.d,
            from.id
        );
        let end_x = crate::chart::svg_number(to.x);
        let end_y = crate::chart::svg_number(to.y + to.h / 2.0);
        assert!(
            e.d.ends_with(&format!("{end_x} {end_y}")),
            "{} misses {}",
            e.d,
            to.id
        );
    }
}

#[test]
fn a_chain_runs_straight_and_a_fan_is_centred_on_its_source() {
    let g = graph(
        &[
            ("d1", Dataset),
            ("d2", Dataset),
            ("d3", Dataset),
            ("d4", Dataset),
            ("run", Run),
            ("retrain", Run),
            ("v", ModelVersion),
            ("v2", ModelVersion),
            ("prod", Holder),
            ("champ", Holder),
        ],
        &[
            ("d1", "run"),
            ("d2", "run"),
            ("d3", "run"),
            ("d4", "retrain"),
            ("run", "v"),
            ("retrain", "v2"),
            ("v", "prod"),
            ("v", "champ"),
        ],
    );
    let l = layout(&g, &LayoutOptions::default());
    let centre = |id: &str| {
        let b = l.nodes.iter().find(|b| b.id == id).unwrap();
        b.y + b.h / 2.0
    };
    assert_eq!(centre("run"), centre("v"), "run -> version is not level");
    assert_eq!(
        centre("run"),
        centre("d2"),
        "the run is not level with its middle dataset"
    );
    assert_eq!(
        centre("prod") + centre("champ"),
        2.0 * centre("v"),
        "the holders hang to one side"
    );
    assert_ne!(centre("prod"), centre("champ"));
    assert_eq!(centre("retrain"), centre("v2"));
    assert_no_overlap(&l);
    assert_eq!(
        l.nodes.iter().map(|b| b.y).fold(f64::INFINITY, f64::min),
        8.0
    );
}
