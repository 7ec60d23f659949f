//! Who may do what: the four roles, teams, grants (a role given to a user or a team, over
//! the whole registry or one registered model), and the one function that decides whether
//! an actor's standing on a subject is enough for an action ([`Standing::decide`]).
//!
//! A user's role on a model is the highest of: `admin` for an administrator; every grant
//! to them or to a team they belong to, global or on that model; `contributor` for members
//! of the team that owns the model; and the registry's base role (for signed-in users and
//! for anonymous requests, each configurable) — except on a model a team owns, which only
//! its grants and its team open. Tracking (experiments, runs, logged models, artifacts)
//! and registry-wide actions are decided on global standing alone. Anonymous requests
//! never approve, whatever the base role says.
use crate::audit::{Action, Subject};
use crate::error::{Error, Result};
use crate::names::{check_name, string_newtype, ModelName, UserName};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

mod need;
pub use need::Need;

/// A role, from least to most: each one may do everything the ones below it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Role {
    /// Reads models, versions, runs and the audit trail.
    Viewer,
    /// Logs runs, registers models and versions, moves ungated stages and unprotected
    /// aliases, opens, comments on and cancels transition requests.
    Contributor,
    /// Approves and rejects transition requests (never their own, never for a version they
    /// registered), moves protected aliases, demotes and rolls back.
    Approver,
    /// Manages users, teams, grants, tokens and model policies.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Contributor, Role::Approver, Role::Admin];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Contributor => "contributor",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    /// A base role setting: a role, or `none` (no access without a grant).
    pub fn parse_base(s: &str) -> Result<Option<Role>> {
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        s.parse().map(Some)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    /// Case-insensitive.
    fn from_str(s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "Invalid role '{s}'. Valid roles are viewer, contributor, approver, admin."
                ))
            })
    }
}

impl From<Role> for &'static str {
    fn from(r: Role) -> &'static str {
        r.as_str()
    }
}

impl TryFrom<String> for Role {
    type Error = Error;
    fn try_from(s: String) -> Result<Role> {
        s.parse()
    }
}

string_newtype!(
    /// A team's name: the same characters as a user name.
    TeamName,
    |s| {
        check_name("Team name", s, 128)?;
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(Error::invalid(format!(
                "Invalid team name '{s}': use letters, digits, '.', '_' or '-'"
            )));
        }
        Ok(())
    }
);

/// Who a grant is given to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Principal {
    User(UserName),
    Team(TeamName),
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::User(u) => write!(f, "user {u}"),
            Principal::Team(t) => write!(f, "team {t}"),
        }
    }
}

impl Principal {
    /// The audit subject a change to this principal's grants is recorded under.
    pub fn subject(&self) -> Subject {
        match self {
            Principal::User(u) => Subject::User(u.clone()),
            Principal::Team(t) => Subject::Team(t.clone()),
        }
    }
}

/// What a grant covers: the whole registry, or one registered model.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "model", rename_all = "snake_case")]
pub enum Scope {
    Global,
    Model(ModelName),
}

impl Scope {
    pub fn model(&self) -> Option<&ModelName> {
        match self {
            Scope::Global => None,
            Scope::Model(m) => Some(m),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Global => f.write_str("the whole registry"),
            Scope::Model(m) => write!(f, "registered model '{m}'"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub principal: Principal,
    pub role: Role,
    pub scope: Scope,
    pub granted_by: String,
    pub granted_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub name: TeamName,
    pub description: String,
    pub created_at: Millis,
    pub members: Vec<UserName>,
}

/// The base roles an operator chooses: what a signed-in user without any grant may do, and
/// what a request without credentials may do (never more than contributor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseRoles {
    pub signed_in: Option<Role>,
    pub anonymous: Option<Role>,
}

impl Default for BaseRoles {
    fn default() -> Self {
        BaseRoles {
            signed_in: Some(Role::Contributor),
            anonymous: Some(Role::Contributor),
        }
    }
}

impl BaseRoles {
    pub fn new(signed_in: Option<Role>, anonymous: Option<Role>) -> Result<BaseRoles> {
        if anonymous > Some(Role::Contributor) {
            return Err(Error::invalid(format!(
                "The anonymous role may be at most contributor (got {}): approving needs a name to hold to account.",
                anonymous.map_or("none", Role::as_str)
            )));
        }
        Ok(BaseRoles {
            signed_in,
            anonymous,
        })
    }
}

/// What the store found about one actor's standing on one subject (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    /// The actor is the server itself (migrations, the CLI, the demo): it may do anything.
    pub system: bool,
    pub anonymous: bool,
    pub admin: bool,
    /// The highest grant to the actor or their teams over the whole registry.
    pub global: Option<Role>,
    /// The highest grant to the actor or their teams on the subject's model.
    pub on_model: Option<Role>,
    /// The subject's model is owned by a team…
    pub model_owned: bool,
    /// …and the actor belongs to it.
    pub owner_member: bool,
}

impl Standing {
    /// The actor's role on the subject, `None` for no access.
    pub fn role(&self, base: &BaseRoles) -> Option<Role> {
        if self.system || self.admin {
            return Some(Role::Admin);
        }
        if self.anonymous {
            return if self.model_owned {
                None
            } else {
                base.anonymous
            };
        }
        let base = (!self.model_owned).then_some(base.signed_in).flatten();
        let owner = self.owner_member.then_some(Role::Contributor);
        [self.global, self.on_model, owner, base]
            .into_iter()
            .flatten()
            .max()
    }

