//! The dashboard's error: the domain error by meaning, plus transport failures. Mapped from
//! `pedigree_core::Error` once, here, and to an HTTP status once, here.
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

    /// The HTTP status a server-rendered page answers with when it shows this error, so a
    /// missing model is a real 404 to crawlers, scripts and tests, not a 200 saying so.
    pub fn status(&self) -> u16 {
        match self {
            UiError::NotFound(_) => 404,
            UiError::Invalid(_) => 400,
            UiError::Denied(_) => 403,
            UiError::Conflict(_) => 409,
            UiError::Internal => 500,
            UiError::Transport(_) => 503,
        }
    }
}

impl From<pedigree_core::Error> for UiError {
    /// Also sets the status of the response being made (a server function's reply, or a
    /// page being rendered) to the error's, so a refusal is a 403 and bad input a 400 to
    /// every client, not the 500 server functions answer by default.
    fn from(e: pedigree_core::Error) -> Self {
        let ui = UiError::map(e);
        crate::components::set_status(ui.status());
        ui
    }
}

impl UiError {
    fn map(e: pedigree_core::Error) -> Self {
        use pedigree_core::Error as E;
        match e {
            e @ E::NotFound { .. } => UiError::NotFound(e.to_string()),
            E::InvalidArgument(m) => UiError::Invalid(m),
            E::Unauthenticated(m) | E::PermissionDenied(m) => UiError::Denied(m),
            e @ E::AlreadyExists { .. } => UiError::Conflict(e.to_string()),
            E::FailedPrecondition(m) => UiError::Conflict(m),
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
