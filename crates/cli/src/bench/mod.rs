//! `toolgate bench`: what the gateway costs compared with calling the upstream directly and with a
//! bare pass-through proxy (issue 6). One run starts a fast in-process MCP upstream, a bare proxy in
//! front of it, and `toolgate serve` as child processes (in-process counters, and Redis counters when
//! Redis answers), configures the gateways through the HTTP API, drives every target with the same
//! closed-loop client at several concurrencies, and prints a table ending with one RESULT line.
//! Everything listens on 127.0.0.1 and stops by itself.

mod load;
mod process;
pub mod proxy;
mod redis;
mod report;
mod setup;
mod upstream;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, ValueEnum};
use http::HeaderValue;

use self::load::{Load, Target};
use self::process::Gateway;
use self::redis::RedisProbe;
use self::report::{Results, Sample};

/// Tools in the upstream's catalog and in the benchmark policy.
const TOOL_COUNT: usize = 100;
/// The tool every `tools/call` of the load names (it carries the two limits).
const CALLED_TOOL: &str = "tool_042";
/// Arguments every call sends: they satisfy the `require` regex and match no `deny_if`.
const CALL_ARGUMENTS: &str = r#"{"path":"/srv/data/reports/2026/q3-summary.csv","query":"select id, total from orders where region = 'eu' limit 10"}"#;
/// The upstream's `tools/call` result.
const CALL_RESULT_TEXT: &str = r#"{"content":[{"type":"text","text":"ok"}],"isError":false}"#;

/// Log lines by which the gateway says audit events were not written (the goals hold with audit on).
const AUDIT_LOSS_LINES: [&str; 2] = ["audit buffer full", "events lost"];

fn tool_name(index: usize) -> String {
    format!("tool_{index:03}")
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// A short run (well under a minute): one run of 1 s per target and concurrency.
    #[arg(long)]
    pub quick: bool,
    /// Seconds measured per target and concurrency [default: 3, or 1 with --quick].
    #[arg(long)]
    pub duration: Option<f64>,
    /// Runs of the whole matrix; the table shows medians [default: 3, or 1 with --quick].
    #[arg(long)]
    pub runs: Option<usize>,
    /// The Redis to count in for the Redis rows; when it does not answer, those rows are skipped.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Connections to measure with.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    pub concurrency: Vec<usize>,
    /// Targets to measure (a subset is handy when profiling one of them).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "direct,proxy,gateway,redis"
    )]
    pub targets: Vec<Kind>,
    /// Another build's `toolgate` binary to measure beside this one (rows "gateway (baseline build)",
    /// in-process counters, same policy and load): before/after figures from one run.
    #[arg(long)]
    pub baseline_bin: Option<std::path::PathBuf>,
}

/// What the load is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum Kind {
    /// The fast upstream, directly.
    Direct,
    /// The bare pass-through proxy.
    Proxy,
    /// `toolgate serve` with in-process counters.
    Gateway,
    /// `serve` of the binary given with `--baseline-bin` (in-process counters).
    Baseline,
    /// `toolgate serve --redis-url`.
    Redis,
    /// `serve --redis-url` of the binary given with `--baseline-bin`: measured whenever that and
    /// the Redis rows are (not a target of its own).
    #[value(skip)]
    BaselineRedis,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Direct => "direct",
            Kind::Proxy => "bare proxy",
            Kind::Gateway => "gateway (in-process)",
            Kind::Redis => "gateway (Redis counters)",
            Kind::Baseline => "gateway (baseline build)",
            Kind::BaselineRedis => "gateway (baseline, Redis)",
        }
    }
}

struct Plan {
    runs: usize,
    warmup: Duration,
    duration: Duration,
    concurrency: Vec<usize>,
    kinds: Vec<Kind>,
}

