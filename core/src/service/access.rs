//! Managing who may do what: teams and their members, grants of a role to a user or a team
//! (globally or on one model), a model's owning team; and asking what role an actor holds.
//! Every change is an admin's, takes the one write path and is audited under the principal
//! it changes (`user:…` or `team:…`). The rules that decide are `crate::access`'s; the SQL
//! is `store::access`'s.
use super::write::standing_of;
use super::Registry;
use crate::access::{Grant, Need, Principal, ReadScope, Role, Scope, Team, TeamName};
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::names::{ModelName, UserName};
use crate::store::access::{self as store, GrantKey};
use crate::store::{models, or_exists, users, WriteTx};
use crate::user::Actor;
use serde_json::json;

fn team_not_found(name: &TeamName) -> Error {
    Error::not_found(
        Entity::Team,
        name.as_str(),
        format!("Team '{name}' not found"),
    )
}

fn user_not_found(name: &UserName) -> Error {
    Error::not_found(
        Entity::User,
        name.as_str(),
        format!("User '{name}' not found"),
    )
}

async fn lock_team(tx: &mut WriteTx, name: &TeamName) -> Result<i64> {
    store::lock_team(tx, name)
        .await?
        .ok_or_else(|| team_not_found(name))
}

async fn lock_user(tx: &mut WriteTx, name: &UserName) -> Result<i64> {
    users::lock(tx, name)
        .await?
        .ok_or_else(|| user_not_found(name))
}

/// Locks the principal and the scope's model and names their rows.
async fn grant_key(tx: &mut WriteTx, principal: &Principal, scope: &Scope) -> Result<GrantKey> {
    let (user_id, team_id) = match principal {
        Principal::User(u) => (Some(lock_user(tx, u).await?), None),
        Principal::Team(t) => (None, Some(lock_team(tx, t).await?)),
    };
    let model_id = match scope {
        Scope::Global => None,
        Scope::Model(m) => Some(models::lock(tx, m).await?.id),
    };
    Ok(GrantKey {
        user_id,
        team_id,
        model_id,
    })
}

impl Registry {
    pub async fn create_team(
        &self,
        actor: &Actor,
        name: TeamName,
        description: String,
    ) -> Result<Team> {
        let mut w = self.begin(actor).await?;
        w.authorize(Action::TeamCreate, Subject::Team(name.clone()))
            .await?;
        let now = self.now();
        store::insert_team(w.conn(), &name, &description, now)
            .await
            .map_err(|e| {
                or_exists(e, Entity::Team, name.as_str(), || {
                    format!("Team '{name}' already exists.")
                })
            })?;
        w.commit((), json!({"description": description})).await?;
        Ok(Team {
            name,
            description,
            created_at: now,
            members: vec![],
        })
    }

    /// Adds `user` to `team`; adding a member again changes nothing.
    pub async fn add_team_member(
        &self,
        actor: &Actor,
        team: &TeamName,
        user: &UserName,
    ) -> Result<Team> {
        let mut w = self.begin(actor).await?;
        let team_id = lock_team(w.tx(), team).await?;
        let user_id = lock_user(w.tx(), user).await?;
        w.authorize(Action::TeamAddMember, Subject::Team(team.clone()))
            .await?;
        if store::add_member(w.conn(), team_id, user_id, self.now()).await? {
            w.commit((), json!({"member": user})).await?;
        }
        self.team(team).await
    }

    pub async fn remove_team_member(
        &self,
        actor: &Actor,
        team: &TeamName,
        user: &UserName,
    ) -> Result<Team> {
        let mut w = self.begin(actor).await?;
        let team_id = lock_team(w.tx(), team).await?;
        let user_id = lock_user(w.tx(), user).await?;
        w.authorize(Action::TeamRemoveMember, Subject::Team(team.clone()))
            .await?;
        if !store::remove_member(w.conn(), team_id, user_id).await? {
            return Err(Error::not_found(
                Entity::User,
                user.as_str(),
                format!("{user} is not a member of team '{team}'"),
            ));
        }
        w.commit(json!({"member": user}), ()).await?;
        self.team(team).await
    }

    pub async fn team(&self, name: &TeamName) -> Result<Team> {
        let mut conn = self.store.acquire().await?;
        store::teams(&mut conn, Some(name))
            .await?
            .pop()
            .ok_or_else(|| team_not_found(name))
    }

    pub async fn teams(&self) -> Result<Vec<Team>> {
        let mut conn = self.store.acquire().await?;
        store::teams(&mut conn, None).await
    }

    /// Gives `principal` the `role` over `scope`, replacing what it held there.
    pub async fn grant(
        &self,
        actor: &Actor,
        principal: &Principal,
        scope: &Scope,
        role: Role,
    ) -> Result<Grant> {
        let mut w = self.begin(actor).await?;
        let key = grant_key(w.tx(), principal, scope).await?;
        let before = store::grant_role(w.conn(), key).await?;
        w.authorize(Action::GrantSet, principal.subject()).await?;
        let now = self.now();
        store::set_grant(w.conn(), key, role, actor.name(), now).await?;
        w.commit(
            json!({"scope": scope, "role": before}),
            json!({"scope": scope, "role": role}),
        )
        .await?;
        Ok(Grant {
            principal: principal.clone(),
            role,
            scope: scope.clone(),
            granted_by: actor.name().to_string(),
            granted_at: now,
        })
    }

