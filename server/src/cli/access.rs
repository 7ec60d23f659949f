//! `pedigree team …`, `pedigree grant`, `pedigree revoke`, `pedigree grants` and
//! `pedigree owner`: who may do what, managed from the command line (acting as the server
//! itself, audited as `system`).
use super::open;
use crate::config::Config;
use clap::{Args, Subcommand};
use pedigree_core::access::{Principal, Role, Scope, TeamName};
use pedigree_core::user::Actor;
use pedigree_core::{ModelName, UserName};

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create a team.
    Create {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Add users to a team.
    Add { team: String, users: Vec<String> },
    /// Remove users from a team.
    Remove { team: String, users: Vec<String> },
    /// List teams and their members.
    List,
}

/// Who and where a grant is for: one user or one team, and optionally one model. (A
/// struct-level `#[group]` would put `--model` in the one-of group too and refuse
/// `--user U --model M`.)
#[derive(Debug, Args)]
#[group(skip)]
pub struct Target {
    #[arg(long, conflicts_with = "team", required_unless_present = "team")]
    user: Option<String>,
    #[arg(long)]
    team: Option<String>,
    /// The registered model the grant covers (without it: the whole registry).
    #[arg(long)]
    model: Option<String>,
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// viewer, contributor, approver or admin.
    role: String,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
pub struct OwnerArgs {
    model: String,
    #[arg(long, conflicts_with = "none", required_unless_present = "none")]
    team: Option<String>,
    /// Clear the model's owner.
    #[arg(long)]
    none: bool,
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Target {
    fn parse(&self) -> Result<(Principal, Scope), String> {
        let principal = match (&self.user, &self.team) {
            (Some(u), _) => Principal::User(UserName::parse(u.as_str()).map_err(text)?),
            (None, Some(t)) => Principal::Team(TeamName::parse(t.as_str()).map_err(text)?),
            (None, None) => return Err("name a --user or a --team".into()),
        };
        let scope = match &self.model {
            Some(m) => Scope::Model(ModelName::parse(m.as_str()).map_err(text)?),
            None => Scope::Global,
        };
        Ok((principal, scope))
    }
}

pub async fn team(config: &Config, command: TeamCommand) -> Result<i32, String> {
    let reg = open(config).await?;
    let system = Actor::system();
    match command {
        TeamCommand::Create { name, description } => {
            let name = TeamName::parse(name).map_err(text)?;
            reg.create_team(&system, name.clone(), description)
                .await
                .map_err(text)?;
            println!("team {name} created");
        }
        TeamCommand::Add { team, users } | TeamCommand::Remove { team, users }
            if users.is_empty() =>
        {
            return Err(format!(
                "name the users to add to or remove from team {team}"
            ));
        }
        TeamCommand::Add { team, users } => {
            let team = TeamName::parse(team).map_err(text)?;
            for u in users {
                let u = UserName::parse(u).map_err(text)?;
                reg.add_team_member(&system, &team, &u)
                    .await
                    .map_err(text)?;
                println!("{u} is a member of team {team}");
            }
        }
        TeamCommand::Remove { team, users } => {
            let team = TeamName::parse(team).map_err(text)?;
            for u in users {
                let u = UserName::parse(u).map_err(text)?;
                reg.remove_team_member(&system, &team, &u)
                    .await
                    .map_err(text)?;
                println!("{u} is no longer a member of team {team}");
            }
        }
        TeamCommand::List => {
            for t in reg.teams().await.map_err(text)? {
                let members: Vec<&str> = t.members.iter().map(|m| m.as_str()).collect();
                println!("{}\t{}", t.name, members.join(","));
            }
        }
    }
    Ok(0)
}

pub async fn grant(config: &Config, args: GrantArgs) -> Result<i32, String> {
    let role: Role = args.role.parse().map_err(text)?;
    let (principal, scope) = args.target.parse()?;
    let reg = open(config).await?;
    reg.grant(&Actor::system(), &principal, &scope, role)
        .await
        .map_err(text)?;
    println!("{principal} is {role} on {scope}");
    Ok(0)
}

pub async fn revoke(config: &Config, args: RevokeArgs) -> Result<i32, String> {
    let (principal, scope) = args.target.parse()?;
    let reg = open(config).await?;
    reg.revoke_grant(&Actor::system(), &principal, &scope)
        .await
        .map_err(text)?;
    println!("{principal} no longer holds a grant on {scope}");
    Ok(0)
}

pub async fn list(config: &Config, model: Option<String>) -> Result<i32, String> {
    let model = model.map(ModelName::parse).transpose().map_err(text)?;
    let reg = open(config).await?;
    for g in reg.grants(model.as_ref()).await.map_err(text)? {
        let scope = match &g.scope {
            Scope::Global => "*".to_string(),
            Scope::Model(m) => m.to_string(),
        };
        println!("{}\t{}\t{scope}\t{}", g.principal, g.role, g.granted_by);
    }
    Ok(0)
}

pub async fn owner(config: &Config, args: OwnerArgs) -> Result<i32, String> {
    let model = ModelName::parse(args.model).map_err(text)?;
    let team = args.team.map(TeamName::parse).transpose().map_err(text)?;
    let reg = open(config).await?;
    reg.set_model_owner(&Actor::system(), &model, team.as_ref())
        .await
        .map_err(text)?;
    match team {
        Some(t) => println!("team {t} owns {model}"),
        None => println!("{model} has no owner"),
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::super::Cli;
    use clap::Parser;

    fn parses(args: &[&str]) -> bool {
        Cli::try_parse_from(std::iter::once("pedigree").chain(args.iter().copied())).is_ok()
    }

    #[test]
    fn a_grant_names_one_principal_and_optionally_a_model() {
        assert!(parses(&["grant", "viewer", "--user", "u", "--model", "m"]));
        assert!(parses(&[
            "grant", "approver", "--team", "t", "--model", "m"
        ]));
        assert!(parses(&["grant", "viewer", "--user", "u"]));
        assert!(parses(&["revoke", "--team", "t", "--model", "m"]));
        assert!(!parses(&["grant", "viewer", "--user", "u", "--team", "t"]));
        assert!(!parses(&["grant", "viewer", "--model", "m"]));
        assert!(!parses(&["revoke"]));
    }
}
