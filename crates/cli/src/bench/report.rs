//! Medians over runs, the table, the summary against issue 6's goals, and the RESULT line.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::Kind;

/// One measurement of one target at one concurrency.
#[derive(Clone, Debug)]
pub struct Sample {
    pub calls_per_second: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub cpu_us_per_call: Option<f64>,
    /// The gateway's CPU per successful call by thread group; `None` for the other targets.
    pub cpu_us_per_call_by_thread: Option<BTreeMap<String, f64>>,
    pub errors: u64,
}

/// The medians of a target's samples at one concurrency.
#[derive(Clone, Debug)]
pub struct Row {
    pub calls_per_second: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub cpu_us_per_call: Option<f64>,
    /// Median per thread group; empty unless the thread view was read.
    pub cpu_us_per_call_by_thread: BTreeMap<String, f64>,
    pub errors: u64,
}

/// What Redis saw while the Redis gateway was measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct RedisTotals {
    /// EVALSHA / EVAL / FCALL calls.
    pub scripts: u64,
    /// Microseconds Redis spent running them (wall time: includes waiting for a CPU).
    pub script_usec: u64,
    /// CPU time the Redis server used meanwhile, in microseconds.
    pub cpu_usec: u64,
    /// `tools/call` answered by the gateway (warm-up included).
    pub tool_calls: u64,
}

#[derive(Default)]
pub struct Results {
    pub samples: BTreeMap<(Kind, usize), Vec<Sample>>,
    /// Over every Redis-gateway phase.
    pub redis_script_calls: Option<RedisTotals>,
    /// Over every phase of the baseline build with Redis counters.
    pub baseline_redis_script_calls: Option<RedisTotals>,
    pub redis_ping_us: Option<f64>,
    pub rss_mb: Option<f64>,
    pub redis_rss_mb: Option<f64>,
    pub first_errors: Vec<String>,
}

impl Results {
    pub fn add(&mut self, kind: Kind, concurrency: usize, sample: Sample) {
        self.samples.entry((kind, concurrency)).or_default().push(sample);
    }

    pub fn row(&self, kind: Kind, concurrency: usize) -> Option<Row> {
        let samples = self.samples.get(&(kind, concurrency))?;
        let pick = |field: fn(&Sample) -> f64| median(samples.iter().map(field).collect());
        let cpu: Vec<f64> = samples
            .iter()
            .filter_map(|sample| sample.cpu_us_per_call)
            .collect();
        Some(Row {
            calls_per_second: pick(|s| s.calls_per_second)?,
            p50_us: pick(|s| s.p50_us)?,
            p99_us: pick(|s| s.p99_us)?,
            p999_us: pick(|s| s.p999_us)?,
            cpu_us_per_call: median(cpu),
            cpu_us_per_call_by_thread: median_by_group(samples),
            errors: samples.iter().map(|sample| sample.errors).sum(),
        })
    }

    pub fn redis_calls_per_call(&self) -> Option<f64> {
        let totals = self.redis_script_calls?;
        (totals.tool_calls > 0).then(|| totals.scripts as f64 / totals.tool_calls as f64)
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    })
}

/// Each thread group's median over the samples that have the thread view; a group missing from
/// one of them used nothing there, so it counts as zero (its threads did not run in that phase).
fn median_by_group(samples: &[Sample]) -> BTreeMap<String, f64> {
    let measured: Vec<&BTreeMap<String, f64>> = samples
        .iter()
        .filter_map(|sample| sample.cpu_us_per_call_by_thread.as_ref())
        .collect();
    let groups: BTreeSet<&String> = measured.iter().flat_map(|groups| groups.keys()).collect();
    let median_of = |group: &String| {
        let values = measured
            .iter()
            .map(|groups| groups.get(group).copied().unwrap_or(0.0));
        Some((group.clone(), median(values.collect())?))
    };
    groups.into_iter().filter_map(median_of).collect()
}

/// The figures of the RESULT line (overheads at one connection, ratios at 16).
struct Summary {
    overhead_p50_us: Option<f64>,
    overhead_p99_us: Option<f64>,
    throughput_ratio: Option<f64>,
    bare_proxy_ratio: Option<f64>,
    redis_overhead_p50_us: Option<f64>,
    redis_throughput_ratio: Option<f64>,
    redis_calls_per_call: Option<f64>,
    cpu_us_per_call: Option<f64>,
    rss_mb: Option<f64>,
}

