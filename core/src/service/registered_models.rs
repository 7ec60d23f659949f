//! Registered models: create, read, list, rename, describe, the single-Production policy,
//! delete, tags and aliases. The rules and the order of steps live here; the SQL is
//! `store::models`'s. Every change locks the model and reads what it depends on under
//! that lock, inside its write transaction (see `write`).
use super::cache::Key as CacheKey;
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::holders::HowMoved;
use crate::names::{AliasName, ModelName, Tag, Version};
use crate::registered_model::{ModelSummary, RegisteredModel};
use crate::store::models::{self, aliases};
use crate::store::{holders, versions};
use crate::user::Actor;
use serde_json::json;

impl Registry {
    pub async fn create_registered_model(
        &self,
        actor: &Actor,
        name: ModelName,
        description: String,
        tags: Vec<Tag>,
    ) -> Result<RegisteredModel> {
        let mut w = self.begin(actor).await?;
        // Nothing to lock yet: the name's unique index refuses a concurrent twin.
        w.authorize(
            Action::RegisteredModelCreate,
            Subject::RegisteredModel(name.clone()),
        )
        .await?;
        let id = models::insert(
            w.conn(),
            &name,
            &description,
            self.now(),
            self.settings.single_production_default,
        )
        .await?;
        for t in &tags {
            models::set_tag(w.conn(), id, t).await?;
        }
        w.commit(
            (),
            json!({"name": name, "description": description, "tags": tags}),
        )
        .await?;
        self.get_registered_model(&name).await
    }

    pub async fn get_registered_model(&self, name: &ModelName) -> Result<RegisteredModel> {
        let key = CacheKey::Model(name.clone());
        let weight =
            |m: &RegisteredModel| 4 + m.tags.len() + m.aliases.len() + m.latest_versions.len() * 4;
        self.cache
            .read(key, weight, async {
                let mut conn = self.store.acquire().await?;
                models::get(&mut conn, name).await
            })
            .await
    }

    /// Every model with its version count, current Production and Staging versions and
    /// aliases: two queries whatever the number of models.
    pub async fn list_model_summaries(&self) -> Result<Vec<ModelSummary>> {
        let mut conn = self.store.acquire().await?;
        models::summaries(&mut conn).await
    }

    /// The summaries of the models `actor` may read (`None` reads as anonymous): what the
    /// dashboard's model list shows, so no one is offered a model they would be refused.
    pub async fn model_summaries_for(
        &self,
        actor: Option<&crate::user::Actor>,
    ) -> Result<Vec<ModelSummary>> {
        let scope = self.scope_of(actor).await?;
        let mut all = self.list_model_summaries().await?;
        all.retain(|m| scope.allows(m.name.as_str()));
        Ok(all)
    }

    /// Every registered model with tags, aliases and latest versions, in five queries
    /// whatever the number of models (registered-model search reads this).
    pub(crate) async fn registered_models_bulk(&self) -> Result<Vec<RegisteredModel>> {
        let mut conn = self.store.acquire().await?;
        models::all(&mut conn).await
    }

