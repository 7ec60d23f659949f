//! The search languages against the strings real MLflow clients send, every operator on every
//! kind of identifier, the refusals (with positions), the LIKE matcher and a deterministic
//! stream of hostile inputs that must never panic.
use super::eval::like;
use super::*;
use crate::error::Error;
use std::time::{Duration, Instant};

// ----- A small entity -----------------------------------------------------------------

#[derive(Default, Clone, Debug)]
struct Thing {
    attrs: Vec<(&'static str, Value)>,
    metrics: Vec<(&'static str, f64)>,
    params: Vec<(&'static str, &'static str)>,
    tags: Vec<(&'static str, &'static str)>,
    datasets: Vec<(&'static str, &'static str, Option<&'static str>)>,
}

impl Thing {
    fn text(mut self, k: &'static str, v: &str) -> Self {
        self.attrs.push((k, Value::Str(v.to_string())));
        self
    }
    fn num(mut self, k: &'static str, v: f64) -> Self {
        self.attrs.push((k, Value::Num(v)));
        self
    }
    fn metric(mut self, k: &'static str, v: f64) -> Self {
        self.metrics.push((k, v));
        self
    }
    fn param(mut self, k: &'static str, v: &'static str) -> Self {
        self.params.push((k, v));
        self
    }
    fn tag(mut self, k: &'static str, v: &'static str) -> Self {
        self.tags.push((k, v));
        self
    }
    fn dataset(mut self, n: &'static str, d: &'static str, c: Option<&'static str>) -> Self {
        self.datasets.push((n, d, c));
        self
    }
}

impl Searchable for Thing {
    fn attribute(&self, name: &str) -> Option<Value> {
        self.attrs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
    fn metric(&self, key: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
    fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
    fn datasets(&self) -> Vec<(&str, &str, Option<&str>)> {
        self.datasets.clone()
    }
}

fn thing() -> Thing {
    Thing::default()
}

fn parse(input: &str, entity: Entity) -> Filter {
    match parse_filter(input, entity) {
        Ok(f) => f,
        Err(e) => panic!("{input:?} should parse: {e}"),
    }
}

fn hits(input: &str, entity: Entity, t: &Thing) -> bool {
    parse(input, entity).matches(t)
}

fn refusal(input: &str, entity: Entity) -> String {
    match parse_filter(input, entity) {
        Err(Error::InvalidArgument(m)) => m,
        other => panic!("{input:?} should be refused, got {other:?}"),
    }
}

fn order(items: &[&str], entity: Entity) -> Vec<OrderBy> {
    let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    match parse_order_by(&items, entity) {
        Ok(o) => o,
        Err(e) => panic!("{items:?} should parse: {e}"),
    }
}

fn order_refusal(items: &[&str], entity: Entity) -> String {
    let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    match parse_order_by(&items, entity) {
        Err(Error::InvalidArgument(m)) => m,
        other => panic!("{items:?} should be refused, got {other:?}"),
    }
}

fn attr(name: &'static str, kind: ValueKind) -> Field {
    Field::Attribute { name, kind }
}

// ----- The strings real clients send ----------------------------------------------------

#[test]
fn registry_search_with_user_filter_and_prompt_guard() {
    let f = parse(
        "name LIKE 'fraud%' AND tag.`mlflow.prompt.is_prompt` != 'true'",
        Entity::RegisteredModel,
    );
    assert_eq!(
        f.clauses(),
        &[
            Clause {
                field: attr("name", ValueKind::Text),
                op: Op::Like,
                operand: Operand::Text("fraud%".into()),
            },
            Clause {
                field: Field::Tag("mlflow.prompt.is_prompt".into()),
                op: Op::Ne,
                operand: Operand::Text("true".into()),
            },
        ]
    );
    assert!(f.matches(&thing().text("name", "fraud-detector")));
    assert!(f.matches(
        &thing()
            .text("name", "fraud")
            .tag("mlflow.prompt.is_prompt", "false")
    ));
    assert!(!f.matches(
        &thing()
            .text("name", "fraud-detector")
            .tag("mlflow.prompt.is_prompt", "true")
    ));
    assert!(!f.matches(&thing().text("name", "churn")));
    assert!(!f.matches(&thing().text("name", "Fraud-detector")));
}

#[test]
fn prompt_guard_alone_matches_an_entity_without_tags() {
    let f = parse(
        "tag.`mlflow.prompt.is_prompt` != 'true'",
        Entity::RegisteredModel,
    );
    assert!(f.matches(&thing()));
    assert!(f.matches(&thing().tag("other", "true")));
    assert!(!f.matches(&thing().tag("mlflow.prompt.is_prompt", "true")));
}

#[test]
fn model_version_name_without_spaces() {
    let f = parse("name='fraud-detector'", Entity::ModelVersion);
    assert!(f.matches(&thing().text("name", "fraud-detector")));
    assert!(!f.matches(&thing().text("name", "fraud-detector-2")));
    assert!(!f.matches(&thing()));
}

#[test]
fn run_search_with_lower_case_and() {
    let f = parse("metrics.auc > 0.9 and params.depth = '6'", Entity::Run);
    assert_eq!(f.clauses().len(), 2);
    assert!(f.matches(&thing().metric("auc", 0.95).param("depth", "6")));
    assert!(!f.matches(&thing().metric("auc", 0.9).param("depth", "6")));
    assert!(!f.matches(&thing().metric("auc", 0.95).param("depth", "7")));
    assert!(!f.matches(&thing().param("depth", "6")));
    assert!(hits(
        "metrics.auc > 0.9 And params.depth = '6'",
        Entity::Run,
        &thing().metric("auc", 1.0).param("depth", "6")
    ));
}

#[test]
fn name_equals_for_experiments_and_logged_models() {
    assert!(hits(
        "name = 'model'",
        Entity::LoggedModel,
        &thing().text("name", "model")
    ));
    assert!(!hits(
        "name = 'model'",
        Entity::LoggedModel,
        &thing().text("name", "model2")
    ));
    assert!(hits(
        "name = 'fraud'",
        Entity::Experiment,
        &thing().text("name", "fraud")
    ));
}

#[test]
fn empty_and_blank_filters_match_everything() {
    for s in ["", "   ", "\t\n "] {
        let f = parse(s, Entity::Run);
        assert!(f.is_empty());
        assert!(f.matches(&thing()));
    }
    assert!(Filter::default().is_empty());
}

#[test]
fn attributes_prefix_and_aliases_resolve_to_canonical_names() {
    let cases = [
        ("attributes.run_name = 'x'", Entity::Run, "run_name"),
        ("attribute.status = 'FINISHED'", Entity::Run, "status"),
        ("attr.user_id = 'u'", Entity::Run, "user_id"),
        ("attributes.`run name` = 'x'", Entity::Run, "run_name"),
        ("created > 5", Entity::Run, "start_time"),
        ("version = 3", Entity::ModelVersion, "version_number"),
        ("source = 's3://b'", Entity::ModelVersion, "source_path"),
        (
            "creation_time > 1",
            Entity::Experiment,
            "creation_timestamp",
        ),
        (
            "last_update_time > 1",
            Entity::Experiment,
            "last_updated_timestamp",
        ),
        (
            "creation_time > 1",
            Entity::LoggedModel,
            "creation_timestamp",
        ),
        (
            "timestamp > 1",
            Entity::RegisteredModel,
            "last_updated_timestamp",
        ),
        ("NAME = 'x'", Entity::RegisteredModel, "name"),
    ];
    for (input, entity, canonical) in cases {
        let f = parse(input, entity);
        match &f.clauses()[0].field {
            Field::Attribute { name, .. } => assert_eq!(*name, canonical, "{input}"),
            other => panic!("{input}: {other:?}"),
        }
    }
    assert!(hits(
        "attributes.run_name = 'x'",
        Entity::Run,
        &thing().text("run_name", "x")
    ));
}

#[test]
fn run_id_in_list() {
    let f = parse("run_id IN ('a','b')", Entity::Run);
    assert_eq!(
        f.clauses()[0].operand,
        Operand::TextList(vec!["a".into(), "b".into()])
    );
    assert!(f.matches(&thing().text("run_id", "b")));
    assert!(!f.matches(&thing().text("run_id", "c")));
    assert!(!f.matches(&thing()));
    assert!(hits(
        "run_id IN ('a', \"b\", 3)",
        Entity::ModelVersion,
        &thing().text("run_id", "3")
    ));
}

#[test]
fn dataset_clauses() {
    let run = thing()
        .dataset("tx", "abc123", Some("training"))
        .dataset("holdout", "def456", None);
    assert!(hits("datasets.name = 'tx'", Entity::Run, &run));
    assert!(hits("dataset.name = 'holdout'", Entity::Run, &run));
    assert!(!hits("datasets.name = 'nope'", Entity::Run, &run));
    assert!(!hits("datasets.name = 'tx'", Entity::Run, &thing()));
    assert!(hits("datasets.digest LIKE 'abc%'", Entity::Run, &run));
    assert!(hits(
        "datasets.digest IN ('x', 'def456')",
        Entity::Run,
        &run
    ));
    assert!(hits("datasets.context = 'training'", Entity::Run, &run));
    assert!(hits("datasets.context ILIKE 'TRAIN%'", Entity::Run, &run));
    assert!(
        hits("datasets.name != 'tx'", Entity::Run, &run),
        "holdout differs"
    );
    assert!(!hits(
        "datasets.name != 'tx'",
        Entity::Run,
        &thing().dataset("tx", "d", None)
    ));
    assert!(hits("datasets.context IS NOT NULL", Entity::Run, &run));
    assert!(!hits("datasets.context IS NULL", Entity::Run, &run));
    assert!(hits(
        "datasets.context IS NULL",
        Entity::Run,
        &thing().dataset("a", "b", None)
    ));
    assert!(hits("datasets.context IS NULL", Entity::Run, &thing()));
    assert!(hits("datasets.name NOT IN ('tx')", Entity::Run, &run));
}

#[test]
fn metric_with_exponent() {
    let f = parse("metrics.loss < 1e-3", Entity::Run);
    assert_eq!(f.clauses()[0].operand, Operand::Number(0.001));
    assert!(f.matches(&thing().metric("loss", 0.0005)));
    assert!(!f.matches(&thing().metric("loss", 0.002)));
    for (s, n) in [
        ("-2", -2.0),
        ("+1.5", 1.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("2E3", 2000.0),
        ("-1.5e+2", -150.0),
    ] {
        let f = parse(&format!("metrics.m = {s}"), Entity::Run);
        assert_eq!(f.clauses()[0].operand, Operand::Number(n), "{s}");
    }
}

// ----- Every operator on every kind -----------------------------------------------------

#[test]
fn metric_operators() {
    let t = thing().metric("m", 2.0);
    let nan = thing().metric("m", f64::NAN);
    let none = thing();
    // (filter, on 2.0, on NaN, on missing)
    let cases = [
        ("metrics.m = 2", true, false, false),
        ("metrics.m = 3", false, false, false),
        ("metrics.m != 3", true, true, false),
        ("metrics.m <> 2", false, true, false),
        ("metrics.m < 3", true, false, false),
        ("metrics.m <= 2", true, false, false),
        ("metrics.m > 2", false, false, false),
        ("metrics.m >= 2", true, false, false),
        ("metrics.m IN (1, 2)", true, false, false),
        ("metrics.m NOT IN (1, 3)", true, true, false),
        ("metrics.m IS NULL", false, false, true),
        ("metrics.m IS NOT NULL", true, true, false),
        ("metric.m = '2'", true, false, false),
    ];
    for (f, on_value, on_nan, on_missing) in cases {
        assert_eq!(hits(f, Entity::Run, &t), on_value, "{f} on 2");
        assert_eq!(hits(f, Entity::Run, &nan), on_nan, "{f} on NaN");
        assert_eq!(hits(f, Entity::Run, &none), on_missing, "{f} on missing");
    }
    for f in ["metrics.m LIKE '1%'", "metrics.m ILIKE '1%'"] {
        assert!(
            refusal(f, Entity::Run).contains("not supported for 'metrics.m'"),
            "{f}"
        );
    }
    assert!(refusal("metrics.m = 'abc'", Entity::Run).contains("expected a number"));
}

#[test]
fn param_and_tag_operators() {
    for prefix in ["params", "param", "tags", "tag"] {
        let present = if prefix.starts_with("param") {
            thing().param("k", "Value-1")
        } else {
            thing().tag("k", "Value-1")
        };
        let none = thing();
        // (filter, on "Value-1", on missing)
        let cases = [
            ("= 'Value-1'", true, false),
            ("= 'value-1'", false, false),
            ("!= 'Value-1'", false, true),
            ("!= 'other'", true, true),
            ("<> 'other'", true, true),
            ("LIKE 'Val%'", true, false),
            ("LIKE 'val%'", false, false),
            ("LIKE 'Value-_'", true, false),
            ("ILIKE 'val%'", true, false),
            ("IN ('a', 'Value-1')", true, false),
            ("IN ('a')", false, false),
            ("NOT IN ('a')", true, true),
            ("NOT IN ('Value-1')", false, true),
            ("IS NULL", false, true),
            ("IS NOT NULL", true, false),
        ];
        for (rest, on_value, on_missing) in cases {
            let f = format!("{prefix}.k {rest}");
            assert_eq!(hits(&f, Entity::Run, &present), on_value, "{f} on value");
            assert_eq!(hits(&f, Entity::Run, &none), on_missing, "{f} on missing");
        }
        for op in ["<", "<=", ">", ">="] {
            let f = format!("{prefix}.k {op} 'a'");
            assert!(refusal(&f, Entity::Run).contains("not supported"), "{f}");
        }
    }
    // A bare number against a string field compares by its text.
    assert!(hits(
        "params.depth = 6",
        Entity::Run,
        &thing().param("depth", "6")
    ));
}

#[test]
fn text_attribute_operators() {
    let t = thing().text("status", "FINISHED");
    let none = thing();
    let cases = [
        ("status = 'FINISHED'", true, false),
        ("status != 'FAILED'", true, false),
        ("status LIKE 'FIN%'", true, false),
        ("status ILIKE 'fin%'", true, false),
        ("status IN ('FAILED', 'FINISHED')", true, false),
        ("status NOT IN ('FAILED')", true, false),
        ("status IS NULL", false, true),
        ("status IS NOT NULL", true, false),
    ];
    for (f, on_value, on_missing) in cases {
        assert_eq!(hits(f, Entity::Run, &t), on_value, "{f}");
        assert_eq!(hits(f, Entity::Run, &none), on_missing, "{f} on missing");
    }
    // Null reads as missing, and numeric ids compare by their text.
    let null = Thing {
        attrs: vec![("status", Value::Null)],
        ..thing()
    };
    assert!(hits("status IS NULL", Entity::Run, &null));
    assert!(hits(
        "experiment_id = '7'",
        Entity::Run,
        &thing().num("experiment_id", 7.0)
    ));
    assert!(refusal("status > 'A'", Entity::Run)
        .contains("operator > is not supported for 'status' (a string)"));
}

#[test]
fn numeric_attribute_operators() {
    let t = thing().num("version_number", 3.0);
    let as_text = thing().text("version_number", "3");
    let cases = [
        ("version_number = 3", true),
        ("version_number = '3'", true),
        ("version_number != 3", false),
        ("version_number < 4", true),
        ("version_number <= 3", true),
        ("version_number > 3", false),
        ("version_number >= '3'", true),
        ("version_number IN (1, '3')", true),
        ("version_number NOT IN (3)", false),
        ("version_number IS NULL", false),
        ("version_number IS NOT NULL", true),
    ];
    for (f, want) in cases {
        assert_eq!(hits(f, Entity::ModelVersion, &t), want, "{f}");
        assert_eq!(
            hits(f, Entity::ModelVersion, &as_text),
            want,
            "{f} on text value"
        );
    }
    assert!(!hits("start_time > 0", Entity::Run, &thing()));
    assert!(hits("start_time IS NULL", Entity::Run, &thing()));
    assert!(hits(
        "end_time >= 1700000000000",
        Entity::Run,
        &thing().num("end_time", 1_700_000_000_001.0)
    ));
    assert!(refusal("version_number LIKE '3%'", Entity::ModelVersion).contains("(a number)"));
    assert!(refusal("version_number IN ('x')", Entity::ModelVersion)
        .contains("expected a number for 'version_number', found 'x'"));
}

#[test]
fn keywords_in_any_case() {
    let t = thing().text("name", "abc").tag("t", "x");
    assert!(hits(
        "name like 'a%' aNd tags.t iS nOt NuLl and name not in ('z') AND name ilike 'A%'",
        Entity::RegisteredModel,
        &t
    ));
    assert!(hits("name In ('abc')", Entity::RegisteredModel, &t));
    assert!(hits("tags.missing is null", Entity::RegisteredModel, &t));
}

#[test]
fn identifiers_per_entity() {
    let ok: &[(Entity, &[&str])] = &[
        (
            Entity::Run,
            &[
                "metrics.a = 1",
                "params.a = 'x'",
                "tags.a = 'x'",
                "run_id = 'x'",
                "run_name = 'x'",
                "status = 'x'",
                "start_time > 1",
                "end_time > 1",
                "user_id = 'x'",
                "artifact_uri = 'x'",
                "lifecycle_stage = 'active'",
                "experiment_id = '0'",
                "datasets.digest = 'x'",
                "parameters.a = 'x'",
            ],
        ),
        (
            Entity::RegisteredModel,
            &[
                "name = 'x'",
                "tags.a = 'x'",
                "tag.a = 'x'",
                "creation_timestamp > 1",
                "last_updated_timestamp > 1",
                "attributes.name = 'x'",
            ],
        ),
        (
            Entity::ModelVersion,
            &[
                "name = 'x'",
                "version_number = 1",
                "run_id = 'x'",
                "source_path = 'x'",
                "tags.a = 'x'",
                "current_stage = 'None'",
                "model_id = 'm-1'",
                "creation_timestamp > 1",
                "last_updated_timestamp > 1",
            ],
        ),
        (
            Entity::Experiment,
            &[
                "name = 'x'",
                "tags.a = 'x'",
                "creation_time > 1",
                "last_update_time > 1",
                "experiment_id = '1'",
                "lifecycle_stage = 'active'",
            ],
        ),
        (
            Entity::LoggedModel,
            &[
                "name = 'x'",
                "model_id = 'm-1'",
                "source_run_id = 'r'",
                "status = 'READY'",
                "tags.a = 'x'",
                "params.a = 'x'",
                "metrics.a > 1",
                "creation_timestamp > 1",
                "creation_time > 1",
                "last_updated_timestamp > 1",
                "experiment_id = '0'",
            ],
        ),
    ];
    for (entity, inputs) in ok {
        for input in *inputs {
            assert!(parse_filter(input, *entity).is_ok(), "{entity:?} {input}");
        }
    }
    let refused: &[(Entity, &str, &str)] = &[
        (
            Entity::RegisteredModel,
            "metrics.auc > 1",
            "'metrics.auc' is not a valid identifier for registered models",
        ),
        (Entity::RegisteredModel, "params.a = 'x'", "'params.a'"),
        (Entity::RegisteredModel, "run_id = 'x'", "'run_id'"),
        (
            Entity::ModelVersion,
            "datasets.name = 'x'",
            "'datasets.name'",
        ),
        (Entity::Experiment, "metrics.a = 1", "for experiments"),
        (
            Entity::Run,
            "name = 'x'",
            "'name' is not a valid identifier for runs",
        ),
        (Entity::Run, "foo.bar = 'x'", "'foo.bar'"),
        (Entity::Run, "datasets.size = 'x'", "not a dataset field"),
        (
            Entity::LoggedModel,
            "version_number = 1",
            "for logged models",
        ),
    ];
    for (entity, input, want) in refused {
        let m = refusal(input, *entity);
        assert!(m.contains(want), "{input}: {m}");
        assert!(m.contains("position 1"), "{input}: {m}");
    }
    let m = refusal("metrics.auc > 1", Entity::RegisteredModel);
    assert!(
        m.contains("valid: name, creation_timestamp, last_updated_timestamp, tags.<key>"),
        "{m}"
    );
}

#[test]
fn key_quoting_and_bare_key_characters() {
    let keys = [
        ("metrics.`my metric`", "my metric"),
        ("metrics.\"my metric\"", "my metric"),
        ("metrics.'my metric'", "my metric"),
        ("metrics.val/loss", "val/loss"),
        ("metrics.a-b:c.d_e", "a-b:c.d_e"),
        ("metrics.`we``ird`", "we`ird"),
        ("METRICS.x", "x"),
    ];
    for (ident, key) in keys {
        let f = parse(&format!("{ident} >= 1"), Entity::Run);
        assert_eq!(f.clauses()[0].field, Field::Metric(key.into()), "{ident}");
    }
    let f = parse("tags.mlflow.source.git.commit = 'abc'", Entity::Run);
    assert_eq!(
        f.clauses()[0].field,
        Field::Tag("mlflow.source.git.commit".into())
    );
    assert!(f.matches(&thing().tag("mlflow.source.git.commit", "abc")));
    assert!(refusal("tags.`` = 'x'", Entity::Run).contains("empty key"));
    assert!(refusal("tags. = 'x'", Entity::Run).contains("expected a key after 'tags.'"));
}

#[test]
fn string_escapes() {
    let cases = [
        ("'it''s'", "it's"),
        ("'it\\'s'", "it's"),
        ("\"say \"\"hi\"\"\"", "say \"hi\""),
        ("\"it's\"", "it's"),
        ("'a\\\\b'", "a\\b"),
        ("'C:\\dir'", "C:\\dir"),
        ("''", ""),
        ("'naïve ✓'", "naïve ✓"),
    ];
    for (lit, want) in cases {
        let f = parse(&format!("tags.t = {lit}"), Entity::Run);
        assert_eq!(f.clauses()[0].operand, Operand::Text(want.into()), "{lit}");
    }
}

// ----- Refusals say where ---------------------------------------------------------------

#[test]
fn unterminated_string() {
    let m = refusal("name = 'abc", Entity::RegisteredModel);
    assert!(m.starts_with("Invalid filter at position 8 "), "{m}");
    assert!(m.contains("unterminated string"), "{m}");
    assert!(refusal("tags.`abc = 'x'", Entity::Run).contains("unterminated quoted key"));
    assert!(refusal("name = 'it\\'", Entity::Experiment).contains("unterminated"));
}

#[test]
fn missing_value() {
    let m = refusal("params.x = ", Entity::Run);
    assert_eq!(
        m,
        "Invalid filter at position 12 (\"params.x = \"): expected a value after '='"
    );
    let m = refusal("params.x = AND params.y = 'a'", Entity::Run);
    assert!(
        m.contains("position 12") && m.contains("found 'AND'"),
        "{m}"
    );
    assert!(refusal("metrics.m", Entity::Run).contains("expected an operator after 'metrics.m'"));
    assert!(refusal("metrics.m IN", Entity::Run).contains("expected a parenthesised list"));
}

#[test]
fn unknown_operators() {
    let m = refusal("metrics.auc ~ 0.9", Entity::Run);
    assert!(
        m.contains("position 13") && m.contains("unknown operator '~'"),
        "{m}"
    );
    let m = refusal("name == 'x'", Entity::RegisteredModel);
    assert!(
        m.contains("position 6") && m.contains("unknown operator '=='"),
        "{m}"
    );
    for (f, want) in [
        ("name => 'x'", "unknown operator '=>'"),
        ("name CONTAINS 'x'", "unknown operator 'CONTAINS'"),
        ("name NOT LIKE 'x'", "expected IN after NOT"),
        ("name IS 'x'", "expected NULL or NOT NULL after IS"),
        ("name IS NOT 'x'", "expected NULL after IS NOT"),
    ] {
        let m = refusal(f, Entity::RegisteredModel);
        assert!(m.contains(want), "{f}: {m}");
    }
}

#[test]
fn trailing_garbage_and_dangling_and() {
    let m = refusal("name = 'x' foo", Entity::RegisteredModel);
    assert!(
        m.contains("position 12")
            && m.contains("expected AND or the end of the filter, found 'foo'"),
        "{m}"
    );
    let m = refusal("name = 'x' AND ", Entity::RegisteredModel);
    assert!(m.contains("expected a condition after AND"), "{m}");
    let m = refusal("name = 'x')", Entity::RegisteredModel);
    assert!(m.contains("found ')'"), "{m}");
    assert!(refusal("(name = 'x')", Entity::RegisteredModel).contains("expected an identifier"));
    assert!(refusal("metrics.m = 12abc", Entity::Run).contains("malformed number '12abc'"));
    assert!(refusal("metrics.m = 1.2.3", Entity::Run).contains("malformed number"));
    assert!(refusal("metrics.m = 1e", Entity::Run).contains("malformed number"));
    assert!(refusal("metrics.m = -", Entity::Run).contains("malformed number"));
    assert!(refusal("metrics.m = 1e999", Entity::Run).contains("out of range"));
    assert!(refusal("name = true", Entity::RegisteredModel)
        .contains("expected a quoted string or a number"));
}

#[test]
fn or_is_refused() {
    let m = refusal("name = 'a' OR name = 'b'", Entity::RegisteredModel);
    assert!(
        m.contains("position 12") && m.contains("OR is not supported"),
        "{m}"
    );
    assert!(refusal("name = 'a' or name = 'b'", Entity::RegisteredModel)
        .contains("OR is not supported"));
}

#[test]
fn in_lists() {
    let m = refusal("run_id IN ()", Entity::Run);
    assert!(
        m.contains("position 11") && m.contains("must not be empty"),
        "{m}"
    );
    assert!(refusal("run_id IN ( )", Entity::Run).contains("must not be empty"));
    assert!(
        refusal("run_id IN ('a',)", Entity::Run).contains("expected a value after ','")
            || refusal("run_id IN ('a',)", Entity::Run).contains("after ','")
    );
    assert!(refusal("run_id IN ('a' 'b')", Entity::Run).contains("expected ',' or ')'"));
    assert!(refusal("run_id IN ('a'", Entity::Run).contains("expected ',' or ')'"));
    assert!(refusal("run_id IN 'a'", Entity::Run).contains("parenthesised list"));
    let items: Vec<String> = (0..1000).map(|i| format!("'{i}'")).collect();
    let f = parse(&format!("run_id IN ({})", items.join(",")), Entity::Run);
    assert!(f.matches(&thing().text("run_id", "999")));
    let items: Vec<String> = (0..1001).map(|i| format!("{i}")).collect();
    assert!(
        refusal(&format!("run_id IN ({})", items.join(",")), Entity::Run).contains("at most 1000")
    );
}

#[test]
fn length_limit() {
    let long = format!("name = '{}'", "a".repeat(MAX_FILTER_LEN + 1 - 9));
    assert_eq!(long.chars().count(), MAX_FILTER_LEN + 1);
    assert!(refusal(&long, Entity::RegisteredModel).contains("longer than 10000 characters"));
    let fits = format!("name = '{}'", "a".repeat(MAX_FILTER_LEN - 9));
    assert!(parse_filter(&fits, Entity::RegisteredModel).is_ok());
    // Counted in characters, not bytes.
    let wide = format!("name = '{}'", "é".repeat(MAX_FILTER_LEN - 9));
    assert!(parse_filter(&wide, Entity::RegisteredModel).is_ok());
    assert!(refusal(&"(".repeat(1_000_000), Entity::Run).contains("longer than"));
}

#[test]
fn error_excerpts_are_escaped_and_bounded() {
    let m = refusal(
        &format!("{}\n~", "name = 'x' AND ".repeat(10)),
        Entity::RegisteredModel,
    );
    assert!(m.contains('…') && m.contains("\\n"), "{m}");
    assert!(m.len() < 300, "{m}");
}

// ----- order_by -------------------------------------------------------------------------

#[test]
fn order_by_client_items() {
    let o = order(
        &["name ASC", "last_updated_timestamp DESC"],
        Entity::RegisteredModel,
    );
    assert_eq!(
        o,
        vec![
            OrderBy {
                key: SortKey::Attribute {
                    name: "name",
                    kind: ValueKind::Text
                },
                descending: false
            },
            OrderBy {
                key: SortKey::Attribute {
                    name: "last_updated_timestamp",
                    kind: ValueKind::Number
                },
                descending: true
            },
        ]
    );
    let o = order(
        &["version_number DESC", "creation_timestamp ASC"],
        Entity::ModelVersion,
    );
    assert_eq!(o.len(), 2);
    let o = order(
        &["metrics.auc DESC", "start_time DESC", "metrics.x ASC"],
        Entity::Run,
    );
    assert_eq!(
        o[0],
        OrderBy {
            key: SortKey::Metric("auc".into()),
            descending: true
        }
    );
    assert_eq!(
        o[2],
        OrderBy {
            key: SortKey::Metric("x".into()),
            descending: false
        }
    );
}

#[test]
fn order_by_forms() {
    let o = order(
        &[
            "tags.`x`",
            "attributes.start_time",
            "  params.p   desc ",
            "metrics.`my metric` Desc",
            "run_name asc",
        ],
        Entity::Run,
    );
    assert_eq!(
        o[0],
        OrderBy {
            key: SortKey::Tag("x".into()),
            descending: false
        }
    );
    assert_eq!(
        o[1].key,
        SortKey::Attribute {
            name: "start_time",
            kind: ValueKind::Number
        }
    );
    assert_eq!(
        o[2],
        OrderBy {
            key: SortKey::Param("p".into()),
            descending: true
        }
    );
    assert_eq!(
        o[3],
        OrderBy {
            key: SortKey::Metric("my metric".into()),
            descending: true
        }
    );
    assert!(!o[4].descending);
    assert!(order(&[], Entity::Run).is_empty());
}

#[test]
fn order_by_refusals() {
    let many: Vec<&str> = std::iter::repeat_n("name", 21).collect();
    assert!(order_refusal(&many, Entity::RegisteredModel).contains("at most 20"));
    assert_eq!(order(&many[..20], Entity::RegisteredModel).len(), 20);
    let m = order_refusal(&["name", "metrics.auc DESCX"], Entity::Run);
    assert!(
        m.contains("'name' is not a valid identifier for runs"),
        "{m}"
    );
    let m = order_refusal(&["metrics.auc DESCX"], Entity::Run);
    assert!(
        m.starts_with("Invalid order_by item 1 at position 13"),
        "{m}"
    );
    assert!(m.contains("expected ASC or DESC, found 'DESCX'"), "{m}");
    assert!(order_refusal(&["metrics.auc DESC extra"], Entity::Run)
        .contains("expected the end of the item"));
    assert!(order_refusal(&["datasets.name"], Entity::Run).contains("not a valid identifier"));
    assert!(order_refusal(&["metrics.auc"], Entity::ModelVersion).contains("for model versions"));
    assert!(order_refusal(&[""], Entity::Run).contains("expected an identifier"));
    let long = "a".repeat(MAX_FILTER_LEN + 1);
    assert!(order_refusal(&[long.as_str()], Entity::Run).contains("longer than"));
}

fn sorted(items: &[&str], entity: Entity, things: &[Thing]) -> Vec<usize> {
    let o = order(items, entity);
    let mut idx: Vec<usize> = (0..things.len()).collect();
    idx.sort_by(|a, b| compare(&o, &things[*a], &things[*b]));
    idx
}

#[test]
fn metrics_sort_missing_last_and_nan_after_numbers() {
    let things = [
        thing().metric("auc", 0.5),
        thing(),
        thing().metric("auc", f64::NAN),
        thing().metric("auc", 0.9),
        thing().metric("auc", -1.0),
    ];
    assert_eq!(
        sorted(&["metrics.auc DESC"], Entity::Run, &things),
        vec![3, 0, 4, 2, 1]
    );
    assert_eq!(
        sorted(&["metrics.auc"], Entity::Run, &things),
        vec![4, 0, 3, 2, 1]
    );
}

#[test]
fn version_number_desc_is_numeric() {
    let things = [
        thing().num("version_number", 9.0),
        thing().text("version_number", "10"),
        thing().num("version_number", 1.0),
    ];
    assert_eq!(
        sorted(&["version_number DESC"], Entity::ModelVersion, &things),
        vec![1, 0, 2]
    );
}

#[test]
fn strings_sort_bytewise_with_missing_last() {
    let things = [
        thing().text("name", "beta"),
        thing().text("name", "Zeta"),
        thing(),
        thing().text("name", "alpha"),
    ];
    assert_eq!(
        sorted(&["name ASC"], Entity::RegisteredModel, &things),
        vec![1, 3, 0, 2]
    );
    assert_eq!(
        sorted(&["name DESC"], Entity::RegisteredModel, &things),
        vec![0, 3, 1, 2]
    );
    let tagged = [thing().tag("t", "b"), thing(), thing().tag("t", "a")];
    assert_eq!(
        sorted(&["tags.t DESC"], Entity::Run, &tagged),
        vec![0, 2, 1]
    );
    let params = [thing().param("p", "10"), thing().param("p", "9")];
    assert_eq!(
        sorted(&["params.p"], Entity::Run, &params),
        vec![0, 1],
        "params sort as strings"
    );
}

#[test]
fn later_keys_break_ties() {
    let things = [
        thing().text("name", "a").num("last_updated_timestamp", 1.0),
        thing().text("name", "b").num("last_updated_timestamp", 5.0),
        thing().text("name", "a").num("last_updated_timestamp", 3.0),
    ];
    let got = sorted(
        &["name ASC", "last_updated_timestamp DESC"],
        Entity::RegisteredModel,
        &things,
    );
    assert_eq!(got, vec![2, 0, 1]);
    assert_eq!(
        compare(&[], &things[0], &things[1]),
        std::cmp::Ordering::Equal
    );
}

// ----- LIKE -----------------------------------------------------------------------------

#[test]
fn like_matcher() {
    let cases = [
        ("fraud-detector", "fraud%", true),
        ("fraud", "fraud%", true),
        ("afraud", "fraud%", false),
        ("abc", "a_c", true),
        ("ac", "a_c", false),
        ("abc", "%", true),
        ("", "%", true),
        ("", "", true),
        ("a", "", false),
        ("", "_", false),
        ("abc", "%%c", true),
        ("abc", "abc%%", true),
        ("a.c", "a.c", true),
        ("abc", "a.c", false),
        ("a*c", "a*c", true),
        ("xyz", "%y%", true),
        ("mississippi", "%iss%pi", true),
        ("mississippi", "m%ss%z", false),
        ("é", "_", true),
        ("naïve", "na_ve", true),
        ("ABC", "abc", false),
    ];
    for (text, pat, want) in cases {
        assert_eq!(like(text, pat, false), want, "{text:?} LIKE {pat:?}");
    }
    assert!(like("ABC", "a_c", true));
    assert!(like("ÉCOLE", "éc%", true));
    assert!(!like("ABD", "a_c", true));
}

/// A plain dynamic-programming matcher, as the reference the fast one must agree with.
fn like_reference(text: &str, pat: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    let mut dp = vec![vec![false; t.len() + 1]; p.len() + 1];
    dp[0][0] = true;
    for i in 1..=p.len() {
        for j in 0..=t.len() {
            dp[i][j] = match p[i - 1] {
                '%' => dp[i - 1][j] || (j > 0 && dp[i][j - 1]),
                c => j > 0 && dp[i - 1][j - 1] && (c == '_' || c == t[j - 1]),
            };
        }
    }
    dp[p.len()][t.len()]
}

#[test]
fn like_agrees_with_reference_on_random_inputs() {
    let mut rng = Rng(0x5eed);
    for _ in 0..20_000 {
        let text: String = (0..rng.below(8))
            .map(|_| ['a', 'b', 'c'][rng.below(3)])
            .collect();
        let pat: String = (0..rng.below(7))
            .map(|_| ['a', 'b', '%', '_'][rng.below(4)])
            .collect();
        assert_eq!(
            like(&text, &pat, false),
            like_reference(&text, &pat),
            "{text:?} LIKE {pat:?}"
        );
    }
}

#[test]
fn like_pathological_patterns_finish_fast() {
    let text = "a".repeat(100_000);
    let start = Instant::now();
    assert!(!like(&text, "%a%a%a%a%a%b", false));
    assert!(like(&text, "%a%a%a%a%a%", false));
    assert!(!like(&text, "%a%a%a%a%a%b", true));
    let long_pattern = format!("%{}b", "a".repeat(1_000));
    assert!(!like(&"a".repeat(10_000), &long_pattern, false));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

// ----- Hostile input never panics -------------------------------------------------------

/// xorshift64*: deterministic, no dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const IDENTS: &[&str] = &[
    "name",
    "metrics.auc",
    "metric.`a b`",
    "params.depth",
    "tags.mlflow.x",
    "tag.`mlflow.prompt.is_prompt`",
    "attributes.run_name",
    "attr.status",
    "datasets.name",
    "dataset.context",
    "run_id",
    "version_number",
    "start_time",
    "creation_time",
    "model_id",
    "experiment_id",
    "tags.",
    "metrics.\"q\"",
    "foo.bar",
    "_x",
    "NAME",
];
const OPS: &[&str] = &[
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "LIKE",
    "ilike",
    "IN",
    "NOT IN",
    "IS NULL",
    "is not null",
    "==",
    "=>",
    "IS",
    "not",
    "~",
];
const VALUES: &[&str] = &[
    "'x'",
    "'fraud%'",
    "''",
    "'it''s'",
    "'a\\'",
    "\"dq\"",
    "'3'",
    "0.9",
    "-1",
    "1e-3",
    "7",
    "('a','b')",
    "(1, 2)",
    "('a', 3)",
    "1e",
    "1e999",
    "12abc",
    "()",
    "(1,",
    "'unterminated",
    "`bq`",
    "true",
];
const JOINERS: &[&str] = &["AND", "and", "And", "AND", "OR", ",", ""];
const JUNK: &[&str] = &[
    ".", "-", "+", "(", ")", ",", "\\", "\u{0}", "é", "✓", "\n", "%", "_", "DESC", "ASC", "'", "`",
];

/// Mostly grammar-shaped clauses (so many parse), then a few random edits (so many do not).
fn random_input(rng: &mut Rng) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for i in 0..=rng.below(4) {
        if i > 0 {
            parts.push(rng.pick(JOINERS));
        }
        parts.push(rng.pick(IDENTS));
        parts.push(rng.pick(OPS));
        let op = parts
            .last()
            .copied()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if !op.starts_with("IS") {
            parts.push(rng.pick(VALUES));
        }
    }
    for _ in 0..rng.below(3) {
        let at = rng.below(parts.len() + 1);
        match rng.below(3) {
            0 => parts.insert(at, rng.pick(JUNK)),
            1 if at < parts.len() => {
                parts.remove(at);
            }
            _ => {
                let pool = if rng.below(2) == 0 { VALUES } else { IDENTS };
                parts.insert(at, rng.pick(pool));
            }
        }
    }
    let mut s = String::new();
    for p in parts {
        s.push_str(p);
        s.push_str(rng.pick(&["", " ", " ", " ", "  ", "\t"]));
    }
    s
}

const ENTITIES: [Entity; 5] = [
    Entity::Run,
    Entity::RegisteredModel,
    Entity::ModelVersion,
    Entity::Experiment,
    Entity::LoggedModel,
];

#[test]
fn random_filters_never_panic() {
    let mut rng = Rng(0x0dd_ba11);
    let samples = [
        thing(),
        thing()
            .text("name", "fraud")
            .num("version_number", 2.0)
            .metric("auc", f64::NAN)
            .param("depth", "6")
            .tag("mlflow.x", "y")
            .dataset("tx", "d", None),
    ];
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..5_000 {
        let input = random_input(&mut rng);
        let entity = ENTITIES[i % ENTITIES.len()];
        match parse_filter(&input, entity) {
            Ok(f) => {
                accepted += 1;
                for s in &samples {
                    let _ = f.matches(s);
                }
            }
            Err(Error::InvalidArgument(m)) => {
                refused += 1;
                assert!(m.starts_with("Invalid filter"), "{input:?}: {m}");
            }
            Err(other) => panic!("{input:?}: wrong error kind {other:?}"),
        }
    }
    // The generator must reach both sides, or it tests nothing.
    assert!(
        accepted > 20 && refused > 1_000,
        "accepted {accepted}, refused {refused}"
    );
}

/// Well-typed random clauses must always parse: the refusals above are not masking a parser
/// that refuses everything.
#[test]
fn random_well_typed_filters_parse() {
    let numeric = [
        "metrics.auc",
        "metric.`a b`",
        "start_time",
        "attributes.end_time",
        "created",
    ];
    let numeric_ops = [
        "=",
        "!=",
        "<>",
        "<",
        "<=",
        ">",
        ">=",
        "IN",
        "not in",
        "IS NULL",
        "is not null",
    ];
    let numbers = ["0.9", "-1", "1e-3", "'3'", "+2", " .5"];
    let text = [
        "params.depth",
        "tags.mlflow.x",
        "tag.`k`",
        "run_id",
        "attr.status",
        "datasets.name",
    ];
    let text_ops = [
        "=",
        "!=",
        "<>",
        "LIKE",
        "ilike",
        "IN",
        "NOT IN",
        "IS NULL",
        "IS NOT NULL",
    ];
    let strings = ["'x'", "'fraud%'", "''", "'it''s'", "\"dq\"", "7", "'_%'"];
    let t = thing()
        .metric("auc", 0.95)
        .param("depth", "6")
        .text("run_id", "x");
    let mut rng = Rng(42);
    for _ in 0..2_000 {
        let mut s = String::new();
        for i in 0..=rng.below(5) {
            if i > 0 {
                s.push_str(rng.pick(&[" AND ", " and ", "  And\t"]));
            }
            let (ident, op, values) = if rng.below(2) == 0 {
                (rng.pick(&numeric), rng.pick(&numeric_ops), &numbers[..])
            } else {
                (rng.pick(&text), rng.pick(&text_ops), &strings[..])
            };
            s.push_str(ident);
            // Keyword operators need the space; symbols may touch the identifier.
            let symbol = op.starts_with(['=', '!', '<', '>']);
            s.push_str(if symbol { rng.pick(&[" ", ""]) } else { " " });
            s.push_str(op);
            s.push(' ');
            if op.to_ascii_uppercase().ends_with("IN") {
                let n = 1 + rng.below(3);
                let items: Vec<&str> = (0..n).map(|_| rng.pick(values)).collect();
                s.push_str(&format!("({})", items.join(", ")));
            } else if !op.to_ascii_uppercase().starts_with("IS") {
                s.push_str(rng.pick(values));
            }
        }
        let f = parse(&s, Entity::Run);
        let _ = f.matches(&t);
    }
}

#[test]
fn random_order_by_never_panics() {
    let mut rng = Rng(0xfeed);
    let mut accepted = 0;
    for i in 0..3_000 {
        let items: Vec<String> = (0..rng.below(4)).map(|_| random_input(&mut rng)).collect();
        let mut one = String::from(rng.pick(IDENTS));
        one.push(' ');
        one.push_str(rng.pick(&["ASC", "desc", "", "DESC x", "up"]));
        let entity = ENTITIES[i % ENTITIES.len()];
        for list in [items, vec![one]] {
            match parse_order_by(&list, entity) {
                Ok(o) => {
                    accepted += 1;
                    let _ = compare(&o, &thing(), &thing().text("name", "x").metric("auc", 1.0));
                }
                Err(Error::InvalidArgument(_)) => {}
                Err(other) => panic!("{list:?}: wrong error kind {other:?}"),
            }
        }
    }
    assert!(accepted > 50, "accepted {accepted}");
}

#[test]
fn deep_nesting_and_long_runs_do_not_overflow() {
    for s in [
        "(".repeat(9_999),
        "'".repeat(9_999),
        "name = '' AND ".repeat(700) + "name = ''",
        format!("run_id IN ({})", "'a',".repeat(999) + "'a')"),
        format!("metrics.x = {}", "9".repeat(9_000)),
    ] {
        match parse_filter(&s, Entity::Run) {
            Ok(_) | Err(Error::InvalidArgument(_)) => {}
            Err(other) => panic!("wrong error kind {other:?}"),
        }
    }
    let f = parse(
        &("name = '' AND ".repeat(700) + "name = ''"),
        Entity::RegisteredModel,
    );
    assert_eq!(f.clauses().len(), 701);
}
