//! The authorization hook every write passes through: given who acts, what they do and to
//! what, allow or refuse. Services call it inside the write transaction, after the
//! aggregate is locked and its `before` read, so a decision can depend on the current
//! state. Today's policy allows everything; governance (roles, grants, review) fills it in.
use crate::audit::{Action, Subject};
use crate::error::Result;
use crate::user::Actor;

pub trait Policy: Send + Sync + std::fmt::Debug {
    /// `Ok(())` to allow; `Err(Error::PermissionDenied(..))` saying why to refuse.
    fn authorize(&self, actor: &Actor, action: Action, subject: &Subject) -> Result<()>;
}

/// Allows every change (the behaviour before governance).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl Policy for AllowAll {
    fn authorize(&self, _actor: &Actor, _action: Action, _subject: &Subject) -> Result<()> {
        Ok(())
    }
}
