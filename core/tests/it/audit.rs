//! The audit trail as a manager reads it, on both databases: every filter returns exactly
//! the events it names (checked against the whole log filtered by hand), paging back
//! through thousands of events meets each once with no gap while new events arrive, a
//! model's trail holds no model whose name merely starts the same, and the chain check
//! counts actions. The exports are `audit_export`'s.
use crate::common::{a_run, a_version, alice, bob, registries, trail};
use pedigree_core::audit::{
    Action, AuditCursor, AuditEvent, AuditFilter, AuditQuery, SubjectFilter, VerifyOutcome,
};
use pedigree_core::names::*;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use pedigree_core::Error;
use std::collections::BTreeMap;

pub(crate) fn user(name: &str) -> Actor {
    Actor::new(UserName::parse(name).unwrap())
}
pub(crate) fn model(name: &str) -> ModelName {
    ModelName::parse(name).unwrap()
}

/// Every event the filter matches, newest first, read page by page as a client would.
pub(crate) async fn all_pages(reg: &Registry, filter: &AuditFilter, limit: i64) -> Vec<AuditEvent> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let q = AuditQuery::new(filter.clone())
            .limit(limit)
            .unwrap()
            .cursor(cursor);
        let page = reg.audit_events(&alice(), &q).await.unwrap();
        assert!(page.events.len() as i64 <= limit);
        out.extend(page.events);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// The same question answered by hand over the whole log, with the typed subject.
pub(crate) fn matches(f: &AuditFilter, e: &AuditEvent) -> bool {
    f.actor.as_ref().is_none_or(|a| a.as_str() == e.actor)
        && f.model
            .as_ref()
            .is_none_or(|m| e.subject().ok().and_then(|s| s.model().cloned()).as_ref() == Some(m))
        && (f.actions.is_empty() || f.actions.iter().any(|a| a.as_str() == e.action))
        && match &f.subject {
            None => true,
            Some(SubjectFilter::Exact(s)) => &e.subject == s,
            Some(SubjectFilter::Prefix(p)) => e.subject.starts_with(p.as_str()),
        }
        && f.from.is_none_or(|t| e.at >= t)
        && f.to.is_none_or(|t| e.at < t)
}