fn summarize(results: &Results) -> Summary {
    let row = |kind, concurrency| results.row(kind, concurrency);
    let direct1 = row(Kind::Direct, 1);
    let direct16 = row(Kind::Direct, 16);
    let gateway1 = row(Kind::Gateway, 1);
    let gateway16 = row(Kind::Gateway, 16);
    let redis1 = row(Kind::Redis, 1);
    let redis16 = row(Kind::Redis, 16);
    let proxy16 = row(Kind::Proxy, 16);
    let minus = |a: &Option<Row>, b: &Option<Row>, field: fn(&Row) -> f64| {
        Some(field(a.as_ref()?) - field(b.as_ref()?))
    };
    let ratio = |a: &Option<Row>, b: &Option<Row>| {
        let (a, b) = (a.as_ref()?, b.as_ref()?);
        (b.calls_per_second > 0.0).then(|| a.calls_per_second / b.calls_per_second)
    };
    Summary {
        overhead_p50_us: minus(&gateway1, &direct1, |r| r.p50_us),
        overhead_p99_us: minus(&gateway1, &direct1, |r| r.p99_us),
        throughput_ratio: ratio(&gateway16, &direct16),
        bare_proxy_ratio: ratio(&gateway16, &proxy16),
        redis_overhead_p50_us: minus(&redis1, &direct1, |r| r.p50_us),
        redis_throughput_ratio: ratio(&redis16, &direct16),
        redis_calls_per_call: results.redis_calls_per_call(),
        cpu_us_per_call: gateway16.as_ref().and_then(|r| r.cpu_us_per_call),
        rss_mb: results.rss_mb,
    }
}

fn show(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "n/a".to_owned(), |value| format!("{value:.decimals$}"))
}

