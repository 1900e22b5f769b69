use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::settings::{ClusterSettings, MigrateSettings, ServeSettings};

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
    /// The SaaS control plane: dashboard and API on Postgres, events over Redis.
    ControlPlane(ClusterSettings),
    /// A stateless gateway worker: enforces policies, counts in Redis, reads Postgres.
    Gateway(ClusterSettings),
    /// Create or upgrade the database schema, then exit (safe to run from several processes at once).
    Migrate(MigrateSettings),
    /// Print the effective settings (secrets redacted).
    Config(ServeSettings),
    /// Measure what the gateway costs against calling the upstream directly (issue 6); `--quick` for a short run.
    Bench(crate::bench::BenchArgs),
    /// The benchmark's bare pass-through proxy as a process of its own (started by `toolgate bench`).
    #[command(hide = true)]
    BenchProxy(crate::bench::proxy::ProxyArgs),
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
        Command::ControlPlane(settings) => {
            crate::logging::init(&cli.log_format);
            crate::cluster_mode::control_plane(settings).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Gateway(settings) => {
            crate::logging::init(&cli.log_format);
            crate::cluster_mode::gateway(settings).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(settings) => {
            crate::logging::init(&cli.log_format);
            match &settings.database_url {
                Some(url) => {
                    toolgate_store::connect(url, true).await?;
                    println!("database is up to date: {}", crate::cluster_mode::redact(url));
                }
                None => {
                    let path = crate::all_in_one::migrate_folder(&settings.data_dir).await?;
                    println!("database is up to date: {}", path.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(settings) => {
            println!("{}", settings.describe());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => crate::bench::run(args).await,
        Command::BenchProxy(args) => crate::bench::proxy::run_child(args).await,
        Command::Policy {
            command: PolicyCommand::Check { file },
        } => crate::policy_check::run(&file),
    }
}
