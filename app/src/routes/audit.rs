//! The audit page's addresses: its query string (the filters, the cursor of the page and
//! whether to check the chain), the links that keep the filters while paging, and the
//! export links that hand the same filters to the JSON API. Also reads that query string
//! back into the core's filter, with the core's parsers, so a bad value is refused with the
//! same message the API gives.
//!
//! The filter parameters (`actor`, `model`, `action`, `from`, `to`) are the API's own
//! (`server/src/api/audit.rs`), so the page's address and its export links say the same
//! thing. An empty value is an untouched form field and means "any".
use super::encode_segment;
use pedigree_core::audit::{AuditCursor, AuditFilter};
use pedigree_core::time::{parse_timestamp, Millis};
use pedigree_core::{Error, ModelName, UserName};
use serde::{Deserialize, Serialize};

/// Where the API streams an export of the audit trail.
pub const AUDIT_EXPORT: &str = "/api/pedigree/v1/audit/export";

/// The audit page's query string, as typed: nothing here is checked until
/// [`AuditLinkQuery::filter`] and [`AuditLinkQuery::cursor`] read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLinkQuery {
    pub actor: String,
    pub model: String,
    /// One action's dotted name (`alias.set`).
    pub action: String,
    /// A day (`2026-11-01`, as a date field sends it, midnight UTC), RFC 3339 or epoch ms.
    pub from: String,
    /// As `from`; events before it.
    pub to: String,
    /// The opaque cursor of an older page; empty for the newest events.
    pub cursor: String,
    /// Whether the page also checks the whole hash chain.
    pub verify: bool,
}

/// The export formats the API streams, by their `format` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportLink {
    Csv,
    JsonLines,
}

