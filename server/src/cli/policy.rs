//! `pedigree policy set` and `pedigree policy show`: a model's review policy (gated stages,
//! approvals, required checks) from the command line, acting as the server itself
//! (audited as `system`). `show` prints the policy as `GET
//! /api/pedigree/v1/models/{name}/review-policy` answers it.
//!
//! `set` changes only what it is given: `--approvals`, `--gated` (comma-separated stages;
//! `--gated ''` gates none), and the checks, which any `--check NAME=CONDITION` or
//! `--not-worse-than METRIC[:lower]` replaces as a whole (`--no-checks` clears them). A
//! not-worse-than check is named `not-worse-than-METRIC`.
use super::open;
use crate::api::policies::policy_json;
use crate::config::Config;
use clap::{Args, Subcommand};
use pedigree_core::review::checks::Direction;
use pedigree_core::review::{RequiredCheck, ReviewPolicy};
use pedigree_core::user::Actor;
use pedigree_core::{ModelName, Stage};

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Change a model's review policy; what is not given keeps its value.
    Set(SetArgs),
    /// Print a model's review policy as JSON.
    Show { model: String },
}

#[derive(Debug, Args)]
pub struct SetArgs {
    model: String,
    /// Distinct approvals each new request needs (1 to 10).
    #[arg(long)]
    approvals: Option<i64>,
    /// The stages a transition into needs a reviewed request, comma-separated.
    #[arg(long, value_delimiter = ',')]
    gated: Option<Vec<String>>,
    /// A required check: an MLflow filter on the candidate version's run, e.g.
    /// `quality=metrics.auc >= 0.9 AND params.dataset = 'q3'`. Repeatable.
    #[arg(long = "check", value_name = "NAME=CONDITION")]
    checks: Vec<String>,
    /// A required check that the candidate is not worse than the Production version on
    /// METRIC (higher is better; `:lower` for metrics such as loss). Repeatable.
    #[arg(long = "not-worse-than", value_name = "METRIC[:lower]")]
    not_worse_than: Vec<String>,
    /// Remove every required check.
    #[arg(long, conflicts_with_all = ["checks", "not_worse_than"])]
    no_checks: bool,
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// `auc`, `auc:higher` or `loss:lower`; a metric whose own name has a colon keeps it.
fn not_worse_than(spec: &str) -> Result<RequiredCheck, String> {
    let (metric, direction) = match spec.rsplit_once(':') {
        Some((m, d)) if ["lower", "higher"].contains(&d.to_ascii_lowercase().as_str()) => {
            (m, Direction::parse(d).map_err(text)?)
        }
        _ => (spec, Direction::Higher),
    };
    RequiredCheck::not_worse_than(&format!("not-worse-than-{metric}"), metric, direction)
        .map_err(text)
}

impl SetArgs {
    /// The checks these flags ask for; `None` keeps the current ones.
    fn checks(&self) -> Result<Option<Vec<RequiredCheck>>, String> {
        if self.no_checks {
            return Ok(Some(Vec::new()));
        }
        if self.checks.is_empty() && self.not_worse_than.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for c in &self.checks {
            let (name, cond) = c
                .split_once('=')
                .ok_or_else(|| format!("--check '{c}': expected NAME=CONDITION"))?;
            out.push(RequiredCheck::filter(name, cond).map_err(text)?);
        }
        for m in &self.not_worse_than {
            out.push(not_worse_than(m)?);
        }
        Ok(Some(out))
    }

    fn apply(&self, current: ReviewPolicy) -> Result<ReviewPolicy, String> {
        let gated = match &self.gated {
            Some(stages) => stages
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<Stage>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(text)?,
            None => current.gated_stages.clone(),
        };
        let approvals = self.approvals.unwrap_or(current.approvals_needed);
        let mut policy = ReviewPolicy::new(gated, approvals).map_err(text)?;
        policy.production_alias = current.production_alias.clone();
        let checks = self.checks()?.unwrap_or(current.checks);
        policy.with_checks(checks).map_err(text)
    }
}

pub async fn run(config: &Config, command: PolicyCommand) -> Result<i32, String> {
    let reg = open(config).await?;
    let (name, policy) = match command {
        PolicyCommand::Show { model } => {
            let name = ModelName::parse(model).map_err(text)?;
            let policy = reg.review_policy(&name).await.map_err(text)?;
            (name, policy)
        }
        PolicyCommand::Set(args) => {
            let name = ModelName::parse(args.model.as_str()).map_err(text)?;
            let current = reg.review_policy(&name).await.map_err(text)?;
            let policy = args.apply(current)?;
            let set = reg
                .set_review_policy(&Actor::system(), &name, policy)
                .await
                .map_err(text)?;
            (name, set)
        }
    };
    let out = serde_json::to_string_pretty(&policy_json(&name, &policy)).map_err(text)?;
    println!("{out}");
    Ok(0)
}
