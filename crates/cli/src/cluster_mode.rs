//! The SaaS shape: `toolgate control-plane` (dashboard + API on Postgres, events over Redis) and
//! `toolgate gateway` (the data plane only: reads Postgres, counts in Redis, never writes config).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use toolgate_cluster::redis::{RedisCounters, RedisEvents, RedisOptions};
use toolgate_cluster::{Counters, Events};
use toolgate_control_plane::ControlPlaneConfig;
use toolgate_domain::SecretKey;
use toolgate_gateway::upstream::Upstream;
use toolgate_gateway::{GatewayConfig, GatewayState};

use crate::all_in_one::UpstreamCatalog;
use crate::health;
use crate::server::Routes;
use crate::settings::ClusterSettings;

fn secret(settings: &ClusterSettings) -> anyhow::Result<SecretKey> {
    SecretKey::from_hex(&settings.secret_key).context("TOOLGATE_SECRET_KEY")
}

pub(crate) fn redis_options(deadline_ms: u64) -> RedisOptions {
    RedisOptions {
        deadline: Duration::from_millis(deadline_ms),
        ..RedisOptions::default()
    }
}

async fn events(settings: &ClusterSettings) -> anyhow::Result<Arc<dyn Events>> {
    let events = RedisEvents::connect(&settings.redis_url, redis_options(settings.counter_deadline_ms))
        .await
        .with_context(|| format!("connecting to Redis for events ({})", redact(&settings.redis_url)))?;
    Ok(Arc::new(events))
}

pub async fn control_plane(settings: ClusterSettings) -> anyhow::Result<()> {
    let store = toolgate_store::connect(&settings.database_url, true)
        .await
        .with_context(|| format!("connecting to the database ({})", redact(&settings.database_url)))?;
    let events = events(&settings).await?;
    let (listener, bound) = crate::server::bind(settings.listen).await?;
    let control_plane = toolgate_control_plane::router(ControlPlaneConfig {
        store: store.clone(),
        events,
        secret: secret(&settings)?,
        public_url: settings.public_url(bound),
        gateway_url: settings.gateway_url(bound),
        allow_private_upstreams: settings.allow_private_upstreams,
        catalog: Arc::new(UpstreamCatalog(Upstream::new())),
    });
    let (operations, draining) = health::operations(store);
    let router = Router::new().merge(control_plane).merge(operations);
    println!(
        "Toolgate control plane is running at {}/",
        settings.public_url(bound)
    );
    crate::server::run_until_signal(listener, Routes::new(router), draining).await
}

pub async fn gateway(settings: ClusterSettings) -> anyhow::Result<()> {
    let store = toolgate_store::connect(&settings.database_url, false)
        .await
        .with_context(|| format!("connecting to the database ({})", redact(&settings.database_url)))?;
    let counters: Arc<dyn Counters> = Arc::new(
        RedisCounters::connect(&settings.redis_url, redis_options(settings.counter_deadline_ms))
            .await
            .with_context(|| {
                format!(
                    "connecting to Redis for counters ({})",
                    redact(&settings.redis_url)
                )
            })?,
    );
    let events = events(&settings).await?;
    let mut config = GatewayConfig::new(store.clone(), counters, events, secret(&settings)?);
    config.snapshot_ttl = Duration::from_secs(settings.snapshot_ttl_secs);
    let gateway = GatewayState::new(config);
    let (listener, bound) = crate::server::bind(settings.listen).await?;
    let (router, draining) = health::operations(store);
    println!("Toolgate gateway worker is running at http://{bound}/mcp/…");
    let routes = Routes::with_gateway(router, gateway);
    crate::server::run_until_signal(listener, routes, draining).await
}

/// A URL with its password replaced, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "an unparseable URL".to_owned(),
    }
}
