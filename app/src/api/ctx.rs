//! What a server function starts from: the registry the server provided and the actor the
//! request acts as. Server functions take both from here and nowhere else.
//!
//! The actor is resolved by the server's request shell (`server/src/shell/auth.rs`), the
//! same code that resolves it for the MLflow API, from a token or the session cookie the
//! sign-in form set, and handed to every page render and server function as Leptos
//! context. Without credentials it is `anonymous`, unless the server requires auth: then
//! there is no actor, reads still work (as anonymous, [`Ctx::viewer`]) and [`Ctx::actor`]
//! refuses.
use crate::error::UiError;
use leptos::prelude::use_context;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;

/// The registry and who is asking.
pub struct Ctx {
    pub registry: Registry,
    actor: Option<Actor>,
}

impl Ctx {
    /// Who every change made through this request is recorded under in the audit log. A
    /// server function that writes must call this; it fails when the request carries no
    /// identity the server accepts.
    pub fn actor(&self) -> Result<&Actor, UiError> {
        required(self.actor.as_ref())
    }

    /// Who reads: the actor, `None` when the request carries no identity the server
    /// accepts (reads then see what anonymous requests see).
    pub fn viewer(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }
}

fn required(actor: Option<&Actor>) -> Result<&Actor, UiError> {
    actor.ok_or_else(|| UiError::Denied("Sign-in is required to change the registry".to_string()))
}

/// The context of the current server-function call or page render.
pub fn ctx() -> Result<Ctx, UiError> {
    // The server provides the registry to every page render and server function (see
    // `server/src/routes.rs`); missing, it is a wiring bug, not the caller's fault.
    let registry = use_context::<Registry>().ok_or(UiError::Internal)?;
    Ok(Ctx {
        registry,
        actor: use_context::<Actor>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos::prelude::{provide_context, Owner};
    use pedigree_core::UserName;

    #[test]
    fn without_a_registry_the_context_is_an_internal_error() {
        let owner = Owner::new();
        owner.with(|| assert!(matches!(super::ctx(), Err(UiError::Internal))));
    }

    #[test]
    fn the_actor_is_the_one_the_server_provided_and_none_is_refused() {
        let alice = Actor::new(UserName::parse("alice").unwrap());
        let owner = Owner::new();
        owner.with(|| {
            assert_eq!(use_context::<Actor>(), None);
            provide_context(alice.clone());
            assert_eq!(use_context::<Actor>(), Some(alice.clone()));
        });
        assert!(matches!(required(None), Err(UiError::Denied(_))));
        assert_eq!(required(Some(&alice)).unwrap(), &alice);
    }
}
