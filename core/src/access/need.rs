//! What a route or server function needs before its handler runs: the first of two
//! checks (deny by default). Every route the server serves is registered with one, so a
//! route nobody thought about cannot exist; the handler's core call then decides on the
//! exact subject (a model's grants, a gated stage, a protected alias).
//!
//! `Role(r)` asks whether the caller holds `r` *anywhere*: through the base role, a
//! registry-wide grant, a grant on any one model, or membership of a team that owns a
//! model. It cannot be stricter than the core's own rule for any subject, or it would
//! refuse what the core allows; it only turns away callers who could not succeed
//! whatever they named.
use super::{BaseRoles, Role, Standing};
use crate::error::{Error, Result};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Need {
    /// Nothing: health, the server's version, signing in and out, static files.
    Anyone,
    /// A signed-in user, whatever their role: their own password.
    SignedIn,
    /// At least this role somewhere in the registry.
    Role(Role),
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Need::Anyone => f.write_str("anyone"),
            Need::SignedIn => f.write_str("signed in"),
            Need::Role(r) => write!(f, "{r}"),
        }
    }
}

impl Need {
    pub const VIEWER: Need = Need::Role(Role::Viewer);
    pub const CONTRIBUTOR: Need = Need::Role(Role::Contributor);
    pub const APPROVER: Need = Need::Role(Role::Approver);
    pub const ADMIN: Need = Need::Role(Role::Admin);

    /// Decided without the database where the request alone settles it (no need, no
    /// identity, or a base role that already reaches it): `Ok(None)` met, `Err` refused;
    /// `Ok(Some(role))` when a signed-in caller's grants must be read to see whether they
    /// hold `role` somewhere. `signed_in` is false for anonymous requests and for requests
    /// without any identity.
    pub fn settle(self, signed_in: bool, base: &BaseRoles) -> Result<Option<Role>> {
        match self {
            Need::Anyone => Ok(None),
            Need::SignedIn if signed_in => Ok(None),
            Need::SignedIn => Err(Error::Unauthenticated(
                "This needs a signed-in user: sign in or send an API token.".into(),
            )),
            Need::Role(role) if !signed_in => {
                let anonymous = Standing {
                    anonymous: true,
                    ..Standing::default()
                };
                anonymous.reach(base, "anonymous", role).map(|()| None)
            }
            Need::Role(role) if base.signed_in >= Some(role) => Ok(None),
            Need::Role(role) => Ok(Some(role)),
        }
    }
}

impl Standing {
    /// `Ok` when this standing (read with [`crate::store::access::reach`], over every
    /// scope) reaches `need` somewhere; otherwise the refusal, saying who may.
    pub fn reach(&self, base: &BaseRoles, who: &str, need: Role) -> Result<()> {
        let role = if self.system || self.admin {
            Some(Role::Admin)
        } else if self.anonymous {
            base.anonymous
        } else {
            let owner = self.owner_member.then_some(Role::Contributor);
            [self.global, self.on_model, owner, base.signed_in]
                .into_iter()
                .flatten()
                .max()
        };
        if self.anonymous && need >= Role::Approver {
            return Err(Error::PermissionDenied(format!(
                "This needs the {need} role, which an anonymous request never has: sign in or send an API token."
            )));
        }
        if role >= Some(need) {
            return Ok(());
        }
        let has = match role {
            Some(r) => format!("has the {r} role at most"),
            None => "has no role anywhere in this registry".to_string(),
        };
        Err(Error::PermissionDenied(format!(
            "{who} {has}; this needs {need} or above. An admin may grant it (pedigree grant)."
        )))
    }
}
