//! Building connections that never hang a caller: TCP_NODELAY, bounded connects, no hidden retries.

use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use ::redis::io::tcp::TcpSettings;
use ::redis::{AsyncConnectionConfig, Client, IntoConnectionInfo, RedisError};
use tokio::task::JoinHandle;

use super::options::RedisOptions;
use crate::counters::CounterError;

/// Data sent but not acknowledged for this long kills the socket (Linux `TCP_USER_TIMEOUT`), so a
/// Redis that vanished without closing its connections (a dead host, a partition) is noticed and
/// the connection manager reconnects, instead of every call timing out on a dead socket forever.
#[cfg(target_os = "linux")]
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(2);

pub(super) fn client(url: &str) -> Result<Client, RedisError> {
    let info = url.into_connection_info()?;
    let tcp = TcpSettings::default().set_nodelay(true);
    #[cfg(target_os = "linux")]
    let tcp = tcp.set_user_timeout(TCP_USER_TIMEOUT);
    Client::open(info.set_tcp_settings(tcp))
}

/// A connection manager that makes exactly one connection attempt per reconnect, bounded by
/// `connect_timeout`. Its own retry loop (backoff up to seconds) would make every call wait on a
/// reconnect that cannot succeed; here a failed attempt fails the calls waiting on it, and the next
/// call (the breaker's probe, when it is open) starts the next attempt. No response timeout of its
/// own: every call has our deadline around it.
fn manager_config(options: &RedisOptions) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(options.connect_timeout))
        .set_response_timeout(None)
        .set_number_of_retries(0)
}

/// Connects now; fails if Redis does not answer within `connect_timeout` (plus a little).
pub(super) async fn connect_manager(
    client: Client,
    options: &RedisOptions,
) -> Result<ConnectionManager, CounterError> {
    bounded(
        options,
        ConnectionManager::new_with_config(client, manager_config(options)),
    )
    .await
}

/// A plain multiplexed connection, made now (within `connect_timeout`, plus a little), with no
/// reconnect logic of its own: its owner drops it when a call on it fails and makes a new one (the
/// lanes' connections, [`super::counters`]). Its driver task runs on the calling runtime.
pub(super) async fn connect_multiplexed(
    client: &Client,
    options: &RedisOptions,
) -> Result<MultiplexedConnection, CounterError> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(options.connect_timeout))
        .set_response_timeout(None);
    bounded(
        options,
        client.get_multiplexed_async_connection_with_config(&config),
    )
    .await
}

/// A connect that must finish within [`connect_bound`].
async fn bounded<T>(
    options: &RedisOptions,
    connecting: impl Future<Output = Result<T, RedisError>>,
) -> Result<T, CounterError> {
    match tokio::time::timeout(connect_bound(options), connecting).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(error)) => Err(counter_error(&error)),
        Err(_) => Err(CounterError::Timeout),
    }
}

/// `connect_timeout` with room for the handshake after the TCP connect.
pub(super) fn connect_bound(options: &RedisOptions) -> Duration {
    options.connect_timeout + Duration::from_millis(100)
}

pub(super) fn counter_error(error: &RedisError) -> CounterError {
    if error.is_timeout() {
        CounterError::Timeout
    } else {
        CounterError::Unavailable(error.to_string())
    }
}

/// A background task that stops when its owner is dropped.
#[derive(Debug)]
pub(super) struct AbortOnDrop(pub(super) JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
