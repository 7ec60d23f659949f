//! The `pedigree` command line: every subcommand takes the same `--config`, `--data` and
//! `--database-url`, layered over the file and `PEDIGREE_*` environment.
use crate::config::{Config, Layer};
use crate::startup::Application;
use clap::{Args, Parser, Subcommand};
use pedigree_core::service::Registry;
use std::net::IpAddr;
use std::path::PathBuf;

mod access;
mod audit;
mod policy;
mod users;

#[derive(Debug, Parser)]
#[command(
    name = "pedigree",
    version,
    about = "Pedigree: a self-hosted model registry with an MLflow-compatible API"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// A TOML configuration file (keys: data_dir, host, port, database_url, site_root, max_body_bytes).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Data directory: the SQLite database (unless --database-url) and the artifact blobs.
    #[arg(long = "data", global = true)]
    pub data_dir: Option<PathBuf>,
    /// postgres://user:pass@host/db, or sqlite:path. Defaults to <data>/pedigree.db.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard and the API.
    Serve {
        #[arg(long)]
        host: Option<IpAddr>,
        #[arg(long)]
        port: Option<u16>,
        /// Refuse API requests that carry no credentials.
        #[arg(long)]
        require_auth: bool,
        /// New models allow several Production versions (MLflow's behaviour) instead of one.
        #[arg(long)]
        multi_production: bool,
        /// Accept artifact writes outside any run's or logged model's root (as MLflow does).
        #[arg(long)]
        allow_unowned_artifacts: bool,
        /// Let versions whose source is an external reference (files this registry neither
        /// holds nor verifies) enter Staging and Production.
        #[arg(long)]
        allow_external_promotion: bool,
        /// The stores clients may point a new experiment's artifact location into,
        /// comma-separated (`s3://bucket/prefix`, `gs://` for any bucket, `*` for any remote
        /// location): recorded verbatim, never read or served by this server.
        #[arg(long, value_delimiter = ',')]
        external_artifact_roots: Option<Vec<String>>,
        /// The names clients reach this server by (`Host` header), comma-separated, e.g.
        /// `pedigree.example.com,pedigree.internal:8443`; `*` turns the check off. The
        /// loopback names with the port are always accepted.
        #[arg(long, value_delimiter = ',')]
        allowed_hosts: Option<Vec<String>>,
        /// Move versions into gated stages directly (plain MLflow semantics), without the
        /// review queue.
        #[arg(long)]
        no_review_gate: bool,
        /// What signed-in users without grants may do: none, viewer, contributor, approver, admin.
        #[arg(long)]
        default_role: Option<String>,
        /// What requests without credentials may do: none, viewer or contributor.
        #[arg(long)]
        anonymous_role: Option<String>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Load the demo registry into an empty data directory, then exit. Prints the demo
    /// users' passwords and tokens once.
    Demo {
        /// Print one JSON object for scripts: {"versions", "users": [{"name", "role", "password", "token"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Audit log commands.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Users: add, set a password, list.
    User {
        #[command(subcommand)]
        command: users::UserCommand,
    },
    /// API tokens: create (the secret is printed once), list, revoke.
    Token {
        #[command(subcommand)]
        command: users::TokenCommand,
    },
    /// Teams: groups of users that grants and model ownership can name.
    Team {
        #[command(subcommand)]
        command: access::TeamCommand,
    },
    /// Give a user or a team a role, over the whole registry or one model.
    Grant(access::GrantArgs),
    /// Take a grant back.
    Revoke(access::RevokeArgs),
    /// List grants (those covering one model with --model).
    Grants {
        #[arg(long)]
        model: Option<String>,
    },
    /// Make a team the owner of a registered model (or, with --none, clear the owner).
    Owner(access::OwnerArgs),
    /// A model's review policy: gated stages, approvals and required checks.
    Policy {
        #[command(subcommand)]
        command: policy::PolicyCommand,
    },
}

impl Cli {
    /// Resolves the configuration layers: defaults → file → environment → flags.
    pub fn config(&self) -> Result<Config, String> {
        let file = match &self.global.config {
            Some(p) => Layer::from_file(p)?,
            None => Layer::default(),
        };
        let env = Layer::from_env(|k| std::env::var(k).ok())?;
        let (host, port, require_auth, single_production, allow_unowned_artifacts, allowed_hosts) =
            match &self.command {
                Command::Serve {
                    host,
                    port,
                    require_auth,
                    multi_production,
                    allow_unowned_artifacts,
                    allowed_hosts,
                    ..
                } => (
                    *host,
                    *port,
                    require_auth.then_some(true),
                    multi_production.then_some(false),
                    allow_unowned_artifacts.then_some(true),
                    allowed_hosts.clone(),
                ),
                _ => (None, None, None, None, None, None),
            };
        let mut flags = Layer {
            data_dir: self.global.data_dir.clone(),
            ..Layer::default()
        };
        if let Some(url) = &self.global.database_url {
            flags = flags
                .database_url(url)
                .map_err(|e| format!("--database-url: {e}"))?;
        }
        flags.server.host = host;
        flags.server.port = port;
        flags.server.allowed_hosts = allowed_hosts;
        flags.auth.require_auth = require_auth;
        flags.registry.single_production = single_production;
        flags.registry.allow_unowned_artifacts = allow_unowned_artifacts;
        if let Command::Serve {
            no_review_gate,
            default_role,
            anonymous_role,
            ..
        } = &self.command
        {
            if *no_review_gate {
                flags.registry.review_gate = Some(false);
            }
            flags.auth.default_role = default_role.clone();
            flags.auth.anonymous_role = anonymous_role.clone();
        }
        if let Command::Serve {
            allow_external_promotion: true,
            ..
        } = &self.command
        {
            flags.registry.allow_external_promotion = Some(true);
        }
        if let Command::Serve {
            external_artifact_roots: Some(roots),
            ..
        } = &self.command
        {
            flags.registry.external_artifact_roots = Some(roots.clone());
        }
        Layer::default()
            .merge(file)
            .merge(env)
            .merge(flags)
            .resolve()
    }
}

pub(crate) async fn open(config: &Config) -> Result<Registry, String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    Registry::open(&config.database_url, &config.data_dir)
        .await
        .map_err(|e| e.to_string())
}

