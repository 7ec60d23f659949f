//! Users and API tokens: the identity behind every actor. Tokens are 256-bit random secrets
//! shown once; only their SHA-256 is stored. The SQL is in `store::users`.
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::names::UserName;
use crate::store::or_exists;
use crate::store::users as store;
use crate::time::now_millis;
use crate::user::{Actor, IssuedToken, User};
use serde_json::json;
use sha2::Digest;

/// The prefix of every Pedigree token, so leaked tokens are recognisable by scanners.
pub const TOKEN_PREFIX: &str = "pdg_";

fn token_hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

fn user_not_found(name: &UserName) -> Error {
    Error::not_found(
        Entity::User,
        name.as_str(),
        format!("User '{name}' not found"),
    )
}

impl Registry {
    pub async fn create_user(
        &self,
        actor: &Actor,
        name: UserName,
        display_name: String,
        is_admin: bool,
    ) -> Result<User> {
        let user = User {
            name,
            display_name,
            is_admin,
            created_at: now_millis(),
        };
        let mut w = self.begin(actor).await?;
        w.authorize(Action::UserCreate, Subject::User(user.name.clone()))
            .await?;
        store::insert(w.conn(), &user).await.map_err(|e| {
            or_exists(e, Entity::User, user.name.as_str(), || {
                format!("User '{}' already exists.", user.name)
            })
        })?;
        w.commit(
            (),
            json!({"display_name": user.display_name, "is_admin": user.is_admin}),
        )
        .await?;
        Ok(user)
    }

    pub async fn get_user(&self, name: &UserName) -> Result<User> {
        let mut conn = self.store.acquire().await?;
        store::get(&mut conn, name)
            .await?
            .ok_or_else(|| user_not_found(name))
    }

    /// Issues a new token for `user`; the secret is returned once and never stored.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        user: &UserName,
        label: &str,
    ) -> Result<IssuedToken> {
        use rand::RngCore;
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let secret = format!("{TOKEN_PREFIX}{}", hex::encode(raw));
        let mut w = self.begin(actor).await?;
        let user_id = store::lock(w.tx(), user)
            .await?
            .ok_or_else(|| user_not_found(user))?;
        w.authorize(Action::TokenIssue, Subject::User(user.clone()))
            .await?;
        let id = store::insert_token(w.conn(), user_id, label, &token_hash(&secret), now_millis())
            .await?;
        w.commit((), json!({"token_id": id, "label": label}))
            .await?;
        Ok(IssuedToken {
            id,
            user: user.clone(),
            secret,
        })
    }

    pub async fn revoke_token(&self, actor: &Actor, token_id: i64) -> Result<()> {
        let mut w = self.begin(actor).await?;
        if !store::lock_active_token(w.tx(), token_id).await? {
            return Err(Error::not_found(
                Entity::Token,
                token_id.to_string(),
                format!("No active token with id {token_id}"),
            ));
        }
        w.authorize(Action::TokenRevoke, Subject::Token(token_id))
            .await?;
        store::revoke_token(w.conn(), token_id, now_millis()).await?;
        w.commit((), ()).await?;
        Ok(())
    }

    /// The actor a bearer secret stands for; revoked and unknown tokens are refused alike.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Actor> {
        let mut conn = self.store.acquire().await?;
        store::user_for_token(&mut conn, &token_hash(secret))
            .await?
            .map(Actor::new)
            .ok_or_else(|| Error::Unauthenticated("Invalid or revoked API token".into()))
    }
}
