//! Users and API tokens: the identity behind every actor. Tokens are 256-bit random secrets
//! shown once; only their SHA-256 is stored. A token may expire; when it was last used is
//! noted at most once a minute, as bookkeeping (no audit event, the read cache untouched).
//! The SQL is in `store::users`.
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::names::UserName;
use crate::store::or_exists;
use crate::store::users as store;
use crate::time::Millis;
use crate::user::{Account, Actor, IssuedToken, Password, TokenInfo, User};
use serde_json::json;
use sha2::Digest;

/// The prefix of every Pedigree token, so leaked tokens are recognisable by scanners.
pub const TOKEN_PREFIX: &str = "pdg_";

/// How often a token's `last_used_at` is written at most: often enough to tell a live
/// token from a forgotten one, rarely enough that busy clients cost no write per request.
pub const LAST_USED_RESOLUTION: Millis = 60_000;

pub(crate) fn token_hash(secret: &str) -> String {
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
        self.create_account(actor, name, display_name, is_admin, None, false)
            .await
    }

    /// Creates a user with a password (policy-checked), in one audited change.
    /// `must_change` makes the first sign-in ask for a new password.
    pub async fn create_user_with_password(
        &self,
        actor: &Actor,
        name: UserName,
        display_name: String,
        is_admin: bool,
        password: &Password,
        must_change: bool,
    ) -> Result<User> {
        super::passwords::check_policy(&name, password)?;
        let phc = super::passwords::hash(password).await?;
        self.create_account(actor, name, display_name, is_admin, Some(&phc), must_change)
            .await
    }

    async fn create_account(
        &self,
        actor: &Actor,
        name: UserName,
        display_name: String,
        is_admin: bool,
        phc: Option<&str>,
        must_change: bool,
    ) -> Result<User> {
        let user = User {
            name,
            display_name,
            is_admin,
            created_at: self.now(),
        };
        let mut w = self.begin(actor).await?;
        w.authorize(Action::UserCreate, Subject::User(user.name.clone()))
            .await?;
        let id = store::insert(w.conn(), &user).await.map_err(|e| {
            or_exists(e, Entity::User, user.name.as_str(), || {
                format!("User '{}' already exists.", user.name)
            })
        })?;
        let mut after = json!({"display_name": user.display_name, "is_admin": user.is_admin});
        if let Some(phc) = phc {
            store::set_password(w.conn(), id, phc, must_change).await?;
            after["password"] = json!(true);
            after["must_change_password"] = json!(must_change);
        }
        w.commit((), after).await?;
        Ok(user)
    }

    /// Every user, by name, with whether a password is set and must be changed.
    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        let mut conn = self.store.acquire().await?;
        store::list_accounts(&mut conn).await
    }

    /// Every token (of `user`, when given): never a secret or a hash.
    pub async fn list_tokens(&self, user: Option<&UserName>) -> Result<Vec<TokenInfo>> {
        let mut conn = self.store.acquire().await?;
        store::list_tokens(&mut conn, user).await
    }

    pub async fn get_user(&self, name: &UserName) -> Result<User> {
        let mut conn = self.store.acquire().await?;
        store::get(&mut conn, name)
            .await?
            .ok_or_else(|| user_not_found(name))
    }

    /// Issues a new token for `user` that does not expire; see `issue_token_expiring`.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        user: &UserName,
        label: &str,
    ) -> Result<IssuedToken> {
        self.issue_token_expiring(actor, user, label, None).await
    }

    /// Issues a new token for `user`, refused from `expires_at` on when given; the secret
    /// is returned once and never stored.
    pub async fn issue_token_expiring(
        &self,
        actor: &Actor,
        user: &UserName,
        label: &str,
        expires_at: Option<Millis>,
    ) -> Result<IssuedToken> {
        use rand::RngCore;
        let now = self.now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(Error::invalid("A token's expiry must be in the future"));
        }
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let secret = format!("{TOKEN_PREFIX}{}", hex::encode(raw));
        let mut w = self.begin(actor).await?;
        let user_id = store::lock(w.tx(), user)
            .await?
            .ok_or_else(|| user_not_found(user))?;
        w.authorize(Action::TokenIssue, Subject::User(user.clone()))
            .await?;
        let hash = token_hash(&secret);
        let id = store::insert_token(w.conn(), user_id, label, &hash, now, expires_at).await?;
        w.commit(
            (),
            json!({"token_id": id, "label": label, "expires_at": expires_at}),
        )
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
        store::revoke_token(w.conn(), token_id, self.now()).await?;
        w.commit((), ()).await?;
        Ok(())
    }

    /// The actor a bearer secret stands for. Unknown and revoked tokens are refused alike;
    /// an expired one is refused saying so (its holder needs a new one, not a retry).
    pub async fn authenticate_token(&self, secret: &str) -> Result<Actor> {
        let hash = token_hash(secret);
        let token = {
            let mut conn = self.store.acquire().await?;
            store::active_token(&mut conn, &hash).await?
        };
        let token =
            token.ok_or_else(|| Error::Unauthenticated("Invalid or revoked API token".into()))?;
        let now = self.now();
        if token.expires_at.is_some_and(|at| at <= now) {
            return Err(Error::Unauthenticated("API token expired".into()));
        }
        let since = now - LAST_USED_RESOLUTION;
        if token.last_used_at.is_none_or(|at| at < since) {
            // Bookkeeping: a failure to note it must not refuse a valid token.
            let noted = async {
                let mut hk = self.store.housekeeping().await?;
                store::touch_token(hk.conn(), token.id, now, since).await
            };
            if let Err(e) = noted.await {
                tracing::warn!(token_id = token.id, error = %e, "could not note a token's use");
            }
        }
        Ok(Actor::new(token.user))
    }
}