impl AuditLinkQuery {
    /// Reads the query string through `get` (the router's query map, or a test's).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> AuditLinkQuery {
        let text = |key: &str| get(key).map(|v| v.trim().to_string()).unwrap_or_default();
        AuditLinkQuery {
            actor: text("actor"),
            model: text("model"),
            action: text("action"),
            from: text("from"),
            to: text("to"),
            cursor: text("cursor"),
            verify: get("verify").as_deref() == Some("1"),
        }
    }

    /// The same filters from the newest event on (no cursor, no chain check).
    pub fn newest(&self) -> AuditLinkQuery {
        AuditLinkQuery {
            cursor: String::new(),
            verify: false,
            ..self.clone()
        }
    }

    /// The same filters, the page after `cursor`.
    pub fn older(&self, cursor: AuditCursor) -> AuditLinkQuery {
        AuditLinkQuery {
            cursor: cursor.to_string(),
            verify: false,
            ..self.clone()
        }
    }

    /// The same page, checking the chain too.
    pub fn verified(&self) -> AuditLinkQuery {
        AuditLinkQuery {
            verify: true,
            ..self.clone()
        }
    }

    /// Whether any filter is set.
    pub fn is_filtered(&self) -> bool {
        self.filter_pairs(false).next().is_some()
    }

    /// The filter the query describes, parsed as the API parses it.
    pub fn filter(&self) -> Result<AuditFilter, Error> {
        let mut f = AuditFilter {
            actor: given(&self.actor).map(UserName::parse).transpose()?,
            model: given(&self.model).map(ModelName::parse).transpose()?,
            from: time("from", &self.from)?,
            to: time("to", &self.to)?,
            ..AuditFilter::default()
        };
        f.add_actions(&self.action)?;
        f.check()?;
        Ok(f)
    }

    /// The cursor of the page asked for; `None` for the newest.
    pub fn cursor(&self) -> Result<Option<AuditCursor>, Error> {
        given(&self.cursor).map(str::parse).transpose()
    }

    /// The filter parameters that are set. For the API (`for_api`) a day becomes the
    /// RFC 3339 midnight it stands for, which is what the API reads; the page keeps the day,
    /// which is what its date fields show.
    fn filter_pairs(&self, for_api: bool) -> impl Iterator<Item = (&'static str, String)> + '_ {
        let time = move |t: &str| {
            if for_api {
                day_as_rfc3339(t)
            } else {
                t.to_string()
            }
        };
        [
            ("actor", self.actor.clone()),
            ("model", self.model.clone()),
            ("action", self.action.clone()),
            ("from", time(&self.from)),
            ("to", time(&self.to)),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
    }
}

fn given(v: &str) -> Option<&str> {
    Some(v).filter(|v| !v.is_empty())
}

/// `YYYY-MM-DD` (what `<input type="date">` sends) as midnight UTC in RFC 3339; any other
/// text as it is, for [`parse_timestamp`] to judge.
fn day_as_rfc3339(text: &str) -> String {
    let b = text.as_bytes();
    let is_day = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if is_day {
        format!("{text}T00:00:00Z")
    } else {
        text.to_string()
    }
}

fn time(key: &str, text: &str) -> Result<Option<Millis>, Error> {
    given(text)
        .map(|t| {
            parse_timestamp(&day_as_rfc3339(t))
                .map_err(|e| Error::invalid(format!("Parameter '{key}': {e}")))
        })
        .transpose()
}

fn query_string<'a>(pairs: impl Iterator<Item = (&'a str, String)>) -> String {
    pairs
        .map(|(k, v)| format!("{k}={}", encode_segment(&v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The audit page for `q`: its filters, its cursor and the chain check when asked for.
pub fn audit_page(q: &AuditLinkQuery) -> String {
    let cursor = given(&q.cursor).map(|c| ("cursor", c.to_string()));
    let verify = q.verify.then(|| ("verify", "1".to_string()));
    let qs = query_string(q.filter_pairs(false).chain(cursor).chain(verify));
    if qs.is_empty() {
        super::audit()
    } else {
        format!("{}?{qs}", super::audit())
    }
}

/// The API's export of every event `q`'s filters match (all pages, oldest first).
pub fn audit_export(q: &AuditLinkQuery, format: ExportLink) -> String {
    let format = match format {
        ExportLink::Csv => "csv",
        ExportLink::JsonLines => "jsonl",
    };
    let qs =
        query_string(std::iter::once(("format", format.to_string())).chain(q.filter_pairs(true)));
    format!("{AUDIT_EXPORT}?{qs}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use pedigree_core::audit::Action;

    fn query(pairs: &[(&str, &str)]) -> AuditLinkQuery {
        AuditLinkQuery::from_query(|k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn an_untouched_form_is_the_unfiltered_newest_page() {
        let q = query(&[("actor", ""), ("model", " "), ("action", ""), ("from", "")]);
        assert_eq!(q, AuditLinkQuery::default());
        assert!(!q.is_filtered());
        assert_eq!(q.filter().unwrap(), AuditFilter::default());
        assert_eq!(q.cursor().unwrap(), None);
        assert_eq!(audit_page(&q), "/audit");
    }

    #[test]
    fn filters_parse_with_the_cores_rules_and_days_are_midnight_utc() {
        let q = query(&[
            ("actor", "alice"),
            ("model", "fraud #2"),
            ("action", "alias.set"),
            ("from", "2026-11-01"),
            ("to", "2026-11-02T00:00:00Z"),
        ]);
        let f = q.filter().unwrap();
        assert_eq!(f.actor.unwrap().as_str(), "alice");
        assert_eq!(f.model.unwrap().as_str(), "fraud #2");
        assert_eq!(f.actions, vec![Action::AliasSet]);
        assert_eq!(f.from, Some(1_793_491_200_000));
        assert_eq!(f.to, Some(1_793_491_200_000 + 86_400_000));
    }

    #[test]
    fn bad_values_are_refused_naming_what_is_wrong() {
        let msg = |pairs: &[(&str, &str)]| query(pairs).filter().unwrap_err().to_string();
        assert!(msg(&[("from", "yesterday")]).contains("'from'"));
        assert!(msg(&[("to", "2026-02-30")]).contains("'to'"));
        assert!(msg(&[("action", "alias.sett")]).contains("alias.sett"));
        assert!(msg(&[("from", "2026-11-02"), ("to", "2026-11-01")]).contains("empty"));
        assert!(query(&[("cursor", "e0")]).cursor().is_err());
    }

    #[test]
    fn paging_keeps_the_filters_and_export_links_carry_exactly_them() {
        let q = query(&[
            ("model", "fraud #2"),
            ("from", "2026-11-01"),
            ("cursor", "e20"),
            ("verify", "1"),
        ]);
        assert_eq!(
            audit_page(&q),
            "/audit?model=fraud%20%232&from=2026-11-01&cursor=e20&verify=1"
        );
        let older = q.older(AuditCursor::after(7).unwrap());
        assert_eq!(
            audit_page(&older),
            "/audit?model=fraud%20%232&from=2026-11-01&cursor=e7"
        );
        assert_eq!(
            audit_page(&q.newest()),
            "/audit?model=fraud%20%232&from=2026-11-01"
        );
        assert_eq!(
            audit_export(&q, ExportLink::Csv),
            "/api/pedigree/v1/audit/export?format=csv&model=fraud%20%232&from=2026-11-01T00%3A00%3A00Z"
        );
        assert_eq!(
            audit_export(&AuditLinkQuery::default(), ExportLink::JsonLines),
            "/api/pedigree/v1/audit/export?format=jsonl"
        );
    }
}
