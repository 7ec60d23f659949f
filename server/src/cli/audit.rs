//! `pedigree audit …`: checking the audit log's hash chain, with its counts per action, and
//! exporting the trail (filtered like the API's `/audit/export`) as CSV or JSON Lines to
//! standard output or a file. The command line acts as the `system` actor: whoever runs it
//! already holds the database.
use super::open;
use crate::config::Config;
use clap::{Args, Subcommand};
use futures::TryStreamExt;
use pedigree_core::audit::export::ExportFormat;
use pedigree_core::audit::{AuditFilter, SubjectFilter, VerifyOutcome};
use pedigree_core::time::parse_timestamp;
use pedigree_core::user::Actor;
use pedigree_core::{ModelName, UserName};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; names the first bad event and exits 1 if it is broken.
    Verify,
    /// Write the events (oldest first) that the filters match, as CSV or JSON Lines.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// csv or jsonl.
    #[arg(long)]
    format: String,
    /// Only events by this user.
    #[arg(long)]
    actor: Option<String>,
    /// Only events on this model, its aliases and its versions.
    #[arg(long)]
    model: Option<String>,
    /// Only these actions (repeatable or comma-separated, e.g. `model_version.transition`).
    #[arg(long)]
    action: Vec<String>,
    /// Only this subject (`run:…`); a trailing `*` makes it a prefix.
    #[arg(long)]
    subject: Option<String>,
    /// Events at or after this time: epoch milliseconds or RFC 3339.
    #[arg(long)]
    since: Option<String>,
    /// Events before this time: epoch milliseconds or RFC 3339.
    #[arg(long)]
    until: Option<String>,
    /// Write here instead of standard output (the file appears only once complete).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Runs an audit command; the `Ok` value is the process exit code.
pub async fn run(config: &Config, command: AuditCommand) -> Result<i32, String> {
    match command {
        AuditCommand::Verify => {
            let reg = open(config).await?;
            match reg
                .verify_audit(&Actor::system())
                .await
                .map_err(|e| e.to_string())?
            {
                VerifyOutcome::Ok {
                    events,
                    head,
                    actions,
                } => {
                    println!("audit log OK: {events} events, head {head}");
                    let width = actions.keys().map(String::len).max().unwrap_or(0);
                    for (action, n) in actions {
                        println!("  {action:<width$}  {n}");
                    }
                    Ok(0)
                }
                VerifyOutcome::Broken { seq, reason } => {
                    println!("audit log BROKEN at event {seq}: {reason}");
                    Ok(1)
                }
            }
        }
        AuditCommand::Export(args) => export(config, args).await,
    }
}

fn filter(args: &ExportArgs) -> Result<AuditFilter, String> {
    fn e(flag: &'static str) -> impl Fn(pedigree_core::Error) -> String {
        move |err| format!("--{flag}: {err}")
    }
    let mut f = AuditFilter {
        actor: args
            .actor
            .as_deref()
            .map(UserName::parse)
            .transpose()
            .map_err(e("actor"))?,
        model: args
            .model
            .as_deref()
            .map(ModelName::parse)
            .transpose()
            .map_err(e("model"))?,
        subject: args
            .subject
            .as_deref()
            .map(SubjectFilter::parse)
            .transpose()
            .map_err(e("subject"))?,
        from: args
            .since
            .as_deref()
            .map(parse_timestamp)
            .transpose()
            .map_err(e("since"))?,
        to: args
            .until
            .as_deref()
            .map(parse_timestamp)
            .transpose()
            .map_err(e("until"))?,
        actions: Vec::new(),
    };
    for a in &args.action {
        f.add_actions(a).map_err(e("action"))?;
    }
    f.check().map_err(|err| err.to_string())?;
    Ok(f)
}

async fn export(config: &Config, args: ExportArgs) -> Result<i32, String> {
    let format: ExportFormat = args
        .format
        .parse()
        .map_err(|e: pedigree_core::Error| format!("--format: {e}"))?;
    let filter = filter(&args)?;
    let reg = open(config).await?;
    let events = reg
        .audit_export(&Actor::system(), filter)
        .await
        .map_err(|e| e.to_string())?;
    match &args.output {
        None => {
            // A command-line process with nothing else to serve: plain blocking writes.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let n = write_all(format, events, &mut out).await?;
            eprintln!("exported {n} audit events");
        }
        Some(path) => {
            // Written beside the target and renamed at the end, so a failed export never
            // leaves a file that looks complete.
            let partial = path.with_extension(format!("{}.partial", format.extension()));
            let file = std::fs::File::create(&partial)
                .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let n = match write_all(format, events, &mut out).await {
                Ok(n) => n,
                Err(e) => {
                    drop(out);
                    let _ = std::fs::remove_file(&partial);
                    return Err(e);
                }
            };
            out.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
            std::fs::rename(&partial, path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("exported {n} audit events to {}", path.display());
        }
    }
    Ok(0)
}

/// Writes the export and returns how many events it held.
async fn write_all(
    format: ExportFormat,
    mut events: futures::stream::BoxStream<
        'static,
        pedigree_core::Result<pedigree_core::audit::AuditEvent>,
    >,
    out: &mut impl Write,
) -> Result<u64, String> {
    let io = |e: std::io::Error| format!("cannot write the export: {e}");
    out.write_all(format.preamble().as_bytes()).map_err(io)?;
    let mut n = 0u64;
    let mut line = String::new();
    while let Some(e) = events.try_next().await.map_err(|e| e.to_string())? {
        line.clear();
        format.write(&e, &mut line);
        out.write_all(line.as_bytes()).map_err(io)?;
        n += 1;
    }
    out.flush().map_err(io)?;
    Ok(n)
}
