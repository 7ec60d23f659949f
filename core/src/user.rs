//! Users and the actor of every change.
use crate::names::UserName;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// Who is making a change. Every mutation takes one, and the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: UserName,
}

impl Actor {
    pub fn new(user: UserName) -> Self {
        Actor { user }
    }
    /// The actor for changes the server makes on its own (migrations, demo loading).
    pub fn system() -> Self {
        Actor {
            user: UserName::parse(SYSTEM).expect("static name is valid"),
        }
    }
    /// The actor of a request without credentials (`--require-auth` off).
    pub fn anonymous() -> Self {
        Actor {
            user: UserName::parse(ANONYMOUS).expect("static name is valid"),
        }
    }
    pub fn name(&self) -> &str {
        self.user.as_str()
    }
    /// Whether this is the server acting on its own (the CLI, migrations, the demo loader).
    pub fn is_system(&self) -> bool {
        self.user.as_str() == SYSTEM
    }
    /// Whether this is the actor of a request without credentials (`--require-auth` off).
    pub fn is_anonymous(&self) -> bool {
        self.user.as_str() == ANONYMOUS
    }
}

/// The name the server gives a request without credentials.
pub const ANONYMOUS: &str = "anonymous";
/// The name the server acts under on its own. Both names are reserved: no user has them.
pub const SYSTEM: &str = "system";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: UserName,
    pub display_name: String,
    pub is_admin: bool,
    pub created_at: Millis,
}

/// A freshly created API token: the secret is shown once and only its hash is stored.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    pub id: i64,
    pub user: UserName,
    pub secret: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("id", &self.id)
            .field("user", &self.user)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// A password as typed: never printed, never serialized (only deserialized from a request
/// body or the configuration), compared and hashed only by `service::passwords`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Password(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A user as the account list shows it: whether a password is set and must be changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub user: User,
    pub has_password: bool,
    pub must_change_password: bool,
}

/// An API token as listed: never its secret or hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: i64,
    pub user: UserName,
    pub label: String,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

#[cfg(test)]
mod tests {
    use super::Actor;

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let p = super::Password::new("correct horse battery staple");
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn the_server_actors_have_valid_names() {
        assert!(Actor::anonymous().is_anonymous());
        assert_eq!(Actor::system().name(), "system");
        assert!(!Actor::system().is_anonymous());
    }
}