    pub async fn rename_registered_model(
        &self,
        actor: &Actor,
        name: &ModelName,
        new_name: ModelName,
    ) -> Result<RegisteredModel> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        w.authorize(
            Action::RegisteredModelRename,
            Subject::RegisteredModel(name.clone()),
        )
        .await?;
        models::rename(w.conn(), m.id, &new_name, self.now()).await?;
        w.commit(name, &new_name).await?;
        self.get_registered_model(&new_name).await
    }

    pub async fn update_registered_model(
        &self,
        actor: &Actor,
        name: &ModelName,
        description: String,
    ) -> Result<RegisteredModel> {
        let mut w = self.begin(actor).await?;
        // `before` is the description read under the lock, not one read before it.
        let m = models::lock(w.tx(), name).await?;
        w.authorize(
            Action::RegisteredModelUpdate,
            Subject::RegisteredModel(name.clone()),
        )
        .await?;
        models::set_description(w.conn(), m.id, &description, self.now()).await?;
        w.commit(&m.description, &description).await?;
        self.get_registered_model(name).await
    }

    /// Sets whether the model allows a single Production version. Turning it on fails while
    /// more than one version is in Production.
    pub async fn set_production_policy(
        &self,
        actor: &Actor,
        name: &ModelName,
        single: bool,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        w.authorize(
            Action::RegisteredModelSetPolicy,
            Subject::RegisteredModel(name.clone()),
        )
        .await?;
        models::set_single_production(w.conn(), name, m.id, single).await?;
        w.commit(
            json!({"single_production": m.single_production}),
            json!({"single_production": single}),
        )
        .await?;
        Ok(())
    }

    pub async fn delete_registered_model(&self, actor: &Actor, name: &ModelName) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        // Read under the lock, so the audit records exactly what this delete removed.
        let before = models::get(w.conn(), name).await?;
        w.authorize(
            Action::RegisteredModelDelete,
            Subject::RegisteredModel(name.clone()),
        )
        .await?;
        models::delete(w.conn(), m.id).await?;
        let versions: Vec<_> = before
            .latest_versions
            .iter()
            .map(|v| (v.version, v.stage))
            .collect();
        w.commit(
            json!({
                "description": before.description, "tags": before.tags,
                "aliases": before.aliases, "versions": versions,
            }),
            (),
        )
        .await?;
        Ok(())
    }

    pub async fn set_registered_model_tag(
        &self,
        actor: &Actor,
        name: &ModelName,
        tag: Tag,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        w.authorize(
            Action::RegisteredModelSetTag,
            Subject::RegisteredModel(name.clone()),
        )
        .await?;
        models::set_tag(w.conn(), m.id, &tag).await?;
        models::touch(w.conn(), m.id, self.now()).await?;
        w.commit((), &tag).await?;
        Ok(())
    }

    pub async fn delete_registered_model_tag(
        &self,
        actor: &Actor,
        name: &ModelName,
        key: &str,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        w.authorize(
            Action::RegisteredModelDeleteTag,
            Subject::RegisteredModel(name.clone()),
        )
        .await?;
        // Dropping `w` on the error rolls back; nothing was changed anyway.
        if !models::delete_tag(w.conn(), m.id, key).await? {
            return Err(Error::not_found(
                Entity::Tag,
                key,
                format!("No tag with name: {key} in registered model {name}"),
            ));
        }
        w.commit(key, ()).await?;
        Ok(())
    }

    /// Points `alias` at `version`, moving it if it pointed elsewhere.
    pub async fn set_alias(
        &self,
        actor: &Actor,
        name: &ModelName,
        alias: AliasName,
        version: Version,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        // The version must exist now, under the lock (a concurrent delete waits for us).
        versions::id(w.conn(), m.id, name, version).await?;
        let before = aliases::target(w.conn(), m.id, &alias).await?;
        let need = self.alias_need(&mut w, &m, name, &alias).await?;
        w.authorize_as(
            Action::AliasSet,
            Subject::Alias(name.clone(), alias.clone()),
            need,
        )
        .await?;
        aliases::set(w.conn(), m.id, &alias, version).await?;
        let by = actor.name().to_string();
        let mv = holders::Move {
            by: &by,
            at: self.now(),
            how: HowMoved::Direct,
            request_id: None,
        };
        holders::alias_moved(w.conn(), m.id, &alias, Some(version), mv).await?;
        models::touch(w.conn(), m.id, self.now()).await?;
        w.commit(before, version).await?;
        Ok(())
    }

    pub async fn delete_alias(
        &self,
        actor: &Actor,
        name: &ModelName,
        alias: &AliasName,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        let before = aliases::target(w.conn(), m.id, alias)
            .await?
            .ok_or_else(|| aliases::not_found(alias))?;
        let need = self.alias_need(&mut w, &m, name, alias).await?;
        w.authorize_as(
            Action::AliasDelete,
            Subject::Alias(name.clone(), alias.clone()),
            need,
        )
        .await?;
        aliases::delete(w.conn(), m.id, alias).await?;
        let by = actor.name().to_string();
        let mv = holders::Move {
            by: &by,
            at: self.now(),
            how: HowMoved::Direct,
            request_id: None,
        };
        holders::alias_moved(w.conn(), m.id, alias, None, mv).await?;
        w.commit(before, ()).await?;
        Ok(())
    }

    /// The version an alias points at (what `models:/name@alias` resolves to at load time).
    pub async fn resolve_alias(&self, name: &ModelName, alias: &AliasName) -> Result<Version> {
        let key = CacheKey::Alias(name.clone(), alias.clone());
        self.cache
            .read(key, |_| 1, async {
                let mut conn = self.store.acquire().await?;
                let id = models::id(&mut conn, name).await?;
                aliases::target(&mut conn, id, alias)
                    .await?
                    .ok_or_else(|| aliases::not_found(alias))
            })
            .await
    }
}
