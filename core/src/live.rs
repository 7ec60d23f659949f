//! What a live view is told when something changes: which part of the registry (models or
//! reviews), and for a model the model's name, so a page refetches only when its own data
//! may have moved. Deliberately no more (no actor, no values): the page reads the rest
//! through the same checked reads as any page load.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// A registered model, one of its versions, stages or aliases.
    Models,
    /// A transition request: opened, decided, commented, applied.
    Reviews,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveChange {
    pub seq: i64,
    pub topic: Topic,
    /// The model changed, for [`Topic::Models`].
    pub model: Option<String>,
}

/// The topic and model of an audit event's `action` and `subject`; `None` for changes no
/// live view shows (runs, users, sessions, …).
pub fn classify(action: &str, subject: &str) -> Option<(Topic, Option<String>)> {
    if action.starts_with("review.") {
        return Some((Topic::Reviews, None));
    }
    let model = if let Some(rest) = subject.strip_prefix("model_version:") {
        rest.rsplit_once('/').map(|(name, _)| name)
    } else if let Some(rest) = subject.strip_prefix("registered_model:") {
        // An alias's subject is `registered_model:NAME@alias`; alias names hold no `@`.
        match action.starts_with("alias.") {
            true => rest.rsplit_once('@').map(|(name, _)| name),
            false => Some(rest),
        }
    } else {
        None
    }?;
    let known = action.starts_with("registered_model.")
        || action.starts_with("model_version.")
        || action.starts_with("alias.");
    known.then(|| (Topic::Models, Some(model.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_changes_name_their_model_and_reviews_are_one_topic() {
        assert_eq!(
            classify("model_version.transition", "model_version:fraud/det/3"),
            Some((Topic::Models, Some("fraud/det".into())))
        );
        assert_eq!(
            classify("alias.set", "registered_model:a@b@champion"),
            Some((Topic::Models, Some("a@b".into())))
        );
        assert_eq!(
            classify("registered_model.update", "registered_model:a@b"),
            Some((Topic::Models, Some("a@b".into())))
        );
        assert_eq!(
            classify("review.approve", "transition_request:4"),
            Some((Topic::Reviews, None))
        );
        assert_eq!(classify("session.sign_in", "user:alice"), None);
        assert_eq!(classify("run.log_batch", "run:0123"), None);
    }
}
