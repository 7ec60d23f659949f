//! `pedigree user …` and `pedigree token …`: the people and the API tokens behind actors.
use super::open;
use crate::config::Config;
use pedigree_core::user::Actor;
use pedigree_core::UserName;

/// Creates a user.
pub async fn add(
    config: &Config,
    name: String,
    display_name: String,
    admin: bool,
) -> Result<i32, String> {
    let reg = open(config).await?;
    let name = UserName::parse(name).map_err(|e| e.to_string())?;
    reg.create_user(&Actor::system(), name.clone(), display_name, admin)
        .await
        .map_err(|e| e.to_string())?;
    println!("user {name} created");
    Ok(0)
}

/// Issues a token for a user and prints its secret, once.
pub async fn token(config: &Config, user: String, label: String) -> Result<i32, String> {
    let reg = open(config).await?;
    let user = UserName::parse(user).map_err(|e| e.to_string())?;
    let t = reg
        .issue_token(&Actor::system(), &user, &label)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", t.secret);
    Ok(0)
}