impl Plan {
    fn new(args: &BenchArgs) -> anyhow::Result<Self> {
        let duration = args.duration.unwrap_or(if args.quick { 1.0 } else { 3.0 });
        anyhow::ensure!(
            (0.1..=60.0).contains(&duration),
            "--duration must be between 0.1 and 60 seconds"
        );
        let runs = args.runs.unwrap_or(if args.quick { 1 } else { 3 });
        anyhow::ensure!((1..=9).contains(&runs), "--runs must be between 1 and 9");
        let mut concurrency = args.concurrency.clone();
        concurrency.sort_unstable();
        concurrency.dedup();
        anyhow::ensure!(
            !concurrency.is_empty() && concurrency.iter().all(|c| (1..=256).contains(c)),
            "--concurrency takes 1 to 256 connections"
        );
        let mut kinds = args.targets.clone();
        kinds.sort_unstable();
        kinds.dedup();
        Ok(Self {
            runs,
            warmup: Duration::from_secs_f64(if args.quick { 0.25 } else { 0.5 }),
            duration: Duration::from_secs_f64(duration),
            concurrency,
            kinds,
        })
    }
}

/// One target ready to be measured.
struct Prepared<'a> {
    kind: Kind,
    target: Target,
    gateway: Option<&'a Gateway>,
    proxy: Option<&'a process::BareProxy>,
}

impl Prepared<'_> {
    /// CPU time used so far by what sits between client and upstream.
    fn cpu_time(&self) -> Option<Duration> {
        match (self.gateway, self.proxy) {
            (Some(gateway), _) => gateway.cpu_time(),
            (None, Some(proxy)) => proxy.cpu_time(),
            (None, None) => None,
        }
    }

    /// The gateway's CPU time so far per thread group (`None` for the other targets).
    fn thread_times(&self) -> Option<process::ThreadTimes> {
        self.gateway?.thread_times()
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    tokio::select! {
        result = bench(args) => result.map(|()| ExitCode::SUCCESS),
        _ = tokio::signal::ctrl_c() => {
            eprintln!("toolgate bench: interrupted");
            Ok(ExitCode::from(130))
        }
    }
}