    /// Takes back `principal`'s grant over `scope`.
    pub async fn revoke_grant(
        &self,
        actor: &Actor,
        principal: &Principal,
        scope: &Scope,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let key = grant_key(w.tx(), principal, scope).await?;
        let before = store::grant_role(w.conn(), key).await?;
        w.authorize(Action::GrantRevoke, principal.subject())
            .await?;
        let Some(before) = before else {
            return Err(Error::not_found(
                Entity::Grant,
                principal.to_string(),
                format!("{principal} holds no grant on {scope}"),
            ));
        };
        store::revoke_grant(w.conn(), key).await?;
        w.commit(json!({"scope": scope, "role": before}), ())
            .await?;
        Ok(())
    }

    /// Every grant, or those that cover one model (its own and the global ones).
    pub async fn grants(&self, model: Option<&ModelName>) -> Result<Vec<Grant>> {
        let mut conn = self.store.acquire().await?;
        store::grants(&mut conn, model).await
    }

    /// Makes `team` the owner of a model (`None`: no owner). An owned model is open only
    /// to its team's members and to grants; the base role no longer reaches it.
    pub async fn set_model_owner(
        &self,
        actor: &Actor,
        model: &ModelName,
        team: Option<&TeamName>,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), model).await?;
        let team_id = match team {
            Some(t) => Some(lock_team(w.tx(), t).await?),
            None => None,
        };
        let before = store::owner(w.conn(), m.id).await?;
        w.authorize(
            Action::RegisteredModelSetOwner,
            Subject::RegisteredModel(model.clone()),
        )
        .await?;
        store::set_owner(w.conn(), m.id, team_id).await?;
        w.commit(json!({"owner": before}), json!({"owner": team}))
            .await?;
        Ok(())
    }

    /// The team that owns a model, if any.
    pub async fn model_owner(&self, model: &ModelName) -> Result<Option<TeamName>> {
        let mut conn = self.store.acquire().await?;
        let id = models::id(&mut conn, model).await?;
        store::owner(&mut conn, id).await
    }

    /// The actor's role on `model` (or on the registry as a whole), `None` for no access.
    pub async fn role_of(&self, actor: &Actor, model: Option<&ModelName>) -> Result<Option<Role>> {
        let mut conn = self.store.acquire().await?;
        let standing = standing_of(&mut conn, actor, model).await?;
        Ok(standing.role(&self.settings.base_roles))
    }

    /// Which models the actor may read (see `ReadScope`): searches and lists keep only
    /// those, gets refuse the others.
    pub async fn read_scope(&self, actor: &Actor) -> Result<ReadScope> {
        let mut conn = self.store.acquire().await?;
        let global = standing_of(&mut conn, actor, None).await?;
        let base = &self.settings.base_roles;
        if global.system || global.admin || global.global.is_some() {
            return Ok(ReadScope {
                everything: true,
                ..ReadScope::default()
            });
        }
        let (owned, opened) = if actor.is_anonymous() {
            (store::read_facts(&mut conn, "").await?.0, vec![])
        } else {
            store::read_facts(&mut conn, actor.name()).await?
        };
        let unowned = if actor.is_anonymous() {
            base.anonymous.is_some()
        } else {
            base.signed_in.is_some()
        };
        Ok(ReadScope {
            everything: false,
            unowned,
            owned: owned.into_iter().collect(),
            opened: opened.into_iter().collect(),
        })
    }

    /// The route-level check (deny by default, see [`Need`]): refuses unless the caller
    /// (`None`: a request without any identity, treated as anonymous) holds what the
    /// route needs somewhere. Reads the database only for a signed-in caller whose base
    /// role does not already reach the need.
    pub async fn may_reach(&self, actor: Option<&Actor>, need: Need) -> Result<()> {
        if actor.is_some_and(Actor::is_system) {
            return Ok(());
        }
        let signed_in = actor.filter(|a| !a.is_anonymous());
        let base = &self.settings.base_roles;
        let (Some(actor), Some(role)) = (signed_in, need.settle(signed_in.is_some(), base)?) else {
            return Ok(());
        };
        let mut conn = self.store.acquire().await?;
        let standing = store::reach(&mut conn, actor.name()).await?;
        standing.reach(base, actor.name(), role)
    }

    /// Refuses unless the actor may read `model` (or, without one, the registry).
    pub async fn may_read(&self, actor: &Actor, model: Option<&ModelName>) -> Result<()> {
        let subject = match model {
            Some(m) => format!("registered model '{m}'"),
            None => "this registry".into(),
        };
        match self.role_of(actor, model).await? {
            Some(_) => Ok(()),
            None => Err(Error::PermissionDenied(format!(
                "{} has no role on {subject}; reading it needs viewer or above.",
                actor.name()
            ))),
        }
    }
}
