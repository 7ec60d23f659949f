//! Typed, layered configuration: defaults → a TOML file → `PEDIGREE_*` environment →
//! command-line flags. Secrets (the database URL's password) are redacted when printed.
use pedigree_core::store::DatabaseUrl;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the SQLite file (unless a database URL is given) and the blobs.
    pub data_dir: PathBuf,
    pub host: IpAddr,
    /// 0 picks a free port (tests).
    pub port: u16,
    pub database_url: DatabaseUrl,
    /// Where the compiled site (`pkg/pedigree.{js,wasm,css}`) is served from.
    pub site_root: PathBuf,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Refuse API requests without credentials (otherwise they act as `anonymous`).
    pub require_auth: bool,
    /// Registry behaviour: Production policy of new models, unowned artifact paths.
    pub registry: pedigree_core::service::Settings,
}

/// One layer: every field optional, so layers can be merged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub data_dir: Option<PathBuf>,
    pub host: Option<IpAddr>,
    pub port: Option<u16>,
    pub database_url: Option<String>,
    pub site_root: Option<PathBuf>,
    pub max_body_bytes: Option<usize>,
    pub require_auth: Option<bool>,
    pub single_production: Option<bool>,
    pub allow_unowned_artifacts: Option<bool>,
}

impl Layer {
    /// Fields set in `over` win.
    pub fn merge(self, over: Layer) -> Layer {
        Layer {
            data_dir: over.data_dir.or(self.data_dir),
            host: over.host.or(self.host),
            port: over.port.or(self.port),
            database_url: over.database_url.or(self.database_url),
            site_root: over.site_root.or(self.site_root),
            max_body_bytes: over.max_body_bytes.or(self.max_body_bytes),
            require_auth: over.require_auth.or(self.require_auth),
            single_production: over.single_production.or(self.single_production),
            allow_unowned_artifacts: over
                .allow_unowned_artifacts
                .or(self.allow_unowned_artifacts),
        }
    }

    pub fn from_file(path: &Path) -> Result<Layer, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("invalid config file {}: {e}", path.display()))
    }

    /// `PEDIGREE_DATA`, `PEDIGREE_HOST`, `PEDIGREE_PORT`, `PEDIGREE_DATABASE_URL`,
    /// `PEDIGREE_SITE_ROOT`, `PEDIGREE_MAX_BODY_BYTES`.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Layer, String> {
        fn parse<T: std::str::FromStr>(name: &str, v: Option<String>) -> Result<Option<T>, String> {
            v.filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<T>()
                        .map_err(|_| format!("{name}: cannot parse '{s}'"))
                })
                .transpose()
        }
        Ok(Layer {
            data_dir: get("PEDIGREE_DATA")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            host: parse("PEDIGREE_HOST", get("PEDIGREE_HOST"))?,
            port: parse("PEDIGREE_PORT", get("PEDIGREE_PORT"))?,
            database_url: get("PEDIGREE_DATABASE_URL").filter(|s| !s.is_empty()),
            site_root: get("PEDIGREE_SITE_ROOT")
                .or_else(|| get("LEPTOS_SITE_ROOT"))
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            max_body_bytes: parse("PEDIGREE_MAX_BODY_BYTES", get("PEDIGREE_MAX_BODY_BYTES"))?,
            require_auth: parse("PEDIGREE_REQUIRE_AUTH", get("PEDIGREE_REQUIRE_AUTH"))?,
            single_production: parse(
                "PEDIGREE_SINGLE_PRODUCTION",
                get("PEDIGREE_SINGLE_PRODUCTION"),
            )?,
            allow_unowned_artifacts: parse(
                "PEDIGREE_ALLOW_UNOWNED_ARTIFACTS",
                get("PEDIGREE_ALLOW_UNOWNED_ARTIFACTS"),
            )?,
        })
    }

    /// Fills the defaults and parses.
    pub fn resolve(self) -> Result<Config, String> {
        let data_dir = self
            .data_dir
            .unwrap_or_else(|| PathBuf::from("pedigree-data"));
        let database_url = match self.database_url {
            Some(u) => DatabaseUrl::parse(&u).map_err(|e| e.to_string())?,
            None => DatabaseUrl::sqlite_in(&data_dir),
        };
        Ok(Config {
            host: self.host.unwrap_or(IpAddr::from([127, 0, 0, 1])),
            port: self.port.unwrap_or(3000),
            database_url,
            site_root: self.site_root.unwrap_or_else(default_site_root),
            max_body_bytes: self.max_body_bytes.unwrap_or(5 * 1024 * 1024 * 1024),
            require_auth: self.require_auth.unwrap_or(false),
            registry: pedigree_core::service::Settings {
                single_production_default: self.single_production.unwrap_or(true),
                allow_unowned_artifacts: self.allow_unowned_artifacts.unwrap_or(false),
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
mod tests {
    use super::*;

    #[test]
    fn later_layers_win_and_defaults_fill_the_rest() {
        let file = Layer {
            port: Some(4000),
            host: Some("0.0.0.0".parse().unwrap()),
            ..Layer::default()
        };
        let env = Layer::from_env(|k| (k == "PEDIGREE_PORT").then(|| "5000".to_string())).unwrap();
        let flags = Layer {
            data_dir: Some("/tmp/x".into()),
            ..Layer::default()
        };
        let c = Layer::default()
            .merge(file)
            .merge(env)
            .merge(flags)
            .resolve()
            .unwrap();
        assert_eq!(c.port, 5000);
        assert_eq!(c.host.to_string(), "0.0.0.0");
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert!(c.database_url.expose().contains("/tmp/x/pedigree.db"));
    }

    #[test]
    fn bad_env_values_are_refused_with_their_name() {
        let err =
            Layer::from_env(|k| (k == "PEDIGREE_PORT").then(|| "http".to_string())).unwrap_err();
        assert!(err.contains("PEDIGREE_PORT"), "{err}");
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<Layer>("prot = 1").is_err());
    }

    #[test]
    fn database_password_is_redacted_in_debug() {
        let c = Layer {
            database_url: Some("postgres://u:hunter2@h/db".into()),
            ..Layer::default()
        }
        .resolve()
        .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