/// Runs a command; the `Ok` value is the process exit code.
pub async fn run(cli: Cli) -> Result<i32, String> {
    let config = cli.config()?;
    match cli.command {
        Command::Serve { .. } => {
            let app = Application::build(&config).await?;
            tracing::info!(addr = %app.local_addr(), database = %config.database_url, data = %config.data_dir.display(), "Pedigree is serving");
            println!("Pedigree is serving on http://{}", app.local_addr());
            app.run_until_stopped().await.map_err(|e| e.to_string())?;
            Ok(0)
        }
        Command::Migrate => {
            open(&config).await?;
            println!("database is up to date ({})", config.database_url);
            Ok(0)
        }
        Command::Demo { json } => {
            let reg = open(&config).await?;
            if !reg
                .list_model_summaries()
                .await
                .map_err(|e| e.to_string())?
                .is_empty()
            {
                return Err(
                    "the registry already has models; the demo loads only into an empty one".into(),
                );
            }
            let started = std::time::Instant::now();
            let demo = pedigree_core::demo::load(&reg)
                .await
                .map_err(|e| e.to_string())?;
            if json {
                let out = serde_json::json!({"versions": demo.versions, "users": demo.users});
                println!("{out}");
                return Ok(0);
            }
            println!(
                "demo registry loaded: {} model versions in {:.1} s into {}",
                demo.versions,
                started.elapsed().as_secs_f64(),
                config.data_dir.display()
            );
            println!("demo users (passwords and tokens are shown only now):");
            for u in &demo.users {
                println!(
                    "  {:<6} {:<12} password {}  token {}",
                    u.name,
                    u.role.as_str(),
                    u.password,
                    u.token
                );
            }
            Ok(0)
        }
        Command::Audit { command } => audit::run(&config, command).await,
        Command::User { command } => users::run_user(&config, command).await,
        Command::Token { command } => users::run_token(&config, command).await,
        Command::Team { command } => access::team(&config, command).await,
        Command::Grant(args) => access::grant(&config, args).await,
        Command::Revoke(args) => access::revoke(&config, args).await,
        Command::Grants { model } => access::list(&config, model).await,
        Command::Owner(args) => access::owner(&config, args).await,
        Command::Policy { command } => policy::run(&config, command).await,
    }
}