async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut plan = Plan::new(&args)?;
    println!("toolgate bench on {}", process::machine());
    let workers = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
    let upstream = upstream::start(workers)?;
    let proxy = process::BareProxy::start(upstream.addr)?;
    let upstream_url = format!("http://{}/mcp", upstream.addr);
    let http = reqwest::Client::builder().no_proxy().build()?;

    let gateway = match plan.kinds.contains(&Kind::Gateway) {
        true => Some(start_gateway(&http, "gateway", None, &upstream_url).await?),
        false => None,
    };
    let baseline = match &args.baseline_bin {
        Some(binary) => {
            plan.kinds.push(Kind::Baseline);
            plan.kinds.sort_unstable();
            plan.kinds.dedup();
            Some(start_gateway_of(&http, Some(binary), "gateway-baseline", None, &upstream_url).await?)
        }
        None => None,
    };
    let redis = match plan.kinds.contains(&Kind::Redis) {
        true => match RedisProbe::connect(&args.redis_url).await {
            Ok(probe) => {
                let started =
                    start_gateway(&http, "gateway-redis", Some(&args.redis_url), &upstream_url).await?;
                Some((probe, started))
            }
            Err(error) => {
                println!(
                    "Redis at {} does not answer ({error:#}): skipping the Redis rows (redis_*=n/a)",
                    redacted(&args.redis_url)
                );
                plan.kinds.retain(|kind| *kind != Kind::Redis);
                None
            }
        },
        false => None,
    };
    let baseline_redis = match (&args.baseline_bin, &redis) {
        (Some(binary), Some(_)) => {
            plan.kinds.push(Kind::BaselineRedis);
            let label = "gateway-baseline-redis";
            let redis_url = Some(args.redis_url.as_str());
            Some(start_gateway_of(&http, Some(binary), label, redis_url, &upstream_url).await?)
        }
        _ => None,
    };

    let mut prepared = Vec::new();
    for &kind in &plan.kinds {
        let (target, process) = match kind {
            Kind::Direct => (plain_target(upstream.addr), None),
            Kind::Proxy => (plain_target(proxy.addr), None),
            Kind::Gateway => gateway_target(gateway.as_ref())?,
            Kind::Redis => gateway_target(redis.as_ref().map(|(_, gateway)| gateway))?,
            Kind::Baseline => gateway_target(baseline.as_ref())?,
            Kind::BaselineRedis => gateway_target(baseline_redis.as_ref())?,
        };
        prepared.push(Prepared {
            kind,
            target,
            gateway: process,
            proxy: (kind == Kind::Proxy).then_some(&proxy),
        });
    }
    let phases = plan.runs * plan.concurrency.len() * prepared.len();
    println!(
        "{} run(s) × concurrency {:?} × {} target(s), {:.1} s each (+{:.2} s warm-up): about {:.0} s",
        plan.runs,
        plan.concurrency,
        prepared.len(),
        plan.duration.as_secs_f64(),
        plan.warmup.as_secs_f64(),
        phases as f64 * (plan.duration + plan.warmup).as_secs_f64()
    );

    let mut results = Results::default();
    let mut redis_totals = report::RedisTotals::default();
    let mut baseline_redis_totals = report::RedisTotals::default();
    for run in 1..=plan.runs {
        for &concurrency in &plan.concurrency {
            for target in &prepared {
                let probe = match target.kind {
                    Kind::Redis | Kind::BaselineRedis => redis.as_ref().map(|(probe, _)| probe),
                    _ => None,
                };
                let scripts_before = match probe {
                    Some(probe) => Some((probe.script_stats().await?, probe.cpu_usec().await?)),
                    None => None,
                };
                let load = Load {
                    concurrency,
                    warmup: plan.warmup,
                    duration: plan.duration,
                };
                // The per-thread view is read right after the process total, at both ends of the phase.
                let snapshot = || (target.cpu_time(), target.thread_times());
                let measured = load::run(&target.target, &load, snapshot).await;
                let (outcome, before, after) = measured.with_context(|| {
                    let log = target
                        .gateway
                        .map(|g| format!("\n--- gateway log ---\n{}", g.log_tail()));
                    format!(
                        "{} at {concurrency} connection(s){}",
                        target.kind.label(),
                        log.unwrap_or_default()
                    )
                })?;
                let ((cpu_before, threads_before), (cpu_after, threads_after)) = (before, after);
                if let (Some(probe), Some((before, cpu_before))) = (probe, scripts_before) {
                    let delta = probe.script_stats().await?.since(before);
                    let totals = match target.kind {
                        Kind::BaselineRedis => &mut baseline_redis_totals,
                        _ => &mut redis_totals,
                    };
                    totals.scripts += delta.calls;
                    totals.script_usec += delta.usec;
                    totals.cpu_usec += probe.cpu_usec().await?.saturating_sub(cpu_before);
                    totals.tool_calls += outcome.total_calls;
                }
                let cpu_us_per_call = match (cpu_before, cpu_after) {
                    (Some(before), Some(after)) if outcome.recorded > 0 => {
                        Some(after.saturating_sub(before).as_secs_f64() * 1e6 / outcome.recorded as f64)
                    }
                    _ => None,
                };
                let cpu_us_per_call_by_thread =
                    threads_before.zip(threads_after).and_then(|(before, after)| {
                        process::per_call_by_group(&before, &after, outcome.recorded)
                    });
                let us = |quantile: f64| outcome.histogram.value_at_quantile(quantile) as f64 / 1000.0;
                let sample = Sample {
                    calls_per_second: outcome.calls_per_second(),
                    p50_us: us(0.5),
                    p99_us: us(0.99),
                    p999_us: us(0.999),
                    cpu_us_per_call,
                    cpu_us_per_call_by_thread,
                    errors: outcome.errors,
                };
                eprintln!(
                    "run {run}/{}: {:<26} c={concurrency:<3} {:>8.0} calls/s  p50 {:>7.1} µs  p99 {:>7.1} µs  max {:>8.1} µs{}",
                    plan.runs,
                    target.kind.label(),
                    sample.calls_per_second,
                    sample.p50_us,
                    sample.p99_us,
                    outcome.histogram.max() as f64 / 1000.0,
                    if outcome.errors > 0 {
                        format!("  {} errors", outcome.errors)
                    } else {
                        String::new()
                    }
                );
                if let Some(error) = outcome.first_error {
                    results
                        .first_errors
                        .push(format!("{} at c={concurrency}: {error}", target.kind.label()));
                }
                results.add(target.kind, concurrency, sample);
            }
        }
    }
    for (label, started) in [
        ("gateway", gateway.as_ref()),
        ("gateway-redis", redis.as_ref().map(|(_, g)| g)),
    ] {
        let Some((process, _)) = started else { continue };
        let lost = AUDIT_LOSS_LINES
            .iter()
            .map(|text| process.log_lines_with(text))
            .sum::<usize>();
        if lost > 0 {
            results.first_errors.push(format!(
                "{label}: {lost} log line(s) say audit events were dropped or lost"
            ));
        }
    }
    const MB: f64 = 1024.0 * 1024.0;
    results.rss_mb = gateway
        .as_ref()
        .and_then(|(gateway, _)| gateway.rss_bytes())
        .map(|bytes| bytes as f64 / MB);
    if let Some((probe, (gateway, _))) = &redis {
        results.redis_rss_mb = gateway.rss_bytes().map(|bytes| bytes as f64 / MB);
        results.redis_script_calls = Some(redis_totals);
        results.baseline_redis_script_calls = baseline_redis.is_some().then_some(baseline_redis_totals);
        results.redis_ping_us = probe
            .ping_round_trip(200)
            .await
            .ok()
            .map(|took| took.as_secs_f64() * 1e6);
    }
    println!();
    print!("{}", report::render(&results, &plan.kinds, &plan.concurrency));
    eprintln!("toolgate bench took {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn start_gateway(
    http: &reqwest::Client,
    label: &str,
    redis_url: Option<&str>,
    upstream_url: &str,
) -> anyhow::Result<(Gateway, setup::Configured)> {
    start_gateway_of(http, None, label, redis_url, upstream_url).await
}