/// The whole report: table, comparisons, goals, and the RESULT line last.
pub fn render(results: &Results, kinds: &[Kind], concurrencies: &[usize]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<26} {:>5} {:>10} {:>9} {:>9} {:>9} {:>12} {:>7}",
        "target", "conns", "calls/s", "p50 µs", "p99 µs", "p99.9 µs", "CPU µs/call", "errors"
    );
    for &kind in kinds {
        for &concurrency in concurrencies {
            let Some(row) = results.row(kind, concurrency) else {
                continue;
            };
            let _ = writeln!(
                out,
                "{:<26} {:>5} {:>10.0} {:>9.1} {:>9.1} {:>9.1} {:>12} {:>7}",
                kind.label(),
                concurrency,
                row.calls_per_second,
                row.p50_us,
                row.p99_us,
                row.p999_us,
                show(row.cpu_us_per_call, 1),
                row.errors
            );
        }
    }
    let runs = results.samples.values().map(Vec::len).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "(medians of {runs} run(s); calls/s and latencies count successful calls only, errors are summed over runs; \
         CPU = user+system time per successful call of the gateway or bare proxy process)"
    );
    for error in &results.first_errors {
        let _ = writeln!(out, "WARNING: {error}");
    }

    let summary = summarize(results);
    let proxy_vs_direct = match (results.row(Kind::Proxy, 16), results.row(Kind::Direct, 16)) {
        (Some(proxy), Some(direct)) if direct.calls_per_second > 0.0 => {
            Some(proxy.calls_per_second / direct.calls_per_second)
        }
        _ => None,
    };
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "added latency at 1 connection (gateway − direct): p50 {} µs, p99 {} µs; with Redis counters: p50 {} µs",
        show(summary.overhead_p50_us, 1),
        show(summary.overhead_p99_us, 1),
        show(summary.redis_overhead_p50_us, 1)
    );
    let _ = writeln!(
        out,
        "throughput at 16 connections: gateway/direct {}, gateway/bare proxy {}, bare proxy/direct {}, Redis gateway/direct {}",
        show(summary.throughput_ratio, 3),
        show(summary.bare_proxy_ratio, 3),
        show(proxy_vs_direct, 3),
        show(summary.redis_throughput_ratio, 3)
    );
    match results.redis_script_calls {
        Some(totals) => {
            let per_script = (totals.scripts > 0).then(|| totals.script_usec as f64 / totals.scripts as f64);
            let cpu_per_call =
                (totals.tool_calls > 0).then(|| totals.cpu_usec as f64 / totals.tool_calls as f64);
            let _ = writeln!(
                out,
                "Redis script calls per tool call: {} ({} EVALSHA/EVAL/FCALL for {} tools/call); Redis spent {} µs per script \
                 call (wall) and {} µs of CPU per tool call; Redis PING round trip {} µs",
                show(summary.redis_calls_per_call, 3),
                totals.scripts,
                totals.tool_calls,
                show(per_script, 1),
                show(cpu_per_call, 1),
                show(results.redis_ping_us, 1)
            );
        }
        None => {
            let _ = writeln!(out, "Redis script calls per tool call: n/a (no Redis run)");
        }
    }
    let _ = writeln!(
        out,
        "CPU per call at 16 connections: gateway {} µs, bare proxy {} µs; gateway RSS: {} MB (in-process counters), {} MB (Redis counters)",
        show(summary.cpu_us_per_call, 1),
        show(
            results.row(Kind::Proxy, 16).and_then(|row| row.cpu_us_per_call),
            1
        ),
        show(summary.rss_mb, 1),
        show(results.redis_rss_mb, 1)
    );
    let _ = writeln!(out, "{}", by_thread_line(results, kinds));
    if let Some((baseline16, baseline_overhead, baseline_ratio)) = against_direct(results, Kind::Baseline) {
        let _ = writeln!(
            out,
            "baseline build (same run): added p50 at 1 connection {} µs (this build {} µs); gateway/direct at 16 {} (this build {}); CPU per call at 16 {} µs (this build {} µs)",
            show(baseline_overhead, 1),
            show(summary.overhead_p50_us, 1),
            show(baseline_ratio, 3),
            show(summary.throughput_ratio, 3),
            show(baseline16.cpu_us_per_call, 1),
            show(summary.cpu_us_per_call, 1),
        );
    }
    if let Some((_, baseline_overhead, baseline_ratio)) = against_direct(results, Kind::BaselineRedis) {
        let per_script = |totals: Option<RedisTotals>| {
            totals
                .filter(|totals| totals.scripts > 0)
                .map(|totals| totals.script_usec as f64 / totals.scripts as f64)
        };
        let _ = writeln!(
            out,
            "baseline build with Redis counters (same run): added p50 at 1 connection {} µs (this build {} µs); Redis \
             gateway/direct at 16 {} (this build {}); Redis µs per script call {} (this build {})",
            show(baseline_overhead, 1),
            show(summary.redis_overhead_p50_us, 1),
            show(baseline_ratio, 3),
            show(summary.redis_throughput_ratio, 3),
            show(per_script(results.baseline_redis_script_calls), 1),
            show(per_script(results.redis_script_calls), 1),
        );
    }
    let _ = writeln!(out);
    render_goals(&mut out, &summary);
    let _ = writeln!(
        out,
        "RESULT overhead_p50_us={} overhead_p99_us={} throughput_ratio={} bare_proxy_ratio={} redis_overhead_p50_us={} \
         redis_throughput_ratio={} redis_calls_per_call={} cpu_us_per_call={} rss_mb={}",
        show(summary.overhead_p50_us, 1),
        show(summary.overhead_p99_us, 1),
        show(summary.throughput_ratio, 3),
        show(summary.bare_proxy_ratio, 3),
        show(summary.redis_overhead_p50_us, 1),
        show(summary.redis_throughput_ratio, 3),
        show(summary.redis_calls_per_call, 3),
        show(summary.cpu_us_per_call, 1),
        show(summary.rss_mb, 1)
    );
    out
}

/// Below this many µs per call a thread group is left out of the by-thread line (it rounds to 0.0).
const THREAD_SHOWN_FROM_US: f64 = 0.05;

/// The gateway rows' CPU per call at 16 connections split by thread group, so the audit writer's
/// share is visible in every run next to the request path's.
fn by_thread_line(results: &Results, kinds: &[Kind]) -> String {
    let rows: Vec<String> = kinds
        .iter()
        .filter_map(|&kind| {
            let label = gateway_label(kind)?;
            let row = results.row(kind, 16)?;
            let groups = &row.cpu_us_per_call_by_thread;
            (!groups.is_empty()).then(|| format!("{label} {}", by_descending_cost(groups)))
        })
        .collect();
    let rows = if rows.is_empty() {
        "n/a".to_owned()
    } else {
        rows.join("; ")
    };
    format!("gateway CPU per call at 16 by thread (µs): {rows}")
}

/// How a gateway row is named in the by-thread line; `None` for rows that are no gateway.
fn gateway_label(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Gateway => Some("in-process"),
        Kind::Baseline => Some("baseline build"),
        Kind::Redis => Some("Redis counters"),
        Kind::BaselineRedis => Some("baseline build with Redis"),
        Kind::Direct | Kind::Proxy => None,
    }
}

