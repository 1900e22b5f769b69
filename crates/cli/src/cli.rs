use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::settings::ServeSettings;

#[derive(Debug, Parser)]
#[command(
    name = "toolgate",
    version,
    about = "A policy gateway for MCP (Model Context Protocol)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format: text or json.
    #[arg(long, global = true, env = "TOOLGATE_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run everything in one process: dashboard, API and gateway, on SQLite (all-in-one).
    Serve(ServeSettings),
    /// Create or upgrade the database schema, then exit.
    Migrate(ServeSettings),
    /// Print the effective settings (secrets redacted).
    Config(ServeSettings),
    /// Policy documents.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy document; prints each error with its JSON pointer and exits non-zero.
    Check {
        /// The policy file (JSON); `-` reads standard input.
        file: PathBuf,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(settings) => {
            crate::logging::init(&cli.log_format);
            crate::all_in_one::serve(settings).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(settings) => {
            crate::logging::init(&cli.log_format);
            let path = crate::all_in_one::migrate(&settings).await?;
            println!("database is up to date: {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(settings) => {
            println!("{}", settings.describe());
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy {
            command: PolicyCommand::Check { file },
        } => crate::policy_check::run(&file),
    }
}
