//! The load generator, the same for every target: N connections, each with its own legacy
//! Streamable HTTP session (initialize, capture `Mcp-Session-Id`, `notifications/initialized`), then
//! closed-loop `tools/call` for a fixed time. Latencies of the calls started while recording go into
//! an HDR histogram per connection, merged at the end.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::task::JoinSet;

use super::{CALL_ARGUMENTS, CALLED_TOOL};

const SETUP: u8 = 0;
const WARMUP: u8 = 1;
const RECORD: u8 = 2;
const STOP: u8 = 3;
/// How long connections may take to open their sessions, and to finish once told to stop.
const GRACE: Duration = Duration::from_secs(10);
const PROTOCOL_VERSION: &str = "2025-06-18";

/// Where the load goes: `http://{addr}{path}`, with a bearer token for the gateway.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub path: String,
    pub authorization: Option<HeaderValue>,
}

pub struct Load {
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

/// One load phase's outcome.
pub struct Outcome {
    pub histogram: Histogram<u64>,
    /// Successful calls started while recording (errors are neither counted nor timed).
    pub recorded: u64,
    /// Every `tools/call` answered in the phase, warm-up included.
    pub total_calls: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// The recording window's real length.
    pub elapsed: Duration,
}

impl Outcome {
    pub fn calls_per_second(&self) -> f64 {
        self.recorded as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

struct ConnectionStats {
    histogram: Histogram<u64>,
    recorded: u64,
    total_calls: u64,
    errors: u64,
    first_error: Option<String>,
}

fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    // Nanoseconds from 1 ns to 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000_000, 3).context("creating a histogram")
}

/// Runs one phase. `probe` is called when recording starts and when it ends (CPU time of the
/// process under test); both samples are returned with the outcome.
pub async fn run<P>(
    target: &Target,
    load: &Load,
    mut probe: impl FnMut() -> P,
) -> anyhow::Result<(Outcome, P, P)> {
    let phase = Arc::new(AtomicU8::new(SETUP));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(load.concurrency.max(1));
    let (go_tx, go_rx) = tokio::sync::watch::channel(false);
    let mut tasks = JoinSet::new();
    for _ in 0..load.concurrency {
        let target = target.clone();
        let phase = phase.clone();
        let ready = ready_tx.clone();
        let go = go_rx.clone();
        tasks.spawn(async move { connection(target, phase, ready, go).await });
    }
    drop(ready_tx);
    let all_ready = async {
        for _ in 0..load.concurrency {
            if ready_rx.recv().await.is_none() {
                return false;
            }
        }
        true
    };
    let ready = tokio::time::timeout(GRACE, all_ready).await.unwrap_or(false);
    if !ready {
        phase.store(STOP, Ordering::Relaxed);
        let _ = go_tx.send(true);
        let first_error = async {
            while let Some(joined) = tasks.join_next().await {
                if let Ok(Err(error)) = joined {
                    return Some(error);
                }
            }
            None
        };
        let error = tokio::time::timeout(GRACE, first_error)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| anyhow::anyhow!("connections did not open their sessions within {GRACE:?}"));
        tasks.abort_all();
        return Err(error.context("opening the sessions"));
    }
    phase.store(WARMUP, Ordering::Relaxed);
    let _ = go_tx.send(true);
    tokio::time::sleep(load.warmup).await;
    let before = probe();
    let started = Instant::now();
    phase.store(RECORD, Ordering::Relaxed);
    tokio::time::sleep(load.duration).await;
    phase.store(STOP, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let after = probe();

    let mut outcome = Outcome {
        histogram: new_histogram()?,
        recorded: 0,
        total_calls: 0,
        errors: 0,
        first_error: None,
        elapsed,
    };
    let joined = tokio::time::timeout(GRACE, async {
        while let Some(joined) = tasks.join_next().await {
            let stats = joined.context("a load connection panicked")??;
            outcome
                .histogram
                .add(&stats.histogram)
                .context("merging histograms")?;
            outcome.recorded += stats.recorded;
            outcome.total_calls += stats.total_calls;
            outcome.errors += stats.errors;
            if outcome.first_error.is_none() {
                outcome.first_error = stats.first_error;
            }
        }
        anyhow::Ok(())
    })
    .await;
    match joined {
        Ok(result) => result?,
        Err(_) => {
            tasks.abort_all();
            bail!("the target stopped answering: connections did not finish within {GRACE:?}");
        }
    }
    Ok((outcome, before, after))
}

async fn connection(
    target: Target,
    phase: Arc<AtomicU8>,
    ready: tokio::sync::mpsc::Sender<()>,
    mut go: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<ConnectionStats> {
    let stream = tokio::net::TcpStream::connect(target.addr)
        .await
        .with_context(|| format!("connecting to {}", target.addr))?;
    stream.set_nodelay(true)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let requests = Requests::new(&target);

    let initialize = br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"toolgate-bench","version":"1"}}}"#;
    let (status, headers, body) =
        exchange(&mut sender, requests.post(None, Bytes::from_static(initialize))?).await?;
    if status != StatusCode::OK {
        bail!("initialize answered HTTP {status}: {}", excerpt(&body));
    }
    let session = headers.get("mcp-session-id").cloned();
    let initialized = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let (status, _, body) = exchange(
        &mut sender,
        requests.post(session.as_ref(), Bytes::from_static(initialized))?,
    )
    .await?;
    if status != StatusCode::ACCEPTED {
        bail!(
            "notifications/initialized answered HTTP {status}: {}",
            excerpt(&body)
        );
    }
    let _ = ready.send(()).await;
    drop(ready);