/// `serve` of `binary` (this one when `None`), configured like every gateway of the run.
async fn start_gateway_of(
    http: &reqwest::Client,
    binary: Option<&std::path::Path>,
    label: &str,
    redis_url: Option<&str>,
    upstream_url: &str,
) -> anyhow::Result<(Gateway, setup::Configured)> {
    let mut gateway = Gateway::start(binary, label, redis_url)?;
    gateway.wait_ready(http).await?;
    let configured = setup::configure(http, &gateway.base_url(), upstream_url)
        .await
        .with_context(|| {
            format!(
                "configuring {label} through its API\n--- log ---\n{}",
                gateway.log_tail()
            )
        })?;
    eprintln!(
        "{label}: toolgate serve, pid {}, {}",
        gateway.pid,
        gateway.base_url()
    );
    Ok((gateway, configured))
}

fn plain_target(addr: std::net::SocketAddr) -> Target {
    Target {
        addr,
        path: "/mcp".to_owned(),
        authorization: None,
    }
}

fn gateway_target(
    started: Option<&(Gateway, setup::Configured)>,
) -> anyhow::Result<(Target, Option<&Gateway>)> {
    let (gateway, configured) = started.context("the gateway was not started")?;
    let authorization = HeaderValue::from_str(&format!("Bearer {}", configured.token))
        .context("the grant token is not a header value")?;
    let target = Target {
        addr: gateway.addr,
        path: configured.path.clone(),
        authorization: Some(authorization),
    };
    Ok((target, Some(gateway)))
}

/// The URL without its password, for messages.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
