//! Passwords: the policy a new password must meet, Argon2id hashing and verification, and
//! the two registry operations built on them (`set_password`, `authenticate_password`).
//!
//! Hashes are Argon2id v19, m=19456 KiB, t=2, p=1 (OWASP's first recommended setting),
//! stored as PHC strings, so stronger parameters later need no schema change: verification
//! reads them from the stored string. Hashing costs ~19 MiB and tens of milliseconds of
//! CPU, so it runs on the blocking pool behind a small semaphore: a burst of sign-ins
//! queues instead of exhausting memory or starving the async workers. It never runs
//! inside a write transaction (SQLite has one writer).
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::names::UserName;
use crate::store::users as store;
use crate::user::{Actor, Password};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use serde_json::json;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// Shortest password accepted (ASVS 2.1.1).
pub const MIN_LEN: usize = 12;
/// Longest password accepted: long enough for any passphrase or manager, short enough
/// that a request cannot make hashing read megabytes.
pub const MAX_LEN: usize = 256;

/// How many hashes may run at once (each holds ~19 MiB for tens of milliseconds).
static HASHING: Semaphore = Semaphore::const_new(2);

const COMMON: &str = include_str!("common-passwords.txt");

fn argon2() -> Argon2<'static> {
    // Spelled out rather than `Argon2::default()`, so a change of the crate's defaults
    // cannot silently change what is stored.
    let params = Params::new(19_456, 2, 1, None).expect("static Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether `password` may be set for the user `name`: its length, not the user's name,
/// not a well-known password. The refusal says which rule failed, never the password.
pub fn check_policy(name: &UserName, password: &Password) -> Result<()> {
    let pw = password.expose();
    let len = pw.chars().count();
    if len < MIN_LEN {
        return Err(Error::invalid(format!(
            "The password must have at least {MIN_LEN} characters"
        )));
    }
    if len > MAX_LEN {
        return Err(Error::invalid(format!(
            "The password must have at most {MAX_LEN} characters"
        )));
    }
    if pw.chars().any(char::is_control) {
        return Err(Error::invalid(
            "The password must not contain control characters",
        ));
    }
    let lower = pw.to_lowercase();
    if lower == name.as_str().to_lowercase() {
        return Err(Error::invalid("The password must not be the user name"));
    }
    if is_common(&lower) {
        return Err(Error::invalid(
            "The password is too common: it appears in lists of breached passwords",
        ));
    }
    Ok(())
}

fn is_common(lower: &str) -> bool {
    COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == lower)
}

/// A random password for a new account (the operator hands it over; the user must change
/// it): 120 bits, in URL-safe letters so it survives copy and paste.
pub fn generate() -> Password {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    // 57 symbols: 21 of them carry ~122 bits.
    let s: String = (0..21)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    Password::new(s)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|_| Error::Internal("password hashing is shut down".into()))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Error::Internal("password hashing failed".into()))
}

/// The PHC string for `password`, with a fresh random salt.
pub async fn hash(password: &Password) -> Result<String> {
    let pw = password.clone();
    blocking(move || {
        argon2()
            .hash_password(pw.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|_| Error::Internal("password hashing failed".into()))
    })
    .await?
}

/// A hash of a password nobody knows, verified against when there is no real hash (an
/// unknown user, an account without a password), so that answer takes as long as a wrong
/// password and timing does not tell which names exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let pw = generate();
        argon2()
            .hash_password(pw.expose().as_bytes())
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Whether `password` matches `stored` (a PHC string); `None` spends the same work and
/// answers false.
pub async fn verify(password: &Password, stored: Option<String>) -> Result<bool> {
    let pw = password.clone();
    blocking(move || {
        let real = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_string());
        // The stored string's own parameters are used, so older hashes keep verifying.
        let ok = argon2()
            .verify_password(pw.expose().as_bytes(), phc.as_str())
            .is_ok();
        real && ok
    })
    .await
}

pub(crate) fn invalid_credentials() -> Error {
    Error::Unauthenticated("Invalid credentials".into())
}

