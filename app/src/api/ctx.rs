//! What a server function starts from: the registry the server provided and the actor the
//! request acts as. Server functions take both from here and nowhere else, so when sign-in
//! arrives only [`current_actor`] changes.
use crate::error::UiError;
use leptos::prelude::use_context;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use pedigree_core::UserName;

/// The registry and who is asking.
pub struct Ctx {
    pub registry: Registry,
    /// Who every change made through this request is recorded under in the audit log.
    pub actor: Actor,
}

/// The context of the current server-function call or page render.
pub fn ctx() -> Result<Ctx, UiError> {
    // The server provides the registry to every page render and server function (see
    // `server/src/routes.rs`); missing, it is a wiring bug, not the caller's fault.
    let registry = use_context::<Registry>().ok_or(UiError::Internal)?;
    Ok(Ctx {
        registry,
        actor: current_actor()?,
    })
}

/// The dashboard has no sign-in yet, so every request acts as `anonymous`, the same user
/// the MLflow API records requests without credentials under. Sessions will resolve the
/// signed-in user here.
fn current_actor() -> Result<Actor, UiError> {
    Ok(Actor::new(UserName::parse("anonymous")?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn without_a_session_the_actor_is_anonymous() {
        assert_eq!(super::current_actor().unwrap().name(), "anonymous");
    }

    #[test]
    fn without_a_registry_the_context_is_an_internal_error() {
        let owner = leptos::prelude::Owner::new();
        owner.with(|| assert!(matches!(super::ctx(), Err(crate::error::UiError::Internal))));
    }
}
