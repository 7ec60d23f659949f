//! `pedigree user …` and `pedigree token …`: the people and the API tokens behind actors.
//! Secrets are printed once, when made (a generated password, a token), and never listed.
use super::open;
use crate::config::Config;
use clap::Subcommand;
use pedigree_core::service::passwords;
use pedigree_core::time::{now_millis, Millis};
use pedigree_core::user::{Actor, Password};
use pedigree_core::UserName;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --password-stdin a one-time password is generated, printed
    /// once, and must be changed at first sign-in.
    Add {
        name: String,
        #[arg(long)]
        admin: bool,
        #[arg(long, default_value = "")]
        display_name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (read from standard input); signs the user out everywhere.
    Passwd {
        name: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the users.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue an API token for a user; the secret is printed once.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// Refuse the token after this long: `90d`, `12h` or `30m`.
        #[arg(long, value_parser = parse_duration)]
        expires_in: Option<Millis>,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by its id.
    Revoke { id: i64 },
}

/// `90d`, `12h`, `30m` → milliseconds; at most ten years.
pub fn parse_duration(s: &str) -> Result<Millis, String> {
    let bad = || format!("'{s}' is not a duration like 90d, 12h or 30m");
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| bad())?;
    let unit_ms = match unit {
        "d" => 86_400_000,
        "h" => 3_600_000,
        "m" => 60_000,
        _ => return Err(bad()),
    };
    if n <= 0 || n.saturating_mul(unit_ms) > 3650 * 86_400_000 {
        return Err(format!(
            "'{s}': the duration must be positive and at most 3650d"
        ));
    }
    Ok(n * unit_ms)
}

/// The first line of standard input, without its line ending.
fn password_from_stdin() -> Result<Password, String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let pw = line.strip_suffix('\n').unwrap_or(&line);
    let pw = pw.strip_suffix('\r').unwrap_or(pw);
    if pw.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(Password::new(pw))
}

fn user_name(s: String) -> Result<UserName, String> {
    UserName::parse(s).map_err(|e| e.to_string())
}

pub async fn run_user(config: &Config, command: UserCommand) -> Result<i32, String> {
    let system = Actor::system();
    match command {
        UserCommand::Add {
            name,
            admin,
            display_name,
            password_stdin,
        } => {
            let name = user_name(name)?;
            let (password, generated) = if password_stdin {
                (password_from_stdin()?, false)
            } else {
                (passwords::generate(), true)
            };
            let reg = open(config).await?;
            reg.create_user_with_password(
                &system,
                name.clone(),
                display_name,
                admin,
                &password,
                generated,
            )
            .await
            .map_err(|e| e.to_string())?;
            println!("user {name} created");
            if generated {
                println!(
                    "one-time password (shown only now; it must be changed at first sign-in): {}",
                    password.expose()
                );
            }
            Ok(0)
        }
        UserCommand::Passwd { name, .. } => {
            let name = user_name(name)?;
            let password = password_from_stdin()?;
            let reg = open(config).await?;
            reg.set_password(&system, &name, &password, false)
                .await
                .map_err(|e| e.to_string())?;
            println!("password of {name} set; its sessions are ended");
            Ok(0)
        }
        UserCommand::List => {
            let reg = open(config).await?;
            let accounts = reg.list_accounts().await.map_err(|e| e.to_string())?;
            println!("NAME\tADMIN\tPASSWORD\tCREATED\tDISPLAY NAME");
            for a in accounts {
                let password = match (a.has_password, a.must_change_password) {
                    (false, _) => "none",
                    (true, true) => "must-change",
                    (true, false) => "set",
                };
                println!(
                    "{}\t{}\t{password}\t{}\t{}",
                    a.user.name,
                    if a.user.is_admin { "yes" } else { "no" },
                    utc(a.user.created_at),
                    a.user.display_name
                );
            }
            Ok(0)
        }
    }
}

pub async fn run_token(config: &Config, command: TokenCommand) -> Result<i32, String> {
    let system = Actor::system();
    match command {
        TokenCommand::Create {
            user,
            label,
            expires_in,
        } => {
            let user = user_name(user)?;
            let reg = open(config).await?;
            let expires_at = expires_in.map(|d| now_millis() + d);
            let t = reg
                .issue_token_expiring(&system, &user, &label, expires_at)
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", t.secret);
            Ok(0)
        }
        TokenCommand::List { user } => {
            let user = user.map(user_name).transpose()?;
            let reg = open(config).await?;
            let tokens = reg
                .list_tokens(user.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            println!("ID\tUSER\tLABEL\tCREATED\tEXPIRES\tLAST USED\tREVOKED");
            let opt = |t: Option<Millis>| t.map(utc).unwrap_or_else(|| "-".into());
            for t in tokens {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.user,
                    t.label,
                    utc(t.created_at),
                    opt(t.expires_at),
                    opt(t.last_used_at),
                    opt(t.revoked_at)
                );
            }
            Ok(0)
        }
        TokenCommand::Revoke { id } => {
            let reg = open(config).await?;
            reg.revoke_token(&system, id)
                .await
                .map_err(|e| e.to_string())?;
            println!("token {id} revoked");
            Ok(0)
        }
    }
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (days to civil date: Howard Hinnant's
/// algorithm, exact for the proleptic Gregorian calendar).
fn utc(ms: Millis) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates_read_and_print() {
        assert_eq!(parse_duration("90d"), Ok(90 * 86_400_000));
        assert_eq!(parse_duration("12h"), Ok(12 * 3_600_000));
        assert_eq!(parse_duration("30m"), Ok(30 * 60_000));
        for bad in ["", "d", "0d", "-1h", "5s", "1.5h", "99999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_709_210_096_000), "2024-02-29T12:34:56Z");
    }
}
