use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct ServeSettings {
    /// Address and port to listen on.
    #[arg(long, env = "TOOLGATE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder for the SQLite database and the generated secret key (all-in-one mode).
    #[arg(long, env = "TOOLGATE_DATA_DIR", default_value = "./toolgate-data")]
    pub data_dir: PathBuf,
    /// The dashboard's own URL (default: http://{listen}).
    #[arg(long, env = "TOOLGATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The base URL agents reach the gateway at (default: the public URL).
    #[arg(long, env = "TOOLGATE_GATEWAY_URL")]
    pub gateway_url: Option<String>,
    /// 64 hex characters; generated and kept in the data folder when absent (all-in-one).
    #[arg(long, env = "TOOLGATE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Allow upstream MCP servers on loopback and private addresses.
    #[arg(long, env = "TOOLGATE_ALLOW_PRIVATE_UPSTREAMS", default_value_t = true, action = clap::ArgAction::Set)]
    pub allow_private_upstreams: bool,
    /// Optional: count rate limits and send change events through this Redis instead of in process.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Deadline of every Redis call, in milliseconds (with --redis-url).
    #[arg(long, env = "TOOLGATE_COUNTER_DEADLINE_MS", default_value_t = 25)]
    pub counter_deadline_ms: u64,
}

impl ServeSettings {
    pub fn public_url(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn gateway_url(&self, bound: SocketAddr) -> String {
        self.gateway_url
            .clone()
            .unwrap_or_else(|| self.public_url(bound))
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn describe(&self) -> String {
        let secret = match &self.secret_key {
            Some(_) => "[set, redacted]".to_owned(),
            None => format!("[from {}]", self.data_dir.join("secret.key").display()),
        };
        [
            format!("listen                   = {}", self.listen),
            format!("data_dir                 = {}", self.data_dir.display()),
            format!("public_url               = {}", self.public_url(self.listen)),
            format!("gateway_url              = {}", self.gateway_url(self.listen)),
            format!("secret_key               = {secret}"),
            format!("allow_private_upstreams  = {}", self.allow_private_upstreams),
            format!(
                "counters                 = {}",
                if self.redis_url.is_some() {
                    "redis ([set, redacted])"
                } else {
                    "in process"
                }
            ),
        ]
        .join("\n")
    }
}

/// Settings of `toolgate control-plane` and `toolgate gateway`.
#[derive(Debug, Clone, Args)]
pub struct ClusterSettings {
    /// Address and port to listen on.
    #[arg(long, env = "TOOLGATE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The Postgres database: postgres://user:password@host:port/database
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// The Redis shared by every process: redis://host:port
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: String,
    /// 64 hex characters, the same for every process of the deployment.
    #[arg(long, env = "TOOLGATE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: String,
    /// The dashboard's own URL (default: http://{listen}).
    #[arg(long, env = "TOOLGATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The base URL agents reach the gateway workers at, e.g. a load balancer (default: the public URL).
    #[arg(long, env = "TOOLGATE_GATEWAY_URL")]
    pub gateway_url: Option<String>,
    /// Allow upstream MCP servers on loopback and private addresses.
    #[arg(long, env = "TOOLGATE_ALLOW_PRIVATE_UPSTREAMS", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_private_upstreams: bool,
    /// Deadline of every Redis call, in milliseconds.
    #[arg(long, env = "TOOLGATE_COUNTER_DEADLINE_MS", default_value_t = 25)]
    pub counter_deadline_ms: u64,
    /// How long a worker trusts a configuration snapshot before re-reading it (heals lost events).
    #[arg(long, env = "TOOLGATE_SNAPSHOT_TTL_SECS", default_value_t = 30)]
    pub snapshot_ttl_secs: u64,
}

impl ClusterSettings {
    pub fn public_url(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn gateway_url(&self, bound: SocketAddr) -> String {
        self.gateway_url
            .clone()
            .unwrap_or_else(|| self.public_url(bound))
            .trim_end_matches('/')
            .to_owned()
    }
}

/// Settings of `toolgate migrate`.
#[derive(Debug, Clone, Args)]
pub struct MigrateSettings {
    /// The database to migrate (postgres://… or sqlite://…); default: the all-in-one SQLite file.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The all-in-one data folder (when no database URL is given).
    #[arg(long, env = "TOOLGATE_DATA_DIR", default_value = "./toolgate-data")]
    pub data_dir: PathBuf,
}
