//! `pedigree audit …`: checking the audit log's hash chain from the command line.
use super::open;
use crate::config::Config;
use clap::Subcommand;
use pedigree_core::audit::VerifyOutcome;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; names the first bad event and exits 1 if it is broken.
    Verify,
}

/// Runs an audit command; the `Ok` value is the process exit code.
pub async fn run(config: &Config, command: AuditCommand) -> Result<i32, String> {
    match command {
        AuditCommand::Verify => {
            let reg = open(config).await?;
            match reg.verify_audit().await.map_err(|e| e.to_string())? {
                VerifyOutcome::Ok { events, head } => {
                    println!("audit log OK: {events} events, head {head}");
                    Ok(0)
                }
                VerifyOutcome::Broken { seq, reason } => {
                    println!("audit log BROKEN at event {seq}: {reason}");
                    Ok(1)
                }
            }
        }
    }
}