impl Registry {
    /// Sets `name`'s password (an operator's reset, or the first one), signing the user out
    /// everywhere. `must_change` makes the next sign-in ask for a new one.
    pub async fn set_password(
        &self,
        actor: &Actor,
        name: &UserName,
        password: &Password,
        must_change: bool,
    ) -> Result<()> {
        check_policy(name, password)?;
        let phc = hash(password).await?;
        let mut w = self.begin(actor).await?;
        let user_id = store::lock(w.tx(), name).await?.ok_or_else(|| {
            Error::not_found(
                Entity::User,
                name.as_str(),
                format!("User '{name}' not found"),
            )
        })?;
        w.authorize(Action::UserSetPassword, Subject::User(name.clone()))
            .await?;
        store::set_password(w.conn(), user_id, &phc, must_change).await?;
        let ended = crate::store::sessions::delete_for_user(w.conn(), user_id, None).await?;
        w.commit(
            (),
            json!({"must_change_password": must_change, "sessions_ended": ended}),
        )
        .await?;
        Ok(())
    }

    /// The actor whose name and password these are. Unknown users, accounts without a
    /// password and wrong passwords are refused alike, after the same work.
    pub async fn authenticate_password(&self, name: &str, password: &Password) -> Result<Actor> {
        let stored = match UserName::parse(name) {
            Ok(n) => self.password_record(&n).await?.map(|r| (n, r)),
            Err(_) => None,
        };
        let (user, phc) = match stored {
            Some((n, r)) => (Some(n), r.password_hash),
            None => (None, None),
        };
        if verify(password, phc).await? {
            if let Some(user) = user {
                return Ok(Actor::new(user));
            }
        }
        Err(invalid_credentials())
    }

    pub(crate) async fn password_record(
        &self,
        name: &UserName,
    ) -> Result<Option<store::PasswordRecord>> {
        let mut conn = self.store.acquire().await?;
        store::password_record(&mut conn, name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> UserName {
        UserName::parse("alice").unwrap()
    }

    #[test]
    fn the_policy_refuses_short_named_and_common_passwords() {
        let ok = |p: &str| check_policy(&alice(), &Password::new(p));
        assert!(ok("a sturdy passphrase").is_ok());
        assert!(ok("short-pass1").is_err(), "11 characters");
        assert!(ok("").is_err());
        assert!(ok(&"x".repeat(MAX_LEN + 1)).is_err());
        assert!(check_policy(
            &UserName::parse("alice.martin.ml").unwrap(),
            &Password::new("Alice.Martin.ML")
        )
        .is_err());
        for common in [
            "password1234",
            "Password1234",
            "QWERTYUIOP123",
            "administrator",
        ] {
            let err = ok(common).unwrap_err().to_string();
            assert!(err.contains("too common"), "{common}: {err}");
        }
        assert!(ok("line\nbreak in it").is_err());
        // The message never repeats the password.
        assert!(!ok("password1234")
            .unwrap_err()
            .to_string()
            .contains("password1234"));
    }

    #[test]
    fn generated_passwords_meet_the_policy_and_differ() {
        let a = generate();
        assert_eq!(a.expose().len(), 21);
        assert!(check_policy(&alice(), &a).is_ok());
        assert_ne!(a, generate());
    }

    #[tokio::test]
    async fn the_stored_hash_is_argon2id_with_the_required_parameters() {
        let pw = Password::new("a sturdy passphrase");
        let started = std::time::Instant::now();
        let phc = hash(&pw).await.unwrap();
        eprintln!("argon2id hash: {:?}", started.elapsed());
        let parsed = argon2::password_hash::phc::PasswordHash::new(&phc).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert_eq!(parsed.version, Some(19));
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (19_456, 2, 1)
        );
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(parsed.salt.is_some_and(|s| s.len() >= 16));
        assert!(!phc.contains("sturdy"));
        // A second hash of the same password has its own salt.
        assert_ne!(phc, hash(&pw).await.unwrap());

        assert!(verify(&pw, Some(phc.clone())).await.unwrap());
        assert!(!verify(&Password::new("a sturdy passphrasE"), Some(phc))
            .await
            .unwrap());
        assert!(!verify(&pw, None).await.unwrap());
    }
}
