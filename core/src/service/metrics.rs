//! The write-once rule for a run's params (MLflow's): logging a param again with the same
//! value is a no-op, with a different value it is refused; one batch may name a key once. Checked inside the batch's
//! write transaction, in one read for the whole batch.
use crate::error::{Error, Result};
use crate::names::{RunId, Tag};
use crate::store::Backend;
use sqlx::AnyConnection;
use std::collections::HashMap;

/// The params of a batch that are not stored yet, once each; refuses a changed value,
/// including two different values for one key within the batch.
pub(crate) async fn check_params<'p>(
    conn: &mut AnyConnection,
    backend: Backend,
    run_id: &RunId,
    params: &'p [Tag],
) -> Result<Vec<&'p Tag>> {
    // One value per key per batch, as MLflow requires (even when the values agree).
    let mut seen = std::collections::HashSet::new();
    let dupes: Vec<String> = params
        .iter()
        .filter(|p| !seen.insert(p.key.as_str()))
        .map(|p| format!("'{}'", p.key))
        .collect();
    if !dupes.is_empty() {
        return Err(Error::invalid(format!(
            "Duplicate parameter keys have been submitted: [{}]. Please ensure the request contains only one param value per param key.",
            dupes.join(", ")
        )));
    }
    let keys: Vec<_> = params.iter().map(|p| &p.key).collect();
    let stored = crate::store::metrics::params_with_keys(conn, backend, run_id, &keys).await?;
    let mut known: HashMap<&str, &str> = stored
        .iter()
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect();
    let mut new = Vec::new();
    for p in params {
        match known.get(p.key.as_str()) {
            Some(old) if *old != p.value => {
                return Err(Error::invalid(format!(
                    "Changing param values is not allowed. Param with key='{}' was already logged with value='{old}' for run ID='{run_id}'. Attempted logging new value '{}'.",
                    p.key, p.value
                )));
            }
            Some(_) => {}
            None => {
                known.insert(p.key.as_str(), p.value.as_str());
                new.push(p);
            }
        }
    }
    Ok(new)
}