    let mut stats = ConnectionStats {
        histogram: new_histogram()?,
        recorded: 0,
        total_calls: 0,
        errors: 0,
        first_error: None,
    };
    // Every connection starts together, once all sessions are open (or when the phase is abandoned).
    let _ = go.wait_for(|go| *go).await;
    let mut id: u64 = 0;
    loop {
        let now = phase.load(Ordering::Relaxed);
        if now == STOP {
            break;
        }
        id += 1;
        let request = requests.post(session.as_ref(), call_body(id))?;
        let started = Instant::now();
        let (status, _, body) = exchange(&mut sender, request).await?;
        let took = started.elapsed();
        stats.total_calls += 1;
        if status != StatusCode::OK || !is_success(&body) {
            // A refusal is answered fast: counting it would flatter the target. Errors are reported apart.
            stats.errors += 1;
            if stats.first_error.is_none() {
                stats.first_error = Some(format!("HTTP {status}: {}", excerpt(&body)));
            }
            continue;
        }
        if now == RECORD {
            stats.recorded += 1;
            let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
            stats.histogram.saturating_record(nanos.max(1));
        }
    }
    Ok(stats)
}

/// The headers every request of a connection carries, built once.
struct Requests {
    uri: http::Uri,
    host: HeaderValue,
    authorization: Option<HeaderValue>,
}

impl Requests {
    fn new(target: &Target) -> Self {
        let uri = http::Uri::try_from(target.path.as_str()).unwrap_or_else(|_| http::Uri::from_static("/"));
        let host = HeaderValue::from_str(&target.addr.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("127.0.0.1"));
        Self {
            uri,
            host,
            authorization: target.authorization.clone(),
        }
    }

    fn post(&self, session: Option<&HeaderValue>, body: Bytes) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(self.uri.clone())
            .header(header::HOST, self.host.clone())
            .header(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(
                header::ACCEPT,
                HeaderValue::from_static("application/json, text/event-stream"),
            )
            .header("mcp-protocol-version", HeaderValue::from_static(PROTOCOL_VERSION));
        if let Some(authorization) = &self.authorization {
            builder = builder.header(header::AUTHORIZATION, authorization.clone());
        }
        if let Some(session) = session {
            builder = builder.header("mcp-session-id", session.clone());
        }
        Ok(builder.body(Full::new(body))?)
    }
}

async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> anyhow::Result<(StatusCode, http::HeaderMap, Bytes)> {
    sender.ready().await.context("the connection closed")?;
    let response = sender.send_request(request).await.context("sending a request")?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.context("reading an answer")?.to_bytes();
    Ok((parts.status, parts.headers, body))
}

fn call_body(id: u64) -> Bytes {
    let mut body = String::with_capacity(96 + CALL_ARGUMENTS.len());
    body.push_str(r#"{"jsonrpc":"2.0","id":"#);
    body.push_str(&id.to_string());
    body.push_str(r#","method":"tools/call","params":{"name":""#);
    body.push_str(CALLED_TOOL);
    body.push_str(r#"","arguments":"#);
    body.push_str(CALL_ARGUMENTS);
    body.push_str("}}");
    Bytes::from(body)
}

/// A result from the upstream, not a refusal (`isError: true`) nor a JSON-RPC error.
fn is_success(body: &[u8]) -> bool {
    contains(body, br#""result""#) && !contains(body, br#""isError":true"#)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_body_is_valid_json() {
        let body = call_body(7);
        let value: serde_json::Value = serde_json::from_slice(&body).expect("valid JSON");
        assert_eq!(value["params"]["name"], CALLED_TOOL);
        assert_eq!(value["id"], 7);
    }

    #[test]
    fn refusals_are_not_successes() {
        assert!(is_success(
            br#"{"jsonrpc":"2.0","id":1,"result":{"isError":false}}"#
        ));
        assert!(!is_success(
            br#"{"jsonrpc":"2.0","id":1,"result":{"isError":true}}"#
        ));
        assert!(!is_success(
            br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602}}"#
        ));
    }
}
