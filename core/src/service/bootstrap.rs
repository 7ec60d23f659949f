//! The first administrator. There are no default credentials: when no administrator
//! exists, startup creates one, with the password the operator gave or a random one-time
//! password that must be changed at first sign-in. The decision is taken under a lock
//! (`store::sessions::lock_bootstrap`), so servers starting together create exactly one.
use super::passwords;
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Error, Result};
use crate::names::UserName;
use crate::store::{sessions, users};
use crate::user::{Actor, Password, User};
use serde_json::json;

/// The administrator startup created.
#[derive(Debug, Clone)]
pub struct Bootstrapped {
    pub name: UserName,
    /// The generated one-time password, to show once; `None` when the operator chose it.
    pub generated: Option<Password>,
}

impl Registry {
    /// Creates the administrator `name` when no administrator exists: with `password`
    /// (policy-checked) or, without one, a generated one-time password. `None` when an
    /// administrator exists already, including one another server created a moment ago.
    pub async fn bootstrap_admin(
        &self,
        name: &UserName,
        password: Option<&Password>,
    ) -> Result<Option<Bootstrapped>> {
        {
            let mut conn = self.store.acquire().await?;
            if users::any_admin(&mut conn).await? {
                return Ok(None);
            }
        }
        let generated = password.is_none().then(passwords::generate);
        let password = password.or(generated.as_ref()).expect("one of the two");
        passwords::check_policy(name, password)?;
        let phc = passwords::hash(password).await?;

        let system = Actor::system();
        let mut w = self.begin(&system).await?;
        sessions::lock_bootstrap(w.tx()).await?;
        if users::any_admin(w.conn()).await? {
            return Ok(None);
        }
        if users::lock(w.tx(), name).await?.is_some() {
            return Err(Error::FailedPrecondition(format!(
                "User '{name}' already exists and is not an administrator"
            )));
        }
        w.authorize(Action::UserCreate, Subject::User(name.clone()))
            .await?;
        let now = self.now();
        let user = User {
            name: name.clone(),
            display_name: "Administrator".into(),
            is_admin: true,
            created_at: now,
        };
        let id = users::insert(w.conn(), &user).await?;
        let must_change = generated.is_some();
        users::set_password(w.conn(), id, &phc, must_change).await?;
        sessions::mark_bootstrapped(w.conn(), name, now).await?;
        w.commit(
            (),
            json!({
                "display_name": user.display_name,
                "is_admin": true,
                "bootstrap": true,
                "must_change_password": must_change,
            }),
        )
        .await?;
        Ok(Some(Bootstrapped {
            name: name.clone(),
            generated,
        }))
    }
}