/// Models whose names are prefixes of each other or hold LIKE's wildcards, with versions,
/// aliases and tags written by three actors.
pub(crate) async fn a_busy_registry(reg: &Registry) {
    let run = a_run(reg).await;
    let names = [
        "fraud", "fraud2", "fraud-x", "frau", "fr_ud", "fr%ud", "Fraud",
    ];
    for (i, name) in names.iter().enumerate() {
        let by = if i % 2 == 0 { alice() } else { bob() };
        reg.create_registered_model(&by, model(name), String::new(), vec![])
            .await
            .unwrap();
        a_version(reg, &model(name), &run).await;
        a_version(reg, &model(name), &run).await;
        reg.set_alias(
            &by,
            &model(name),
            AliasName::parse("champion").unwrap(),
            Version::new(2).unwrap(),
        )
        .await
        .unwrap();
        reg.set_model_version_tag(
            &user("carol"),
            &model(name),
            Version::new(1).unwrap(),
            Tag::parse("k", *name).unwrap(),
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn each_filter_returns_exactly_the_events_it_names() {
    for t in registries().await {
        let reg = &t.reg;
        a_busy_registry(reg).await;
        let everything = all_pages(reg, &AuditFilter::default(), 1000).await;
        assert_eq!(
            everything.len() as i64,
            reg.audit_count(&alice()).await.unwrap()
        );
        let middle = everything[everything.len() / 2].at;
        let filters = vec![
            AuditFilter {
                actor: Some(UserName::parse("bob").unwrap()),
                ..Default::default()
            },
            AuditFilter {
                actor: Some(UserName::parse("carol").unwrap()),
                ..Default::default()
            },
            AuditFilter {
                model: Some(model("fraud")),
                ..Default::default()
            },
            AuditFilter {
                model: Some(model("fr_ud")),
                ..Default::default()
            },
            AuditFilter {
                actions: vec![Action::AliasSet],
                ..Default::default()
            },
            AuditFilter {
                actions: vec![
                    Action::AliasSet,
                    Action::ModelVersionSetTag,
                    Action::RunCreate,
                ],
                ..Default::default()
            },
            AuditFilter {
                subject: Some(SubjectFilter::Exact("model_version:fraud/1".into())),
                ..Default::default()
            },
            AuditFilter {
                subject: Some(SubjectFilter::Prefix("model_version:fr".into())),
                ..Default::default()
            },
            AuditFilter {
                subject: Some(SubjectFilter::Prefix("registered_model:fr%".into())),
                ..Default::default()
            },
            AuditFilter {
                from: Some(middle),
                ..Default::default()
            },
            AuditFilter {
                to: Some(middle),
                ..Default::default()
            },
            AuditFilter {
                actor: Some(UserName::parse("alice").unwrap()),
                model: Some(model("fraud")),
                actions: vec![Action::ModelVersionCreate, Action::AliasSet],
                ..Default::default()
            },
        ];
        for f in filters {
            let want: Vec<i64> = everything
                .iter()
                .filter(|e| matches(&f, e))
                .map(|e| e.seq)
                .collect();
            assert!(!want.is_empty(), "{f:?} matches nothing: a useless check");
            assert!(want.len() < everything.len(), "{f:?} filters nothing");
            // Pages of 3 cross every boundary a filter's SQL could get wrong.
            let got: Vec<i64> = all_pages(reg, &f, 3).await.iter().map(|e| e.seq).collect();
            assert_eq!(got, want, "{:?}: {f:?}", t.backend);
        }
    }
}

#[tokio::test]
async fn a_models_trail_holds_its_aliases_and_versions_and_no_lookalike() {
    for t in registries().await {
        let reg = &t.reg;
        a_busy_registry(reg).await;
        for name in ["fraud", "frau", "fr_ud", "fr%ud"] {
            let f = AuditFilter {
                model: Some(model(name)),
                ..Default::default()
            };
            let mut subjects: Vec<String> = trail(reg, f, 1000)
                .await
                .into_iter()
                .map(|e| e.subject)
                .collect();
            subjects.sort();
            subjects.dedup();
            assert_eq!(
                subjects,
                vec![
                    format!("model_version:{name}/1"),
                    format!("model_version:{name}/2"),
                    format!("registered_model:{name}"),
                    format!("registered_model:{name}@champion"),
                ],
                "{:?}",
                t.backend
            );
        }
        let nobody = AuditFilter {
            model: Some(model("fra")),
            ..Default::default()
        };
        assert!(trail(reg, nobody, 1000).await.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_back_meets_every_event_once_while_new_events_arrive() {
    for t in registries().await {
        let reg = &t.reg;
        let name = model("busy");
        reg.create_registered_model(&alice(), name.clone(), String::new(), vec![])
            .await
            .unwrap();
        for i in 0..2_500 {
            let by = if i % 5 == 0 { bob() } else { alice() };
            let tag = Tag::parse(format!("k{}", i % 40), i.to_string()).unwrap();
            reg.set_registered_model_tag(&by, &name, tag).await.unwrap();
        }
        let bobs = AuditFilter {
            actor: Some(UserName::parse("bob").unwrap()),
            ..Default::default()
        };
        // bob wrote tag i for i % 5 == 0, event 2 + i (the model's creation is 1); then the
        // whole log as it stands when its pass begins.
        for (filter, expected) in [
            (
                bobs,
                (0..2_500)
                    .rev()
                    .filter(|i| i % 5 == 0)
                    .map(|i| 2 + i)
                    .collect(),
            ),
            (AuditFilter::default(), Vec::new()),
        ] {
            let expected: Vec<i64> = if expected.is_empty() {
                (1..=reg.audit_count(&alice()).await.unwrap())
                    .rev()
                    .collect()
            } else {
                expected
            };
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                let q = AuditQuery::new(filter.clone())
                    .limit(97)
                    .unwrap()
                    .cursor(cursor);
                let page = reg.audit_events(&alice(), &q).await.unwrap();
                seen.extend(page.events.iter().map(|e| e.seq));
                // Writers keep going between pages, bob among them.
                for by in [alice(), bob()] {
                    let tag = Tag::parse("late", seen.len().to_string()).unwrap();
                    reg.set_registered_model_tag(&by, &name, tag).await.unwrap();
                }
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            assert_eq!(seen.len(), expected.len(), "{:?}", t.backend);
            assert_eq!(seen, expected, "{:?}: a gap or a repeat", t.backend);
        }
        // The newest page starts at the newest event again.
        let first = trail(reg, AuditFilter::default(), 1).await;
        assert_eq!(first[0].seq, reg.audit_count(&alice()).await.unwrap());
    }
}

#[tokio::test]
async fn forged_cursors_bad_limits_and_empty_windows_are_invalid_arguments() {
    for t in registries().await {
        let reg = &t.reg;
        for bad in ["o100", "e0", "eZZ", "e-5", "12", ""] {
            assert!(
                matches!(bad.parse::<AuditCursor>(), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            AuditQuery::default().limit(1001),
            Err(Error::InvalidArgument(_))
        ));
        let empty = AuditFilter {
            from: Some(2_000),
            to: Some(1_000),
            ..Default::default()
        };
        let q = AuditQuery::new(empty.clone());
        assert!(matches!(
            reg.audit_events(&alice(), &q).await,
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            reg.audit_export(&alice(), empty).await.err(),
            Some(Error::InvalidArgument(_))
        ));
    }
}

#[tokio::test]
async fn verify_counts_the_events_of_each_action() {
    for t in registries().await {
        let reg = &t.reg;
        a_busy_registry(reg).await;
        let everything = all_pages(reg, &AuditFilter::default(), 1000).await;
        let mut want = BTreeMap::<String, i64>::new();
        for e in &everything {
            *want.entry(e.action.clone()).or_default() += 1;
        }
        match reg.verify_audit(&alice()).await.unwrap() {
            VerifyOutcome::Ok {
                events, actions, ..
            } => {
                assert_eq!(events, everything.len() as i64);
                assert_eq!(actions, want, "{:?}", t.backend);
                assert_eq!(actions["model_version.create"], 14);
                assert_eq!(actions["alias.set"], 7);
            }
            other => panic!("{other:?}"),
        }
    }
}
