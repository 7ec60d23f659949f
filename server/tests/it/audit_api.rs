//! The audit trail API as a manager's script sees it, on port 0 (SQLite, and PostgreSQL
//! when `PEDIGREE_TEST_PG_URL` is set): filters, the cursor through every page, the export
//! downloads with their types and contents, the chain check with its counts, and bad input
//! answered as a 400 in MLflow's error shape.
use crate::common::{assert_error, servers, Server};
use serde_json::{json, Value};

const API: &str = "/api/pedigree/v1/audit";

async fn get(s: &Server, path_and_query: &str) -> (u16, Value) {
    let r = s
        .client
        .get(s.url(&format!("{API}/{path_and_query}")))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Two models, one a prefix of the other's name, each with three tags (8 events).
async fn some_history(s: &Server) {
    for name in ["fraud", "fraud2"] {
        let (status, _) = s
            .post("registered-models/create", json!({"name": name}))
            .await;
        assert_eq!(status, 200);
        for i in 0..3 {
            let (status, _) = s
                .post(
                    "registered-models/set-tag",
                    json!({"name": name, "key": format!("k{i}"), "value": "=1+1"}),
                )
                .await;
            assert_eq!(status, 200);
        }
    }
}

fn seqs(body: &Value) -> Vec<i64> {
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn events_filter_and_page_back_with_the_cursor() {
    for s in servers().await {
        some_history(&s).await;
        let (status, all) = get(&s, "events").await;
        assert_eq!(status, 200, "{all}");
        // Event 1 is the first administrator, created when the fresh server started.
        assert_eq!(seqs(&all), (1..=9).rev().collect::<Vec<_>>());
        assert_eq!(all["events"][8]["action"], "user.create");
        assert!(all.get("next_cursor").is_none(), "{all}");
        let e = &all["events"][0];
        for field in [
            "seq",
            "at",
            "actor",
            "action",
            "subject",
            "before",
            "after",
            "prev_hash",
            "hash",
        ] {
            assert!(e.get(field).is_some(), "{field} missing from {e}");
        }
        assert_eq!(e["actor"], "anonymous");

        // The model filter: fraud's own events, not fraud2's.
        let (_, fraud) = get(&s, "events?model=fraud").await;
        assert_eq!(seqs(&fraud), vec![5, 4, 3, 2]);
        // Actions: repeated and comma-separated alike.
        let (_, a) = get(
            &s,
            "events?action=registered_model.create&action=registered_model.set_tag",
        )
        .await;
        let (_, b) = get(
            &s,
            "events?action=registered_model.create,registered_model.set_tag",
        )
        .await;
        assert_eq!(seqs(&a), seqs(&b));
        assert_eq!(seqs(&a).len(), 8);
        let (_, created) = get(&s, "events?action=registered_model.create").await;
        assert_eq!(seqs(&created), vec![6, 2]);
        let (_, subj) = get(&s, "events?subject=registered_model:fraud2").await;
        assert_eq!(seqs(&subj), vec![9, 8, 7, 6]);
        let (_, prefix) = get(&s, "events?subject=registered_model:fraud*").await;
        assert_eq!(seqs(&prefix).len(), 8);
        let (_, nobody) = get(&s, "events?actor=alice").await;
        assert_eq!(seqs(&nobody), Vec::<i64>::new());
        // Time: `to` is exclusive, `from` inclusive, RFC 3339 or epoch ms.
        let at5 = all["events"][3]["at"].as_i64().unwrap();
        let (_, before) = get(&s, &format!("events?to={at5}")).await;
        let (_, since) = get(&s, &format!("events?from={at5}")).await;
        let by_time = |keep: &dyn Fn(i64) -> bool| -> Vec<i64> {
            let events = all["events"].as_array().unwrap().iter();
            events
                .filter(|e| keep(e["at"].as_i64().unwrap()))
                .map(|e| e["seq"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(seqs(&before), by_time(&|at| at < at5));
        assert_eq!(seqs(&since), by_time(&|at| at >= at5));
        assert!(seqs(&since).contains(&6));
        let (status, future) = get(&s, "events?from=2999-01-01T00:00:00%2B02:00").await;
        assert_eq!(status, 200);
        assert_eq!(seqs(&future), Vec::<i64>::new());
        let (_, past) = get(
            &s,
            "events?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z",
        )
        .await;
        assert_eq!(seqs(&past).len(), 9);

        // Pages of 3 through the cursor: every event once, newest first.
        let mut seen = Vec::new();
        let mut next = String::from("events?limit=3");
        loop {
            let (status, page) = get(&s, &next).await;
            assert_eq!(status, 200, "{page}");
            assert!(seqs(&page).len() <= 3);
            seen.extend(seqs(&page));
            match page["next_cursor"].as_str() {
                Some(c) => next = format!("events?limit=3&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen, (1..=9).rev().collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn bad_cursors_limits_times_and_parameters_are_400s_naming_the_problem() {
    for s in servers().await {
        for (query, says) in [
            ("events?cursor=o100", "cursor"),
            ("events?cursor=e0", "cursor"),
            ("events?cursor=e10%27%20OR%201=1", "cursor"),
            ("events?limit=0", "limit"),
            ("events?limit=1001", "limit"),
            ("events?limit=ten", "limit"),
            ("events?from=yesterday", "from"),
            ("events?to=2026-02-30T00:00:00Z", "to"),
            (
                "events?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z",
                "window",
            ),
            (
                "events?action=model_version.promote",
                "model_version.promote",
            ),
            ("events?model=a/b", "a/b"),
            ("events?actor=al%20ice", "al ice"),
            ("events?modle=fraud&sort=asc", "'modle', 'sort'"),
            ("events?actor=a&actor=b", "actor"),
            ("export?format=xlsx", "xlsx"),
            ("export?format=csv&cursor=e1", "cursor"),
            ("verify?deep=1", "deep"),
        ] {
            let got = get(&s, query).await;
            assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
            let message = got.1["message"].as_str().unwrap();
            assert!(message.contains(says), "{query}: {message}");
        }
    }
}

#[tokio::test]
async fn exports_download_as_csv_and_json_lines_with_their_types() {
    for s in servers().await {
        some_history(&s).await;
        let r = s
            .client
            .get(s.url(&format!("{API}/export?format=csv&model=fraud")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            disposition.starts_with("attachment; filename=\"pedigree-audit-")
                && disposition.ends_with(".csv\""),
            "{disposition}"
        );
        let text = r.text().await.unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "seq,at,actor,action,subject,before,after,prev_hash,hash"
        );
        // fraud's create and three tags, oldest first; nothing of fraud2; a final CRLF.
        assert_eq!(lines.len(), 6, "{text}");
        assert_eq!(lines[5], "");
        assert!(
            lines[1].starts_with("2,")
                && lines[1].contains(",registered_model.create,registered_model:fraud,")
        );
        assert!(lines[1..5].iter().all(|l| !l.contains("fraud2")), "{text}");
        let at = lines[1].split(',').nth(1).unwrap();
        assert!(
            at.len() == 24 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
            "{at}"
        );

        let r = s
            .client
            .get(s.url(&format!("{API}/export?format=jsonl")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/x-ndjson");
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".jsonl\""));
        let text = r.text().await.unwrap();
        let events: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let (_, page) = get(&s, "events?limit=1000").await;
        let mut newest_first = page["events"].as_array().unwrap().clone();
        newest_first.reverse();
        assert_eq!(
            events, newest_first,
            "the export is the trail, oldest first"
        );
        for pair in events.windows(2) {
            assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
        }
    }
}

#[tokio::test]
async fn verify_reports_the_chain_and_its_counts_per_action() {
    for s in servers().await {
        some_history(&s).await;
        let (status, v) = get(&s, "verify").await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(v["events"], 9);
        assert_eq!(
            v["actions"],
            json!({"registered_model.create": 2, "registered_model.set_tag": 6, "user.create": 1})
        );
        let (_, page) = get(&s, "events?limit=1").await;
        assert_eq!(v["head"], page["events"][0]["hash"]);
    }
}
