//! The one domain error, by meaning. Each front door maps it once (MLflow error codes,
//! UI messages); the store maps sqlx errors into it in one place (`store::map_sqlx`).
//!
//! `NotFound` and `AlreadyExists` carry the kind of thing and its key, so a front door
//! decides by meaning (an unknown alias is a 400 on MLflow's API, say) and never by
//! reading the message, which is for people and keeps MLflow's wording.
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of thing was missing or duplicated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Experiment,
    Run,
    LoggedModel,
    RegisteredModel,
    ModelVersion,
    Alias,
    Tag,
    Param,
    Artifact,
    User,
    Token,
    TransitionRequest,
    Team,
    Grant,
    /// A row the store could not name (a bug if a caller sees it).
    Record,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Experiment => "experiment",
            Entity::Run => "run",
            Entity::LoggedModel => "logged_model",
            Entity::RegisteredModel => "registered_model",
            Entity::ModelVersion => "model_version",
            Entity::Alias => "alias",
            Entity::Tag => "tag",
            Entity::Param => "param",
            Entity::Artifact => "artifact",
            Entity::User => "user",
            Entity::Token => "token",
            Entity::TransitionRequest => "transition_request",
            Entity::Team => "team",
            Entity::Grant => "grant",
            Entity::Record => "record",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    #[error("{message}")]
    NotFound {
        entity: Entity,
        key: String,
        message: String,
    },
    #[error("{message}")]
    AlreadyExists {
        entity: Entity,
        key: String,
        message: String,
    },
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    FailedPrecondition(String),
    /// Transient: contention or an unavailable dependency; the caller may retry.
    #[error("{0}")]
    Unavailable(String),
    /// Never carries SQL text, paths or other internals: those go to the log.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
    /// `entity` with `key` does not exist; `message` says so in the words callers expect.
    pub fn not_found(entity: Entity, key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::NotFound {
            entity,
            key: key.into(),
            message: message.into(),
        }
    }
    /// `entity` with `key` exists already.
    pub fn exists(entity: Entity, key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::AlreadyExists {
            entity,
            key: key.into(),
            message: message.into(),
        }
    }
    /// The entity a `NotFound` names.
    pub fn missing_entity(&self) -> Option<Entity> {
        match self {
            Error::NotFound { entity, .. } => Some(*entity),
            _ => None,
        }
    }
    /// A short, stable name for the kind, used in logs and UI badges.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::AlreadyExists { .. } => "already_exists",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::Unauthenticated(_) => "unauthenticated",
            Error::PermissionDenied(_) => "permission_denied",
            Error::FailedPrecondition(_) => "failed_precondition",
            Error::Unavailable(_) => "unavailable",
            Error::Internal(_) => "internal",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_shows_its_message_and_keeps_its_meaning() {
        let e = Error::not_found(
            Entity::Alias,
            "champion",
            "Registered model alias champion not found.",
        );
        assert_eq!(e.to_string(), "Registered model alias champion not found.");
        assert_eq!(e.missing_entity(), Some(Entity::Alias));
        assert_eq!(e.kind(), "not_found");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Error>(&json).unwrap(), e);
    }
}
