//! Users and API tokens: the identity behind every actor. Tokens are 256-bit random secrets
//! shown once; only their SHA-256 is stored.
use super::Registry;
use crate::error::{Error, Result};
use crate::names::UserName;
use crate::store::rows::{self, json};
use crate::store::{map_sqlx, or_exists};
use crate::time::now_millis;
use crate::user::{Actor, IssuedToken, User};
use sha2::Digest;

/// The prefix of every Pedigree token, so leaked tokens are recognisable by scanners.
pub const TOKEN_PREFIX: &str = "pdg_";

fn token_hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

impl Registry {
    pub async fn create_user(
        &self,
        actor: &Actor,
        name: UserName,
        display_name: String,
        is_admin: bool,
    ) -> Result<User> {
        let now = now_millis();
        let mut tx = self.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (name, display_name, is_admin, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(name.as_str().to_string())
        .bind(display_name.clone())
        .bind(is_admin)
        .bind(now)
        .execute(tx.conn())
        .await
        .map_err(|e| or_exists(map_sqlx(e), || format!("User '{name}' already exists.")))?;
        let after = json(&serde_json::json!({"display_name": display_name, "is_admin": is_admin}));
        tx.audit(
            actor.name(),
            "user.create",
            format!("user:{name}"),
            "null".into(),
            after,
        )
        .await?;
        tx.commit().await?;
        Ok(User {
            name,
            display_name,
            is_admin,
            created_at: now,
        })
    }

    pub async fn get_user(&self, name: &UserName) -> Result<User> {
        let row = sqlx::query(
            "SELECT name, display_name, is_admin, created_at FROM users WHERE name = $1",
        )
        .bind(name.as_str().to_string())
        .fetch_optional(self.store.pool())
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| Error::NotFound(format!("User '{name}' not found")))?;
        Ok(User {
            name: name.clone(),
            display_name: rows::s(&row, "display_name")?,
            is_admin: rows::b(&row, "is_admin")?,
            created_at: rows::i(&row, "created_at")?,
        })
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
        let mut tx = self.store.begin_write().await?;
        let urow = sqlx::query("SELECT id FROM users WHERE name = $1")
            .bind(user.as_str().to_string())
            .fetch_optional(tx.conn())
            .await
            .map_err(map_sqlx)?
            .ok_or_else(|| Error::NotFound(format!("User '{user}' not found")))?;
        let row = sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(rows::i(&urow, "id")?)
            .bind(label.to_string())
            .bind(token_hash(&secret))
            .bind(now_millis())
            .fetch_one(tx.conn())
            .await
            .map_err(map_sqlx)?;
        let id = rows::i(&row, "id")?;
        tx.audit(
            actor.name(),
            "token.issue",
            format!("user:{user}"),
            "null".into(),
            json(&serde_json::json!({"token_id": id, "label": label})),
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedToken {
            id,
            user: user.clone(),
            secret,
        })
    }

    pub async fn revoke_token(&self, actor: &Actor, token_id: i64) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now_millis())
        .bind(token_id)
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!(
                "No active token with id {token_id}"
            )));
        }
        tx.audit(
            actor.name(),
            "token.revoke",
            format!("token:{token_id}"),
            "null".into(),
            "null".into(),
        )
        .await?;
        tx.commit().await
    }

    /// The actor a bearer secret stands for; revoked and unknown tokens are refused alike.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Actor> {
        let row = sqlx::query(
            "SELECT u.name FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash(secret))
        .fetch_optional(self.store.pool())
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| Error::Unauthenticated("Invalid or revoked API token".into()))?;
        Ok(Actor::new(rows::parsed(
            UserName::parse(rows::s(&row, "name")?),
            "user name",
        )?))
    }
}
