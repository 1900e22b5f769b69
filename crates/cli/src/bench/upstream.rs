//! The fast upstream: a minimal MCP responder (legacy Streamable HTTP, JSON answers) doing as little
//! work as it can, so that whatever sits in front of it dominates the measurement. It also holds the
//! helper that runs a hyper server on its own thread and runtime, as a separate process would.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::watch;

use super::{CALL_RESULT_TEXT, TOOL_COUNT, tool_name};

const SESSION_HEADER: &str = "mcp-session-id";
const LEGACY_VERSIONS: [&str; 3] = ["2025-03-26", "2025-06-18", "2025-11-25"];

/// A server running on its own thread with its own tokio runtime; stopped and joined on drop.
pub struct Background {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Binds a free loopback port and runs `serve(listener, stop)` on `workers` threads.
    pub fn start<S, F>(name: &str, workers: usize, serve: S) -> anyhow::Result<Self>
    where
        S: FnOnce(tokio::net::TcpListener, watch::Receiver<bool>) -> F + Send + 'static,
        F: Future<Output = ()>,
    {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).context("binding a loopback port")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .thread_name(name)
            .enable_all()
            .build()
            .with_context(|| format!("starting the {name} runtime"))?;
        let (stop, stopped) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => serve(listener, stopped).await,
                        Err(error) => eprintln!("bench: cannot listen: {error}"),
                    }
                });
                // Dropping the runtime here (outside async code) cancels the open connections.
            })
            .with_context(|| format!("spawning the {name} thread"))?;
        Ok(Self {
            addr,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Accepts connections until stopped, serving each with hyper's HTTP/1.1 server.
pub async fn accept_loop<H, F, B>(
    listener: tokio::net::TcpListener,
    mut stop: watch::Receiver<bool>,
    handler: H,
) where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<B>, Infallible>> + Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(handler);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Starts the fast upstream; its MCP endpoint is `http://{addr}/mcp`.
pub fn start(workers: usize) -> anyhow::Result<Background> {
    let state = Arc::new(Upstream {
        tools_result: tools_list_result(),
        sessions: AtomicU64::new(0),
    });
    Background::start("bench-upstream", workers, move |listener, stop| async move {
        accept_loop(listener, stop, move |request| {
            let state = state.clone();
            async move { Ok(state.answer(request).await) }
        })
        .await;
    })
}

struct Upstream {
    /// The `result` of `tools/list`: the same 100 tools the benchmark policy names.
    tools_result: String,
    sessions: AtomicU64,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<&'a str>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct InitializeParams<'a> {
    #[serde(borrow, default, rename = "protocolVersion")]
    protocol_version: Option<&'a str>,
}

impl Upstream {
    async fn answer(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        match *request.method() {
            Method::POST => {}
            Method::DELETE => return empty(StatusCode::OK),
            _ => return empty(StatusCode::METHOD_NOT_ALLOWED),
        }
        let has_session = request.headers().contains_key(SESSION_HEADER);
        let Ok(body) = request
            .into_body()
            .collect()
            .await
            .map(|collected| collected.to_bytes())
        else {
            return empty(StatusCode::BAD_REQUEST);
        };
        let Ok(envelope) = serde_json::from_slice::<Envelope<'_>>(&body) else {
            return empty(StatusCode::BAD_REQUEST);
        };
        let Some(id) = envelope.id else {
            // A notification or a response: accepted, no body.
            return empty(StatusCode::ACCEPTED);
        };
        let method = envelope.method.unwrap_or_default();
        if method == "initialize" {
            return self.initialize(id, envelope.params);
        }
        if !has_session {
            return empty(StatusCode::BAD_REQUEST);
        }
        match method {
            "tools/call" => json(id, CALL_RESULT_TEXT),
            "tools/list" => json(id, &self.tools_result),
            "ping" => json(id, "{}"),
            _ => json_error(id, -32601, "Method not found"),
        }
    }

    fn initialize(&self, id: &RawValue, params: Option<&RawValue>) -> Response<Full<Bytes>> {
        let asked = params
            .and_then(|raw| serde_json::from_str::<InitializeParams<'_>>(raw.get()).ok())
            .and_then(|params| params.protocol_version)
            .filter(|version| LEGACY_VERSIONS.contains(version))
            .unwrap_or("2025-06-18");
        let result = format!(
            r#"{{"protocolVersion":"{asked}","capabilities":{{"tools":{{}}}},"serverInfo":{{"name":"toolgate-bench-upstream","version":"1"}}}}"#
        );
        let session = self.sessions.fetch_add(1, Ordering::Relaxed);
        let mut response = json(id, &result);
        if let Ok(value) = HeaderValue::from_str(&format!("bench-session-{session}")) {
            response.headers_mut().insert(SESSION_HEADER, value);
        }
        response
    }
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

fn json(id: &RawValue, result: &str) -> Response<Full<Bytes>> {
    let mut body = Vec::with_capacity(40 + id.get().len() + result.len());
    body.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    body.extend_from_slice(id.get().as_bytes());
    body.extend_from_slice(br#","result":"#);
    body.extend_from_slice(result.as_bytes());
    body.push(b'}');
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn json_error(id: &RawValue, code: i64, message: &str) -> Response<Full<Bytes>> {
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":{},"error":{{"code":{code},"message":{}}}}}"#,
        id.get(),
        serde_json::Value::from(message)
    );
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn tools_list_result() -> String {
    let tools: Vec<serde_json::Value> = (0..TOOL_COUNT)
        .map(|index| {
            serde_json::json!({
                "name": tool_name(index),
                "description": format!("Benchmark tool {index}: reads a file under /srv and runs a query."),
                "inputSchema": {
                    "type": "object",
                    "properties": {
                        "path": {"type": "string"},
                        "query": {"type": "string"}
                    },
                    "required": ["path"]
                }
            })
        })
        .collect();
    serde_json::json!({ "tools": tools }).to_string()
}