/// "group µs, group µs", costliest first, without the groups below [`THREAD_SHOWN_FROM_US`].
fn by_descending_cost(groups: &BTreeMap<String, f64>) -> String {
    let mut shown: Vec<(&String, f64)> = groups
        .iter()
        .map(|(group, us)| (group, *us))
        .filter(|(_, us)| *us >= THREAD_SHOWN_FROM_US)
        .collect();
    if shown.is_empty() {
        return "n/a".to_owned();
    }
    shown.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let shown: Vec<String> = shown
        .iter()
        .map(|(group, us)| format!("{group} {us:.1}"))
        .collect();
    shown.join(", ")
}

/// A goal of issue 6: its wording, the measured figure, and the test it must pass.
type Goal = (&'static str, Option<f64>, fn(f64) -> bool);

/// A target's row at 16 connections, its added p50 at 1 connection (− direct) and its throughput
/// ratio to direct at 16; `None` unless it was measured at both.
fn against_direct(results: &Results, kind: Kind) -> Option<(Row, Option<f64>, Option<f64>)> {
    let (row1, row16) = (results.row(kind, 1)?, results.row(kind, 16)?);
    let overhead = results
        .row(Kind::Direct, 1)
        .map(|direct| row1.p50_us - direct.p50_us);
    let ratio = results
        .row(Kind::Direct, 16)
        .filter(|direct| direct.calls_per_second > 0.0)
        .map(|direct| row16.calls_per_second / direct.calls_per_second);
    Some((row16, overhead, ratio))
}

fn render_goals(out: &mut String, summary: &Summary) {
    let goals: [Goal; 8] = [
        (
            "added p50 at 1 connection ≤ 60 µs",
            summary.overhead_p50_us,
            |v| v <= 60.0,
        ),
        (
            "added p99 at 1 connection ≤ 250 µs",
            summary.overhead_p99_us,
            |v| v <= 250.0,
        ),
        (
            "added p50 with Redis counters ≤ 90 µs",
            summary.redis_overhead_p50_us,
            |v| v <= 90.0,
        ),
        (
            "throughput ≥ 0.45 × direct at 16",
            summary.throughput_ratio,
            |v| v >= 0.45,
        ),
        (
            "throughput ≥ 0.9 × bare proxy at 16",
            summary.bare_proxy_ratio,
            |v| v >= 0.9,
        ),
        (
            "Redis throughput ≥ 0.4 × direct at 16",
            summary.redis_throughput_ratio,
            |v| v >= 0.4,
        ),
        (
            "exactly one Redis script call per tools/call",
            summary.redis_calls_per_call,
            |v| (v - 1.0).abs() < 0.005,
        ),
        ("gateway CPU per call ≤ 30 µs", summary.cpu_us_per_call, |v| {
            v <= 30.0
        }),
    ];
    let _ = writeln!(
        out,
        "goals of issue 6 (policy of 100 tools with regex conditions, two limits on the called tool, audit on):"
    );
    for (goal, value, met) in goals {
        let verdict = match value {
            Some(value) if met(value) => "met",
            Some(_) => "NOT met",
            None => "not measured",
        };
        let _ = writeln!(out, "  {verdict:<12} {goal}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(calls_per_second: f64, p50_us: f64) -> Sample {
        Sample {
            calls_per_second,
            p50_us,
            p99_us: p50_us * 2.0,
            p999_us: p50_us * 3.0,
            cpu_us_per_call: Some(20.0),
            cpu_us_per_call_by_thread: None,
            errors: 0,
        }
    }

    /// One sample per target at 1 connection (a quarter of `calls_per_second`, p50 as given) and
    /// at 16 (`calls_per_second`, 8 × the p50).
    fn measured(targets: &[(Kind, f64, f64)]) -> Results {
        let mut results = Results::default();
        for &(kind, calls_per_second, p50) in targets {
            results.add(kind, 1, sample(calls_per_second / 4.0, p50));
            results.add(kind, 16, sample(calls_per_second, p50 * 8.0));
        }
        results
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(Vec::new()), None);
    }

    #[test]
    fn result_line_is_last_and_complete() {
        let mut results = measured(&[
            (Kind::Direct, 40_000.0, 50.0),
            (Kind::Proxy, 20_000.0, 90.0),
            (Kind::Gateway, 18_000.0, 100.0),
        ]);
        results.rss_mb = Some(30.0);
        let text = render(&results, &[Kind::Direct, Kind::Proxy, Kind::Gateway], &[1, 16]);
        let last = text.lines().last().expect("a last line");
        assert_eq!(
            last,
            "RESULT overhead_p50_us=50.0 overhead_p99_us=100.0 throughput_ratio=0.450 bare_proxy_ratio=0.900 \
             redis_overhead_p50_us=n/a redis_throughput_ratio=n/a redis_calls_per_call=n/a cpu_us_per_call=20.0 rss_mb=30.0"
        );
        assert_eq!(text.lines().filter(|line| line.starts_with("RESULT")).count(), 1);
    }

    #[test]
    fn the_baseline_build_with_redis_is_compared_in_one_line() {
        let mut results = measured(&[
            (Kind::Direct, 40_000.0, 50.0),
            (Kind::Redis, 8_000.0, 150.0),
            (Kind::BaselineRedis, 6_000.0, 170.0),
        ]);
        let totals = |scripts, script_usec| RedisTotals {
            scripts,
            script_usec,
            cpu_usec: 0,
            tool_calls: scripts,
        };
        results.redis_script_calls = Some(totals(1_000, 15_000));
        results.baseline_redis_script_calls = Some(totals(1_000, 20_000));
        let kinds = [Kind::Direct, Kind::Redis, Kind::BaselineRedis];
        let text = render(&results, &kinds, &[1, 16]);
        let line = text
            .lines()
            .find(|line| line.starts_with("baseline build with Redis counters"))
            .expect("the comparison line");
        assert_eq!(
            line,
            "baseline build with Redis counters (same run): added p50 at 1 connection 120.0 µs (this build 100.0 µs); \
             Redis gateway/direct at 16 0.150 (this build 0.200); Redis µs per script call 20.0 (this build 15.0)"
        );
    }

    #[test]
    fn gateway_cpu_by_thread_follows_the_cpu_line() {
        let mut results = measured(&[
            (Kind::Direct, 40_000.0, 50.0),
            (Kind::Gateway, 18_000.0, 100.0),
            (Kind::Baseline, 17_000.0, 110.0),
        ]);
        let by_thread = |groups: &[(&str, f64)]| {
            Some(
                groups
                    .iter()
                    .map(|(group, us)| (group.to_string(), *us))
                    .collect(),
            )
        };
        let gateway = results
            .samples
            .get_mut(&(Kind::Gateway, 16))
            .expect("gateway samples");
        gateway[0].cpu_us_per_call_by_thread = by_thread(&[
            ("tokio-runtime-w", 0.6),
            ("toolgate-http", 58.1),
            ("toolgate-audit", 5.7),
            ("toolgate", 0.04),
        ]);
        // Medians over three runs: a group missing from a run counts as zero there.
        let mut second = gateway[0].clone();
        second.cpu_us_per_call_by_thread = by_thread(&[("toolgate-http", 60.0), ("toolgate-audit", 5.9)]);
        let mut third = gateway[0].clone();
        third.cpu_us_per_call_by_thread = by_thread(&[
            ("tokio-runtime-w", 0.8),
            ("toolgate-http", 50.0),
            ("toolgate-audit", 5.5),
        ]);
        gateway.extend([second, third]);
        let baseline = results
            .samples
            .get_mut(&(Kind::Baseline, 16))
            .expect("baseline samples");
        baseline[0].cpu_us_per_call_by_thread =
            by_thread(&[("sqlx-sqlite-wor", 5.6), ("toolgate-http", 57.9)]);
        let kinds = [Kind::Direct, Kind::Gateway, Kind::Baseline];
        let text = render(&results, &kinds, &[1, 16]);
        let mut lines = text
            .lines()
            .skip_while(|line| !line.starts_with("CPU per call at 16 connections"));
        assert!(lines.next().is_some(), "the CPU line");
        assert_eq!(
            lines.next(),
            Some(
                "gateway CPU per call at 16 by thread (µs): in-process toolgate-http 58.1, toolgate-audit 5.7, \
                 tokio-runtime-w 0.6; baseline build toolgate-http 57.9, sqlx-sqlite-wor 5.6"
            )
        );
    }

    #[test]
    fn gateway_cpu_by_thread_is_na_without_the_thread_view() {
        let results = measured(&[(Kind::Direct, 40_000.0, 50.0), (Kind::Gateway, 18_000.0, 100.0)]);
        let text = render(&results, &[Kind::Direct, Kind::Gateway], &[1, 16]);
        assert!(
            text.lines()
                .any(|line| line == "gateway CPU per call at 16 by thread (µs): n/a"),
            "{text}"
        );
    }
}
