//! Dashboard sessions: signing in with a name and password, the session a cookie's secret
//! stands for, signing out, and changing one's password.
//!
//! A session is a random 256-bit secret held by the browser; the database keeps only its
//! SHA-256, the user, and two deadlines: idle (30 minutes after the last request) and
//! absolute (12 hours after sign-in). Nothing lives in memory, so a sign-out on one server
//! is seen at once by every other server on the same database. Activity moves the idle
//! deadline at most once a minute, as bookkeeping (no audit event, no read-cache change).
//!
//! Sign-in, failed sign-in, sign-out and a password change are audit events. Failed
//! sign-ins are also counted per account and per client address (`super::throttle`).
use super::passwords::{self, invalid_credentials};
use super::throttle::{self, Scope};
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Error, Result};
use crate::names::UserName;
use crate::store::{sessions as store, users};
use crate::time::Millis;
use crate::user::{Actor, Password, ANONYMOUS};
use serde_json::json;
use sha2::Digest;
use std::net::IpAddr;

/// A session ends this long after its last request.
pub const IDLE_TIMEOUT: Millis = 30 * 60_000;
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_TIMEOUT: Millis = 12 * 3_600_000;
/// Activity is written at most this often per session.
pub const TOUCH_RESOLUTION: Millis = 60_000;

/// The secret a browser holds for its session. Never logged: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret(String);

impl SessionSecret {
    pub fn new(s: impl Into<String>) -> Self {
        SessionSecret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    fn generate() -> Self {
        use rand::RngCore;
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        SessionSecret(hex::encode(raw))
    }
    /// The session's key in the database.
    fn key(&self) -> String {
        hex::encode(sha2::Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret([redacted])")
    }
}

/// A successful sign-in: the new session's secret (for the cookie) and who it is.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub secret: SessionSecret,
    pub user: UserName,
    pub must_change_password: bool,
    pub absolute_deadline: Millis,
}

/// What a throttled operation did: it ran, or it was refused for a while.
#[derive(Debug, Clone)]
pub enum Attempt<T> {
    Done(T),
    /// Too many recent failures: try again after this many seconds.
    Throttled {
        retry_after_secs: u64,
    },
}

/// A valid session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub actor: Actor,
    pub must_change_password: bool,
    pub created_at: Millis,
    pub idle_deadline: Millis,
    pub absolute_deadline: Millis,
}

impl Registry {
    /// Signs `name` in with `password` from `client`. `previous`, the session cookie the
    /// browser sent along (if any), is ended whoever it belonged to: a session id is never
    /// carried across a sign-in. Wrong names and passwords are refused alike.
    pub async fn sign_in(
        &self,
        name: &str,
        password: &Password,
        client: Option<IpAddr>,
        previous: Option<&SessionSecret>,
    ) -> Result<Attempt<SignedIn>> {
        let scopes = throttle::scopes(name, client);
        let now = self.now();
        if let Some(retry_after_secs) = self.throttled(&scopes, now).await? {
            return Ok(Attempt::Throttled { retry_after_secs });
        }
        let parsed = UserName::parse(name).ok();
        let record = match &parsed {
            Some(n) => self.password_record(n).await?,
            None => None,
        };
        let phc = record.as_ref().and_then(|r| r.password_hash.clone());
        let ok = passwords::verify(password, phc.clone()).await?;
        let (Some(user), Some(record), true) = (parsed, record, ok) else {
            self.record_failure(name, client, &scopes, "sign_in")
                .await?;
            return Err(invalid_credentials());
        };
        let actor = Actor::new(user.clone());
        let secret = SessionSecret::generate();
        let now = self.now();
        let absolute = now + ABSOLUTE_TIMEOUT;
        let mut w = self.begin(&actor).await?;
        let Some(user_id) = users::lock(w.tx(), &user).await? else {
            return Err(invalid_credentials());
        };
        // The password verified outside the transaction must still be the one set.
        if users::password_hash(w.conn(), user_id).await? != phc {
            return Err(invalid_credentials());
        }
        w.authorize(Action::SessionSignIn, Subject::User(user.clone()))
            .await?;
        let replaced = match previous {
            Some(p) => store::delete(w.conn(), &p.key()).await?,
            None => false,
        };
        store::delete_expired(w.conn(), now).await?;
        store::insert(
            w.conn(),
            &secret.key(),
            user_id,
            now,
            now + IDLE_TIMEOUT,
            absolute,
        )
        .await?;
        store::clear_failures(w.conn(), &scopes[0].key).await?;
        let must_change = record.must_change_password.0;
        w.commit(
            (),
            json!({
                "client": client.map(|ip| ip.to_string()),
                "must_change_password": must_change,
                "replaced_session": replaced,
            }),
        )
        .await?;
        Ok(Attempt::Done(SignedIn {
            secret,
            user,
            must_change_password: must_change,
            absolute_deadline: absolute,
        }))
    }

