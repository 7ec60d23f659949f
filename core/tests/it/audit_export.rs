//! The audit trail's exports, on both databases: CSV whose cells are quoted and never run
//! as a formula, JSON Lines that read back as the stored events with hashes that still
//! verify, and an export that ends at the head it began from however long it takes.
use crate::audit::{a_busy_registry, all_pages, matches, model, user};
use crate::common::{alice, bob, registries};
use futures::TryStreamExt;
use pedigree_core::audit::export::ExportFormat;
use pedigree_core::audit::{chain_hash, AuditEvent, AuditFilter, AuditRecord, GENESIS_HASH};
use pedigree_core::names::*;
use pedigree_core::service::Registry;

/// Reads one RFC 4180 document into rows of cells.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(
        !quoted && cell.is_empty() && row.is_empty(),
        "unterminated CSV"
    );
    rows
}

async fn export(reg: &Registry, format: ExportFormat, filter: AuditFilter) -> String {
    let events: Vec<AuditEvent> = reg
        .audit_export(&alice(), filter)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut out = format.preamble();
    for e in &events {
        format.write(e, &mut out);
    }
    out
}

#[tokio::test]
async fn csv_export_is_quoted_and_no_cell_runs_as_a_formula() {
    for t in registries().await {
        let reg = &t.reg;
        let name = model("sheet, \"quoted\"");
        reg.create_registered_model(&user("@SUM"), name.clone(), String::new(), vec![])
            .await
            .unwrap();
        reg.update_registered_model(&user("-2"), &name, "=HYPERLINK(\"http://x\")\nline".into())
            .await
            .unwrap();
        let text = export(reg, ExportFormat::Csv, AuditFilter::default()).await;
        let rows = parse_csv(&text);
        assert_eq!(
            rows[0],
            [
                "seq",
                "at",
                "actor",
                "action",
                "subject",
                "before",
                "after",
                "prev_hash",
                "hash"
            ]
        );
        let stored = all_pages(reg, &AuditFilter::default(), 1000).await;
        assert_eq!(rows.len() - 1, stored.len());
        for (row, e) in rows[1..].iter().zip(stored.iter().rev()) {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{:?}: a live formula cell {cell:?}",
                    t.backend
                );
            }
            assert_eq!(row[0], e.seq.to_string());
            assert_eq!(
                pedigree_core::time::parse_timestamp(&row[1]).unwrap(),
                e.at,
                "{}",
                row[1]
            );
            assert!(row[1].ends_with('Z') && row[1].len() == 24, "{}", row[1]);
            let inert = |s: &str| {
                if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    format!("'{s}")
                } else {
                    s.to_string()
                }
            };
            let want = [
                &e.actor,
                &e.action,
                &e.subject,
                &e.before,
                &e.after,
                &e.prev_hash,
                &e.hash,
            ];
            for (got, want) in row[2..].iter().zip(want) {
                assert_eq!(got, &inert(want));
            }
        }
        let actors: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
        assert!(
            actors.contains(&"'@SUM") && actors.contains(&"'-2"),
            "{actors:?}"
        );
    }
}

/// Checks each event against its own link, and that consecutive events chain.
fn assert_hashes_hold(events: &[AuditEvent], whole_chain: bool) {
    let mut prev = GENESIS_HASH.to_string();
    for e in events {
        if whole_chain {
            assert_eq!(e.prev_hash, prev, "event {} does not link", e.seq);
        }
        let record = AuditRecord {
            actor: e.actor.clone(),
            action: e.action.clone(),
            subject: e.subject.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
        };
        assert_eq!(
            chain_hash(&e.prev_hash, e.seq, e.at, &record),
            e.hash,
            "event {}",
            e.seq
        );
        prev = e.hash.clone();
    }
}

#[tokio::test]
async fn jsonl_export_reads_back_as_the_stored_events_and_their_hashes_verify() {
    for t in registries().await {
        let reg = &t.reg;
        a_busy_registry(reg).await;
        let mut stored = all_pages(reg, &AuditFilter::default(), 1000).await;
        stored.reverse();
        let text = export(reg, ExportFormat::Jsonl, AuditFilter::default()).await;
        assert!(text.ends_with('\n'));
        let lines: Vec<AuditEvent> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, stored, "{:?}", t.backend);
        assert_hashes_hold(&lines, true);
        // A filtered export: each event still proves itself against its own link.
        let f = AuditFilter {
            model: Some(model("fr%ud")),
            ..Default::default()
        };
        let text = export(reg, ExportFormat::Jsonl, f.clone()).await;
        let some: Vec<AuditEvent> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let want: Vec<AuditEvent> = stored.iter().filter(|e| matches(&f, e)).cloned().collect();
        assert_eq!(some, want);
        assert_hashes_hold(&some, false);
    }
}

#[tokio::test]
async fn an_export_ends_at_the_head_it_began_from_and_reads_past_a_page() {
    for t in registries().await {
        let reg = &t.reg;
        let name = model("long");
        reg.create_registered_model(&alice(), name.clone(), String::new(), vec![])
            .await
            .unwrap();
        for i in 0..1_200 {
            let tag = Tag::parse("k", i.to_string()).unwrap();
            reg.set_registered_model_tag(&alice(), &name, tag)
                .await
                .unwrap();
        }
        let head = reg.audit_count(&alice()).await.unwrap();
        let mut stream = reg
            .audit_export(&alice(), AuditFilter::default())
            .await
            .unwrap();
        let first = stream.try_next().await.unwrap().unwrap();
        assert_eq!(first.seq, 1);
        for _ in 0..3 {
            reg.set_registered_model_tag(&bob(), &name, Tag::parse("k", "late").unwrap())
                .await
                .unwrap();
        }
        let rest: Vec<AuditEvent> = stream.try_collect().await.unwrap();
        let seqs: Vec<i64> = std::iter::once(first.seq)
            .chain(rest.iter().map(|e| e.seq))
            .collect();
        assert_eq!(seqs, (1..=head).collect::<Vec<_>>(), "{:?}", t.backend);
    }
}
