//! The dashboard's error: the domain error by meaning, plus transport failures. Mapped from
//! `pedigree_core::Error` once, here.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum UiError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Denied(String),
    #[error("{0}")]
    Conflict(String),
    #[error(
        "Something went wrong on the server. Try again; if it persists, check the server log."
    )]
    Internal,
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl UiError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, UiError::NotFound(_))
    }
}

impl From<pedigree_core::Error> for UiError {
    fn from(e: pedigree_core::Error) -> Self {
        use pedigree_core::Error as E;
        match e {
            E::NotFound(m) => UiError::NotFound(m),
            E::InvalidArgument(m) => UiError::Invalid(m),
            E::Unauthenticated(m) | E::PermissionDenied(m) => UiError::Denied(m),
            E::AlreadyExists(m) | E::FailedPrecondition(m) => UiError::Conflict(m),
            E::Unavailable(m) => UiError::Transport(m),
            E::Internal(_) => UiError::Internal,
        }
    }
}

impl FromServerFnError for UiError {
    type Encoder = JsonEncoding;
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        UiError::Transport(value.to_string())
    }
}
