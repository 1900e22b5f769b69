//! Serving a router until SIGTERM / Ctrl-C, then draining.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::serve::{ListenerExt, TapIo};

/// Accepted connections send small writes at once (event-stream keep-alives, progress, short JSON
/// answers) instead of waiting for the peer's ACK (Nagle), which can add tens of milliseconds.
pub fn no_delay(
    listener: tokio::net::TcpListener,
) -> TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    fn set(stream: &mut tokio::net::TcpStream) {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    }
    listener.tap_io(set as fn(&mut tokio::net::TcpStream))
}

/// How long open streams may keep a shutting-down process alive.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run_until_signal(
    listener: tokio::net::TcpListener,
    router: Router,
    draining: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        no_delay(listener),
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown({
        let mut stop_rx = stop_rx.clone();
        async move {
            let _ = stop_rx.wait_for(|stop| *stop).await;
        }
    });
    let signal = async move {
        crate::shutdown::signal().await;
        tracing::info!("shutting down: finishing open requests");
        draining.store(true, Ordering::Relaxed);
        let _ = stop_tx.send(true);
        tokio::time::sleep(DRAIN_TIMEOUT).await;
    };
    tokio::select! {
        result = server => result.context("server failed")?,
        () = signal => tracing::warn!("open streams did not finish in time; exiting"),
    }
    Ok(())
}

/// Binds the listen address with a message that says which setting to change.
pub async fn bind(listen: SocketAddr) -> anyhow::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (set --listen or TOOLGATE_LISTEN)"))?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}
