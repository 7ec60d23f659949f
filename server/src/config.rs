//! Typed, layered configuration: defaults → a TOML file → `PEDIGREE_*` environment →
//! command-line flags. Secrets (the database URL's password) are redacted when printed.
use crate::shell::hosts::HostPattern;
use pedigree_core::access::{BaseRoles, Role};
use pedigree_core::location::ExternalRoots;
use pedigree_core::store::DatabaseUrl;
use pedigree_core::user::Password;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The resolved configuration, in the sections the TOML file has.
#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the SQLite file (unless a database URL is given) and the blobs.
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    /// Where the metadata lives; its password is redacted wherever it is printed.
    pub database_url: DatabaseUrl,
    pub auth: AuthConfig,
    /// Registry behaviour: Production policy of new models, unowned artifact paths.
    pub registry: pedigree_core::service::Settings,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub host: IpAddr,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// Where the compiled site (`pkg/pedigree.{js,wasm,css}`) is served from.
    pub site_root: PathBuf,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The names a request's `Host` may carry besides the loopback ones (DNS rebinding);
    /// empty: the defaults `crate::shell::hosts` describes.
    pub allowed_hosts: Vec<HostPattern>,
    /// How long a request may take to produce its response head (an upload: how long its
    /// body may stall between chunks).
    pub request_timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Refuse API requests without credentials (otherwise they act as `anonymous`).
    pub require_auth: bool,
    /// The administrator startup creates when there is none (`admin` by default).
    pub bootstrap_admin: pedigree_core::UserName,
    /// Its password; without one, startup generates a one-time password. Redacted in
    /// `Debug`.
    pub bootstrap_admin_password: Option<Password>,
}

