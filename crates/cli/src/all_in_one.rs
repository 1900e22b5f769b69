//! `toolgate serve`: SQLite, in-process counters and events, dashboard + API + gateway on one listener.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use axum::Router;
use toolgate_cluster::memory::{MemoryCounters, MemoryEvents};
use toolgate_cluster::redis::{RedisCounters, RedisEvents};
use toolgate_cluster::{Counters, Events};
use toolgate_control_plane::{CatalogSource, ControlPlaneConfig};
use toolgate_domain::SecretKey;
use toolgate_gateway::upstream::Upstream;
use toolgate_gateway::{GatewayConfig, GatewayState};
use toolgate_store::Store;
use toolgate_store::sqlite::SqliteStore;

use crate::health;
use crate::server::Routes;
use crate::settings::ServeSettings;

const DATABASE_FILE: &str = "toolgate.db";
const SECRET_FILE: &str = "secret.key";

/// Opens (creating and migrating) the SQLite database in the data folder.
pub async fn migrate_folder(data_dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data folder {}", data_dir.display()))?;
    let path = data_dir.join(DATABASE_FILE);
    SqliteStore::open(&path)
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    Ok(path)
}

/// The deployment's secret key: from the settings, or generated once into the data folder (0600).
fn secret_key(settings: &ServeSettings) -> anyhow::Result<SecretKey> {
    if let Some(hex) = &settings.secret_key {
        return SecretKey::from_hex(hex).context("TOOLGATE_SECRET_KEY");
    }
    let path = settings.data_dir.join(SECRET_FILE);
    if !path.exists() {
        write_new_secret(&path)?;
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    SecretKey::from_hex(&text).with_context(|| format!("the key in {}", path.display()))
}

fn write_new_secret(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(SecretKey::generate_hex().as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(())
        }
        // Another process created it first: use theirs.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error).with_context(|| format!("creating {}", path.display())),
    }
}

pub(crate) struct UpstreamCatalog(pub(crate) Upstream);

#[async_trait::async_trait]
impl CatalogSource for UpstreamCatalog {
    async fn fetch_tools(
        &self,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Vec<serde_json::Value>, String> {
        self.0.fetch_tools(url, headers).await
    }
}

pub struct App {
    pub routes: Routes,
    pub draining: Arc<AtomicBool>,
}

/// Assembles the all-in-one application for a listener bound at `bound`.
pub async fn build(settings: &ServeSettings, bound: SocketAddr) -> anyhow::Result<App> {
    let database = migrate_folder(&settings.data_dir).await?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&database).await?);
    let secret = secret_key(settings)?;
    let (counters, events): (Arc<dyn Counters>, Arc<dyn Events>) = match &settings.redis_url {
        None => (Arc::new(MemoryCounters::new()), Arc::new(MemoryEvents::new())),
        Some(url) => {
            let options = crate::cluster_mode::redis_options(settings.counter_deadline_ms);
            (
                Arc::new(
                    RedisCounters::connect(url, options.clone())
                        .await
                        .context("connecting to Redis for counters")?,
                ),
                Arc::new(
                    RedisEvents::connect(url, options)
                        .await
                        .context("connecting to Redis for events")?,
                ),
            )
        }
    };
    let gateway = GatewayState::new(GatewayConfig::new(
        store.clone(),
        counters,
        events.clone(),
        secret.clone(),
    ));
    let control_plane = toolgate_control_plane::router(ControlPlaneConfig {
        store: store.clone(),
        events,
        secret,
        public_url: settings.public_url(bound),
        gateway_url: settings.gateway_url(bound),
        allow_private_upstreams: settings.allow_private_upstreams,
        catalog: Arc::new(UpstreamCatalog(Upstream::new())),
    });
    let (operations, draining) = health::operations(store);
    let router = Router::new().merge(control_plane).merge(operations);
    Ok(App {
        routes: Routes::with_gateway(router, gateway),
        draining,
    })
}

pub async fn serve(settings: ServeSettings) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (set --listen or TOOLGATE_LISTEN)",
                settings.listen
            )
        })?;
    let bound = listener.local_addr()?;
    let app = build(&settings, bound).await?;
    let public_url = settings.public_url(bound);
    println!(
        "Toolgate is running. Open {public_url}/ in a browser; agents connect to {}/mcp/…",
        settings.gateway_url(bound)
    );
    println!("Data folder: {}", settings.data_dir.display());
    tracing::info!(%bound, "listening");
    crate::server::run_until_signal(listener, app.routes, app.draining).await
}

/// A running all-in-one stack on a free loopback port, for tests.
pub struct Running {
    pub addr: SocketAddr,
    pub base_url: String,
    server: crate::server::Server,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.server.signal_stop();
    }
}

pub async fn spawn(mut settings: ServeSettings) -> anyhow::Result<Running> {
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let addr = listener.local_addr()?;
    let app = build(&settings, addr).await?;
    let server = crate::server::Server::start(listener, app.routes)?;
    Ok(Running {
        addr,
        base_url: format!("http://{addr}"),
        server,
    })
}
