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
        ]
        .join("\n")
    }
}