    /// The session `secret` stands for, `None` when it is unknown or past a deadline (an
    /// expired row is removed).
    pub async fn session(&self, secret: &SessionSecret) -> Result<Option<Session>> {
        let key = secret.key();
        let row = {
            let mut conn = self.store.acquire().await?;
            store::get(&mut conn, &key).await?
        };
        let Some(row) = row else { return Ok(None) };
        let now = self.now();
        if now >= row.idle_deadline || now >= row.absolute_deadline {
            let mut hk = self.store.housekeeping().await?;
            store::delete(hk.conn(), &key).await?;
            return Ok(None);
        }
        let mut idle_deadline = row.idle_deadline;
        let since = now - TOUCH_RESOLUTION;
        if row.last_seen_at < since {
            idle_deadline = (now + IDLE_TIMEOUT).min(row.absolute_deadline);
            let noted = async {
                let mut hk = self.store.housekeeping().await?;
                store::touch(hk.conn(), &key, now, idle_deadline, since).await
            };
            if let Err(e) = noted.await {
                tracing::warn!(error = %e, "could not note a session's activity");
            }
        }
        Ok(Some(Session {
            actor: Actor::new(row.user),
            must_change_password: row.must_change_password.0,
            created_at: row.created_at,
            idle_deadline,
            absolute_deadline: row.absolute_deadline,
        }))
    }

    /// Ends the session `secret` stands for, on every server at once; whether there was one.
    pub async fn sign_out(&self, secret: &SessionSecret) -> Result<bool> {
        let key = secret.key();
        let row = {
            let mut conn = self.store.acquire().await?;
            store::get(&mut conn, &key).await?
        };
        let Some(row) = row else { return Ok(false) };
        let actor = Actor::new(row.user.clone());
        let mut w = self.begin(&actor).await?;
        if store::lock(w.tx(), &key).await?.is_none() {
            return Ok(false);
        }
        w.authorize(Action::SessionSignOut, Subject::User(row.user))
            .await?;
        store::delete(w.conn(), &key).await?;
        w.commit((), ()).await?;
        Ok(true)
    }

    /// Changes the password of the user signed in with `secret`, given the current one,
    /// and ends every other session of that user. Wrong current passwords count as failed
    /// sign-ins.
    pub async fn change_password(
        &self,
        secret: &SessionSecret,
        current: &Password,
        new: &Password,
    ) -> Result<Attempt<()>> {
        let session = self
            .session(secret)
            .await?
            .ok_or_else(|| Error::Unauthenticated("Not signed in".into()))?;
        let user = session.actor.user.clone();
        let scopes = throttle::scopes(user.as_str(), None);
        if let Some(retry_after_secs) = self.throttled(&scopes, self.now()).await? {
            return Ok(Attempt::Throttled { retry_after_secs });
        }
        let phc = self
            .password_record(&user)
            .await?
            .and_then(|r| r.password_hash);
        if !passwords::verify(current, phc).await? {
            self.record_failure(user.as_str(), None, &scopes, "change_password")
                .await?;
            return Err(invalid_credentials());
        }
        passwords::check_policy(&user, new)?;
        let new_phc = passwords::hash(new).await?;
        let mut w = self.begin(&session.actor).await?;
        let user_id = users::lock(w.tx(), &user)
            .await?
            .ok_or_else(invalid_credentials)?;
        w.authorize(Action::UserChangePassword, Subject::User(user.clone()))
            .await?;
        users::set_password(w.conn(), user_id, &new_phc, false).await?;
        let ended = store::delete_for_user(w.conn(), user_id, Some(&secret.key())).await?;
        w.commit((), json!({"other_sessions_ended": ended})).await?;
        Ok(Attempt::Done(()))
    }

    /// The failed attempt as an audit event by `anonymous`, counted against `scopes`.
    async fn record_failure(
        &self,
        name: &str,
        client: Option<IpAddr>,
        scopes: &[Scope],
        during: &str,
    ) -> Result<()> {
        // A name that is no valid user name names nobody: the event is about the anonymous
        // actor, and the name (JSON-escaped, bounded) is kept in `after` only.
        let valid = UserName::parse(name).ok();
        let subject = Subject::User(match &valid {
            Some(n) => n.clone(),
            None => UserName::parse(ANONYMOUS)?,
        });
        let mut after = json!({
            "during": during,
            "client": client.map(|ip| ip.to_string()),
        });
        if valid.is_none() {
            let shown: String = name.chars().take(throttle::MAX_NAME_CHARS).collect();
            after["name"] = json!(shown);
            after["name_truncated"] = json!(shown.len() < name.len());
        }
        let anonymous = Actor::anonymous();
        let now = self.now();
        let mut w = self.begin(&anonymous).await?;
        w.authorize(Action::SessionSignInFailed, subject).await?;
        for scope in scopes {
            store::record_failure(w.conn(), &scope.key, now).await?;
        }
        store::prune_failures(w.conn(), now - throttle::WINDOW).await?;
        w.commit((), after).await?;
        Ok(())
    }

    /// Seconds to wait when any scope has failed too often lately, `None` otherwise.
    async fn throttled(&self, scopes: &[Scope], now: Millis) -> Result<Option<u64>> {
        let mut conn = self.store.acquire().await?;
        let mut wait: Option<u64> = None;
        for scope in scopes {
            let (count, last) =
                store::failures(&mut conn, &scope.key, now - throttle::WINDOW).await?;
            if let Some(secs) = throttle::retry_after(scope.limit, count, last, now) {
                wait = Some(wait.map_or(secs, |w| w.max(secs)));
            }
        }
        Ok(wait)
    }
}
