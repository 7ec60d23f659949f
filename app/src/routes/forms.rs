//! What the sign-in and change-password forms and the server's form handlers say to each
//! other in a redirect: the failure codes a form shows a message for, and which `next`
//! addresses a sign-in may send the browser on to. Codes, never text: a link cannot make
//! the page say something the server did not.
/// Whether `next` may be redirected to after signing in: a path on this site, never
/// another host (`//evil.example`, `/\\evil.example`) or a scheme.
pub fn safe_next(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
}

/// Why a sign-in failed, as the redirect back to the form says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInError {
    Invalid,
    Throttled,
}

impl SignInError {
    pub fn code(self) -> &'static str {
        match self {
            SignInError::Invalid => "invalid",
            SignInError::Throttled => "throttled",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [SignInError::Invalid, SignInError::Throttled]
            .into_iter()
            .find(|e| e.code() == s)
    }
    /// What the form shows.
    pub fn message(self) -> &'static str {
        match self {
            SignInError::Invalid => "Invalid credentials",
            SignInError::Throttled => {
                "Too many failed sign-ins: wait a few minutes, then try again."
            }
        }
    }
}

/// Why a password change failed, as the redirect back to the form says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    /// The current password is wrong.
    Invalid,
    /// The two new passwords differ.
    Mismatch,
    /// The new password breaks the policy.
    Policy,
    /// No session (signed out, expired).
    SignedOut,
    Throttled,
}

impl PasswordError {
    const ALL: [PasswordError; 5] = [
        PasswordError::Invalid,
        PasswordError::Mismatch,
        PasswordError::Policy,
        PasswordError::SignedOut,
        PasswordError::Throttled,
    ];
    pub fn code(self) -> &'static str {
        match self {
            PasswordError::Invalid => "invalid",
            PasswordError::Mismatch => "mismatch",
            PasswordError::Policy => "policy",
            PasswordError::SignedOut => "signed-out",
            PasswordError::Throttled => "throttled",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == s)
    }
    /// What the form shows.
    pub fn message(self) -> &'static str {
        match self {
            PasswordError::Invalid => "The current password is not right.",
            PasswordError::Mismatch => "The two new passwords differ.",
            PasswordError::Policy => {
                "The new password was refused: use at least 12 characters, not your user \
                 name and not a commonly used password."
            }
            PasswordError::SignedOut => "Your session has ended: sign in again.",
            PasswordError::Throttled => {
                "Too many failed attempts: wait a few minutes, then try again."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_followed_after_sign_in() {
        for ok in ["/", "/reviews?tab=mine", "/models/a%20b"] {
            assert!(safe_next(ok), "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
            "x",
            "/a\nb",
        ] {
            assert!(!safe_next(bad), "{bad}");
        }
        for e in [SignInError::Invalid, SignInError::Throttled] {
            assert_eq!(SignInError::from_code(e.code()), Some(e));
        }
        for e in PasswordError::ALL {
            assert_eq!(PasswordError::from_code(e.code()), Some(e));
        }
    }
}