    /// `Ok` when the actor's role reaches `need`; otherwise the refusal, saying who may.
    pub fn decide(
        &self,
        base: &BaseRoles,
        who: &str,
        need: Role,
        action: Action,
        subject: &Subject,
    ) -> Result<()> {
        let role = self.role(base);
        if self.anonymous && need >= Role::Approver {
            return Err(Error::PermissionDenied(format!(
                "{action} on {subject} needs the {need} role, which an anonymous request never has: sign in or send an API token."
            )));
        }
        if role >= Some(need) {
            return Ok(());
        }
        let on = match subject.model() {
            Some(m) => format!("registered model '{m}'"),
            None => "this registry".to_string(),
        };
        let has = match role {
            Some(r) => format!("has the {r} role on {on}"),
            None => format!("has no role on {on}"),
        };
        Err(Error::PermissionDenied(format!(
            "{who} {has}; {action} on {subject} needs {need} or above. An admin may grant it (pedigree grant)."
        )))
    }
}

/// Which registered models an actor may read, worked out once per request so searches and
/// lists can filter their results (not just gate the call).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadScope {
    /// Every model (an admin, the server itself, or a registry-wide grant).
    pub everything: bool,
    /// Models no team owns, through the base role.
    pub unowned: bool,
    /// Models that a team owns.
    pub owned: std::collections::HashSet<String>,
    /// Models opened to the actor by a grant on them or by their team owning them.
    pub opened: std::collections::HashSet<String>,
}

impl ReadScope {
    pub fn allows(&self, model: &str) -> bool {
        self.everything
            || self.opened.contains(model)
            || (self.unowned && !self.owned.contains(model))
    }

    /// `Ok` when the actor may read `model`; the refusal says what reading needs.
    pub fn check(&self, who: &str, model: &ModelName) -> Result<()> {
        if self.allows(model.as_str()) {
            return Ok(());
        }
        Err(Error::PermissionDenied(format!(
            "{who} has no role on registered model '{model}'; reading it needs viewer or above."
        )))
    }
}

/// The least role an action needs, before anything the subject's state adds (a gated
/// stage, a protected alias); `None` for what anyone may do to themselves (sign in and
/// out, change their own password). Exhaustive on purpose: a new action must be given its
/// role.
pub fn required(action: Action, subject: &Subject, actor: &str) -> Option<Role> {
    use Action as A;
    let own = matches!(subject, Subject::User(u) if u.as_str() == actor);
    Some(match action {
        A::SessionSignIn | A::SessionSignInFailed | A::SessionSignOut => return None,
        A::UserChangePassword if own => return None,
        A::UserChangePassword | A::UserSetPassword => Role::Admin,
        A::ExperimentCreate
        | A::ExperimentRename
        | A::ExperimentDelete
        | A::ExperimentRestore
        | A::ExperimentSetTag
        | A::ExperimentDeleteTag
        | A::RunCreate
        | A::RunUpdate
        | A::RunDelete
        | A::RunRestore
        | A::RunLogBatch
        | A::RunDeleteTag
        | A::RunLogInputs
        | A::RunLogOutputs
        | A::LoggedModelCreate
        | A::LoggedModelFinalize
        | A::LoggedModelSetTags
        | A::LoggedModelLogParams
        | A::LoggedModelDeleteTag
        | A::LoggedModelDelete
        | A::RegisteredModelCreate
        | A::RegisteredModelRename
        | A::RegisteredModelUpdate
        | A::RegisteredModelDelete
        | A::RegisteredModelSetTag
        | A::RegisteredModelDeleteTag
        | A::ModelVersionCreate
        | A::ModelVersionUpdate
        | A::ModelVersionTransition
        | A::ModelVersionDelete
        | A::ModelVersionSetTag
        | A::ModelVersionDeleteTag
        | A::AliasSet
        | A::AliasDelete
        | A::ArtifactPut
        | A::ArtifactDelete
        | A::ReviewOpen
        | A::ReviewCancel
        | A::ReviewComment => Role::Contributor,
        A::ReviewApprove | A::ReviewReject | A::ReviewApply | A::ModelVersionRollback => {
            Role::Approver
        }
        A::RegisteredModelSetPolicy
        | A::ReviewSetPolicy
        | A::RegisteredModelSetOwner
        | A::UserCreate
        | A::TokenRevoke
        | A::TeamCreate
        | A::TeamAddMember
        | A::TeamRemoveMember
        | A::GrantSet
        | A::GrantRevoke
        // Approving past failing required checks.
        | A::ReviewOverride => Role::Admin,
        // Anyone may issue themselves a token; issuing one for someone else is an admin's.
        A::TokenIssue if own => Role::Viewer,
        A::TokenIssue => Role::Admin,
    })
}

#[cfg(test)]
mod tests;