/// One layer: every field optional, so layers can be merged; the TOML file's shape.
///
/// ```toml
/// data_dir = "/var/lib/pedigree"
/// [server]
/// host = "0.0.0.0"
/// port = 3000
/// allowed_hosts = ["pedigree.example.com"]
/// request_timeout_secs = 60
/// [database]
/// url = "postgres://pedigree:secret@db/pedigree"
/// [auth]
/// require_auth = true
/// default_role = "contributor"     # signed-in users without grants; or "none", "viewer"…
/// anonymous_role = "contributor"   # requests without credentials: "none", "viewer", "contributor"
/// bootstrap_admin = "admin"           # created at startup when no administrator exists
/// bootstrap_admin_password = "…"      # without it, a one-time password is generated
/// [registry]
/// single_production = true
/// allow_unowned_artifacts = false
/// allow_external_promotion = false
/// external_artifact_roots = []   # e.g. ["s3://ml-bucket/experiments"], or ["*"]
/// review_gate = true              # false: plain MLflow stage semantics (no review queue)
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub data_dir: Option<PathBuf>,
    #[serde(default)]
    pub server: ServerLayer,
    #[serde(default)]
    pub database: DatabaseLayer,
    #[serde(default)]
    pub auth: AuthLayer,
    #[serde(default)]
    pub registry: RegistryLayer,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerLayer {
    pub host: Option<IpAddr>,
    pub port: Option<u16>,
    pub site_root: Option<PathBuf>,
    pub max_body_bytes: Option<usize>,
    pub allowed_hosts: Option<Vec<String>>,
    pub request_timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseLayer {
    /// Parsed as it is read, so even a layer prints the URL with its password redacted.
    pub url: Option<DatabaseUrl>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthLayer {
    pub require_auth: Option<bool>,
    /// What a signed-in user without grants may do: a role or `none`.
    pub default_role: Option<String>,
    /// What a request without credentials may do: `none`, `viewer` or `contributor`.
    pub anonymous_role: Option<String>,
    pub bootstrap_admin: Option<String>,
    pub bootstrap_admin_password: Option<Password>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryLayer {
    pub single_production: Option<bool>,
    pub allow_unowned_artifacts: Option<bool>,
    /// Whether versions with an external source may enter Staging or Production.
    pub allow_external_promotion: Option<bool>,
    /// The stores a client may point a new experiment's artifact location into (see
    /// `pedigree_core::location`); none by default.
    pub external_artifact_roots: Option<Vec<String>>,
    /// Whether entering a model's gated stages takes a reviewed transition request.
    pub review_gate: Option<bool>,
}

impl Layer {
    /// Fields set in `over` win.
    pub fn merge(self, over: Layer) -> Layer {
        Layer {
            data_dir: over.data_dir.or(self.data_dir),
            server: ServerLayer {
                host: over.server.host.or(self.server.host),
                port: over.server.port.or(self.server.port),
                site_root: over.server.site_root.or(self.server.site_root),
                max_body_bytes: over.server.max_body_bytes.or(self.server.max_body_bytes),
                allowed_hosts: over.server.allowed_hosts.or(self.server.allowed_hosts),
                request_timeout_secs: over
                    .server
                    .request_timeout_secs
                    .or(self.server.request_timeout_secs),
            },
            database: DatabaseLayer {
                url: over.database.url.or(self.database.url),
            },
            auth: AuthLayer {
                require_auth: over.auth.require_auth.or(self.auth.require_auth),
                default_role: over.auth.default_role.or(self.auth.default_role),
                anonymous_role: over.auth.anonymous_role.or(self.auth.anonymous_role),
                bootstrap_admin: over.auth.bootstrap_admin.or(self.auth.bootstrap_admin),
                bootstrap_admin_password: over
                    .auth
                    .bootstrap_admin_password
                    .or(self.auth.bootstrap_admin_password),
            },
            registry: RegistryLayer {
                single_production: over
                    .registry
                    .single_production
                    .or(self.registry.single_production),
                allow_unowned_artifacts: over
                    .registry
                    .allow_unowned_artifacts
                    .or(self.registry.allow_unowned_artifacts),
                allow_external_promotion: over
                    .registry
                    .allow_external_promotion
                    .or(self.registry.allow_external_promotion),
                external_artifact_roots: over
                    .registry
                    .external_artifact_roots
                    .or(self.registry.external_artifact_roots),
                review_gate: over.registry.review_gate.or(self.registry.review_gate),
            },
        }
    }

    /// A layer that sets only the data directory (tests and flags build on it).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Layer {
        self.data_dir = Some(dir.into());
        self
    }

    pub fn port(mut self, port: u16) -> Layer {
        self.server.port = Some(port);
        self
    }

    pub fn database_url(mut self, url: &str) -> Result<Layer, String> {
        self.database.url = Some(DatabaseUrl::parse(url).map_err(|e| e.to_string())?);
        Ok(self)
    }

    pub fn review_gate(mut self, on: bool) -> Layer {
        self.registry.review_gate = Some(on);
        self
    }

    pub fn require_auth(mut self, on: bool) -> Layer {
        self.auth.require_auth = Some(on);
        self
    }

    /// The first administrator's name and password (see `AuthConfig`).
    pub fn bootstrap_admin(mut self, name: &str, password: &str) -> Layer {
        self.auth.bootstrap_admin = Some(name.to_string());
        self.auth.bootstrap_admin_password = Some(Password::new(password));
        self
    }

    pub fn allowed_hosts(mut self, hosts: &[&str]) -> Layer {
        self.server.allowed_hosts = Some(hosts.iter().map(|h| h.to_string()).collect());
        self
    }

    pub fn from_file(path: &Path) -> Result<Layer, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("invalid config file {}: {e}", path.display()))
    }

    /// `PEDIGREE_DATA`, `PEDIGREE_HOST`, `PEDIGREE_PORT`, `PEDIGREE_DATABASE_URL`,
    /// `PEDIGREE_SITE_ROOT`, `PEDIGREE_MAX_BODY_BYTES`, `PEDIGREE_ALLOWED_HOSTS` (comma-separated),
    /// `PEDIGREE_REQUEST_TIMEOUT_SECS`, `PEDIGREE_REQUIRE_AUTH`, `PEDIGREE_BOOTSTRAP_ADMIN`,
    /// `PEDIGREE_BOOTSTRAP_ADMIN_PASSWORD`,
    /// `PEDIGREE_SINGLE_PRODUCTION`, `PEDIGREE_ALLOW_UNOWNED_ARTIFACTS`,
    /// `PEDIGREE_ALLOW_EXTERNAL_PROMOTION`, `PEDIGREE_EXTERNAL_ARTIFACT_ROOTS` (comma-separated),
    /// `PEDIGREE_REVIEW_GATE`, `PEDIGREE_DEFAULT_ROLE`, `PEDIGREE_ANONYMOUS_ROLE`.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Layer, String> {
        fn parse<T: std::str::FromStr>(name: &str, v: Option<String>) -> Result<Option<T>, String> {
            v.filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<T>()
                        .map_err(|_| format!("{name}: cannot parse '{s}'"))
                })
                .transpose()
        }
        let url = get("PEDIGREE_DATABASE_URL")
            .filter(|s| !s.is_empty())
            .map(|u| DatabaseUrl::parse(&u).map_err(|e| format!("PEDIGREE_DATABASE_URL: {e}")))
            .transpose()?;
        Ok(Layer {
            data_dir: get("PEDIGREE_DATA")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            server: ServerLayer {
                host: parse("PEDIGREE_HOST", get("PEDIGREE_HOST"))?,
                port: parse("PEDIGREE_PORT", get("PEDIGREE_PORT"))?,
                site_root: get("PEDIGREE_SITE_ROOT")
                    .or_else(|| get("LEPTOS_SITE_ROOT"))
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from),
                max_body_bytes: parse("PEDIGREE_MAX_BODY_BYTES", get("PEDIGREE_MAX_BODY_BYTES"))?,
                allowed_hosts: get("PEDIGREE_ALLOWED_HOSTS")
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.split(',').map(|h| h.trim().to_string()).collect()),
                request_timeout_secs: parse(
                    "PEDIGREE_REQUEST_TIMEOUT_SECS",
                    get("PEDIGREE_REQUEST_TIMEOUT_SECS"),
                )?,
            },
            database: DatabaseLayer { url },
            auth: AuthLayer {
                require_auth: parse("PEDIGREE_REQUIRE_AUTH", get("PEDIGREE_REQUIRE_AUTH"))?,
                default_role: get("PEDIGREE_DEFAULT_ROLE").filter(|s| !s.is_empty()),
                anonymous_role: get("PEDIGREE_ANONYMOUS_ROLE").filter(|s| !s.is_empty()),
                bootstrap_admin: get("PEDIGREE_BOOTSTRAP_ADMIN").filter(|s| !s.is_empty()),
                bootstrap_admin_password: get("PEDIGREE_BOOTSTRAP_ADMIN_PASSWORD")
                    .filter(|s| !s.is_empty())
                    .map(Password::new),
            },
            registry: RegistryLayer {
                single_production: parse(
                    "PEDIGREE_SINGLE_PRODUCTION",
                    get("PEDIGREE_SINGLE_PRODUCTION"),
                )?,
                allow_unowned_artifacts: parse(
                    "PEDIGREE_ALLOW_UNOWNED_ARTIFACTS",
                    get("PEDIGREE_ALLOW_UNOWNED_ARTIFACTS"),
                )?,
                allow_external_promotion: parse(
                    "PEDIGREE_ALLOW_EXTERNAL_PROMOTION",
                    get("PEDIGREE_ALLOW_EXTERNAL_PROMOTION"),
                )?,
                external_artifact_roots: get("PEDIGREE_EXTERNAL_ARTIFACT_ROOTS")
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.split(',').map(|r| r.trim().to_string()).collect()),
                review_gate: parse("PEDIGREE_REVIEW_GATE", get("PEDIGREE_REVIEW_GATE"))?,
            },
        })
    }

    /// Fills the defaults.
    pub fn resolve(self) -> Result<Config, String> {
        let data_dir = self
            .data_dir
            .unwrap_or_else(|| PathBuf::from("pedigree-data"));
        let database_url = self
            .database
            .url
            .unwrap_or_else(|| DatabaseUrl::sqlite_in(&data_dir));
        let allowed_hosts = self
            .server
            .allowed_hosts
            .unwrap_or_default()
            .iter()
            .filter(|h| !h.trim().is_empty())
            .map(|h| HostPattern::parse(h).map_err(|e| format!("allowed_hosts: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let external_artifact_roots = ExternalRoots::parse(
            self.registry
                .external_artifact_roots
                .unwrap_or_default()
                .iter()
                .filter(|r| !r.trim().is_empty()),
        )
        .map_err(|e| format!("external_artifact_roots: {e}"))?;
        let role = |name: &str, v: Option<String>| {
            v.map(|r| Role::parse_base(&r).map_err(|e| format!("{name}: {e}")))
                .transpose()
        };
        let base_roles = BaseRoles::new(
            role("default_role", self.auth.default_role)?.unwrap_or(Some(Role::Contributor)),
            role("anonymous_role", self.auth.anonymous_role)?.unwrap_or(Some(Role::Contributor)),
        )
        .map_err(|e| format!("anonymous_role: {e}"))?;
        let bootstrap_admin =
            pedigree_core::UserName::parse(self.auth.bootstrap_admin.as_deref().unwrap_or("admin"))
                .map_err(|e| format!("bootstrap_admin: {e}"))?;
        let timeout = self.server.request_timeout_secs.unwrap_or(60);
        if timeout == 0 {
            return Err("request_timeout_secs: must be at least 1".into());
        }
        Ok(Config {
            server: ServerConfig {
                host: self.server.host.unwrap_or(IpAddr::from([127, 0, 0, 1])),
                port: self.server.port.unwrap_or(3000),
                site_root: self.server.site_root.unwrap_or_else(default_site_root),
                max_body_bytes: self.server.max_body_bytes.unwrap_or(5 * 1024 * 1024 * 1024),
                allowed_hosts,
                request_timeout: Duration::from_secs(timeout),
            },
            database_url,
            auth: AuthConfig {
                require_auth: self.auth.require_auth.unwrap_or(false),
                bootstrap_admin,
                bootstrap_admin_password: self.auth.bootstrap_admin_password,
            },
            registry: pedigree_core::service::Settings {
                single_production_default: self.registry.single_production.unwrap_or(true),
                allow_unowned_artifacts: self.registry.allow_unowned_artifacts.unwrap_or(false),
                allow_external_promotion: self.registry.allow_external_promotion.unwrap_or(false),
                external_artifact_roots,
                base_roles,
                review_gate: self.registry.review_gate.unwrap_or(true),
            },
            data_dir,
        })
    }
}

/// `target/site` next to the binary's profile directory when it exists (a checkout),
/// otherwise `./target/site`.
fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.parent()
                .and_then(|p| p.parent())
                .map(|t| t.join("site"))
        })
        .filter(|p| p.join("pkg").is_dir())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

#[cfg(test)]
mod tests;
