//! The checks' pure evaluation: filters, not-worse-than in both directions, and the
//! reasons given when there is nothing to read.
use super::*;
use crate::search::Searchable;

/// A run as a check reads it: metrics and params only.
#[derive(Default)]
struct R {
    metrics: Vec<(&'static str, f64)>,
    params: Vec<(&'static str, &'static str)>,
}

impl Searchable for R {
    fn attribute(&self, name: &str) -> Option<Value> {
        (name == "run_id").then(|| Value::Str("r1".into()))
    }
    fn metric(&self, key: &str) -> Option<f64> {
        self.metrics.iter().find(|m| m.0 == key).map(|m| m.1)
    }
    fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|p| p.0 == key).map(|p| p.1)
    }
    fn tag(&self, _: &str) -> Option<&str> {
        None
    }
}

fn v(n: i64) -> Version {
    Version::new(n).unwrap()
}

#[test]
fn filters_pass_fail_and_say_which_condition_failed() {
    let c =
        RequiredCheck::filter("quality", "metrics.auc >= 0.9 AND params.dataset = 'q3'").unwrap();
    let good = R {
        metrics: vec![("auc", 0.93)],
        params: vec![("dataset", "q3")],
    };
    let r = c.evaluate(&RunSeen::Run(&good), &[], 5);
    assert!(r.passed, "{r:?}");
    assert_eq!(r.values.candidate["metrics.auc"], Seen::Number(0.93));
    assert_eq!(r.values.run_id.as_deref(), Some("r1"));
    let bad = R {
        metrics: vec![("auc", 0.85)],
        ..R::default()
    };
    let r = c.evaluate(&RunSeen::Run(&bad), &[], 5);
    assert!(!r.passed);
    assert!(
        r.reason.contains("metrics.auc is 0.85, not >= 0.9"),
        "{}",
        r.reason
    );
    assert!(r.reason.contains("param dataset missing"), "{}", r.reason);
    let none = c.evaluate::<R>(&RunSeen::Missing("the version has no run".into()), &[], 5);
    assert!(!none.passed && none.reason == "the version has no run");
}

#[test]
fn bad_conditions_name_the_position() {
    let e = RequiredCheck::filter("q", "metrics.auc >> 0.9").unwrap_err();
    assert!(e.to_string().contains("position"), "{e}");
    assert!(RequiredCheck::filter("q", "  ").is_err());
    assert!(RequiredCheck::filter("", "metrics.auc > 1").is_err());
    let twice = [
        RequiredCheck::filter("q", "metrics.a > 1").unwrap(),
        RequiredCheck::not_worse_than("q", "a", Direction::Higher).unwrap(),
    ];
    assert!(validate(&twice).is_err());
}

#[test]
fn not_worse_than_compares_with_the_best_production_value() {
    let higher = RequiredCheck::not_worse_than("nw", "auc", Direction::Higher).unwrap();
    let lower = RequiredCheck::not_worse_than("nw", "loss", Direction::Lower).unwrap();
    let cand = R {
        metrics: vec![("auc", 0.9), ("loss", 0.2)],
        ..R::default()
    };
    let p1 = R {
        metrics: vec![("auc", 0.8), ("loss", 0.3)],
        ..R::default()
    };
    let p2 = R {
        metrics: vec![("auc", 0.95), ("loss", 0.1)],
        ..R::default()
    };
    let only1 = [(v(1), RunSeen::Run(&p1))];
    assert!(higher.evaluate(&RunSeen::Run(&cand), &only1, 0).passed);
    assert!(lower.evaluate(&RunSeen::Run(&cand), &only1, 0).passed);
    let both = [(v(1), RunSeen::Run(&p1)), (v(2), RunSeen::Run(&p2))];
    let r = higher.evaluate(&RunSeen::Run(&cand), &both, 0);
    assert!(
        !r.passed && r.reason.contains("Production version 2"),
        "{r:?}"
    );
    assert_eq!(r.values.production.len(), 2);
    assert!(!lower.evaluate(&RunSeen::Run(&cand), &both, 0).passed);
    let empty = higher.evaluate(&RunSeen::Run(&cand), &[], 0);
    assert!(empty.passed && empty.reason.contains("no version is in Production"));
    let blank = R::default();
    let r = higher.evaluate(&RunSeen::Run(&blank), &only1, 0);
    assert!(
        !r.passed && r.reason.contains("metric auc missing"),
        "{r:?}"
    );
    let holder_blank = [(v(1), RunSeen::Run(&blank))];
    let r = higher.evaluate(&RunSeen::Run(&cand), &holder_blank, 0);
    assert!(r.passed && r.reason.contains("nothing to compare"), "{r:?}");
}
