//! Redis for tests: the shared instance's URL, and private `redis-server` processes a test may kill.
//!
//! The shared Redis is never flushed or reconfigured (other tests and CI use it); tests isolate
//! themselves with fresh account ids. A test that needs to stop Redis, or count its commands,
//! starts its own [`PrivateRedis`] on a spare port instead.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

/// How to start the shared Redis the tests expect.
pub const START_SHARED_REDIS: &str =
    "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no";

const STARTUP_DEADLINE: Duration = Duration::from_secs(5);

/// `TOOLGATE_TEST_REDIS_URL`, or the local default `redis://127.0.0.1:6379`.
pub fn shared_redis_url() -> String {
    std::env::var("TOOLGATE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// The message a test fails with when the shared Redis does not answer.
pub fn shared_redis_unreachable(url: &str, error: &dyn std::fmt::Display) -> String {
    format!(
        "the test Redis at {url} is unreachable ({error}); start it with `{START_SHARED_REDIS}` \
         or point TOOLGATE_TEST_REDIS_URL at another one"
    )
}

/// A `redis-server` child process on a spare 127.0.0.1 port, without persistence. Killed on drop.
pub struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts one and waits until it answers PING. Panics if `redis-server` cannot be started.
    pub async fn start() -> Self {
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = spare_port().await;
            let mut server = Self { port, child: None };
            match server.spawn().await {
                Ok(()) => return server,
                Err(error) => last_error = error,
            }
        }
        panic!("could not start a private redis-server: {last_error}");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The OS process id while it runs (to send it signals such as SIGSTOP).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// SIGKILL, as a crash: the kernel closes its sockets, nothing is saved.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts it again on the same port (empty: it saved nothing) and waits until it answers.
    pub async fn restart(&mut self) {
        self.kill().await;
        let mut last_error = String::new();
        for _ in 0..20 {
            match self.spawn().await {
                Ok(()) => return,
                Err(error) => last_error = error,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "could not restart redis-server on port {}: {last_error}",
            self.port
        );
    }

    async fn spawn(&mut self) -> Result<(), String> {
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| format!("redis-server is not runnable ({error}); install redis-server"))?;
        let deadline = tokio::time::Instant::now() + STARTUP_DEADLINE;
        while tokio::time::Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("redis-server exited at start: {status}"));
            }
            if answers_ping(self.port).await {
                self.child = Some(child);
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = child.kill().await;
        Err(format!(
            "redis-server on port {} did not answer within {STARTUP_DEADLINE:?}",
            self.port
        ))
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
    }
}

async fn spare_port() -> u16 {
    match TcpListener::bind("127.0.0.1:0")
        .await
        .and_then(|listener| listener.local_addr())
    {
        Ok(address) => address.port(),
        Err(error) => panic!("no spare port on 127.0.0.1: {error}"),
    }
}

async fn answers_ping(port: u16) -> bool {
    let exchange = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.write_all(b"PING\r\n").await?;
        let mut reply = [0_u8; 7];
        stream.read_exact(&mut reply).await?;
        Ok::<bool, std::io::Error>(&reply == b"+PONG\r\n")
    };
    matches!(
        tokio::time::timeout(Duration::from_millis(500), exchange).await,
        Ok(Ok(true))
    )
}
