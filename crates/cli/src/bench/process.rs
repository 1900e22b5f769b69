//! `toolgate serve` as a child process (so its CPU time and memory can be read from /proc), and the
//! readings themselves.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Environment that would change what the child does; the benchmark runs it with defaults.
const CLEARED_ENV: [&str; 9] = [
    "REDIS_URL",
    "DATABASE_URL",
    "TOOLGATE_SECRET_KEY",
    "TOOLGATE_PUBLIC_URL",
    "TOOLGATE_GATEWAY_URL",
    "TOOLGATE_LOG",
    "TOOLGATE_LOG_FORMAT",
    "TOOLGATE_COUNTER_DEADLINE_MS",
    "RUST_LOG",
];

/// A running `toolgate serve`, killed on drop; its data folder is a temporary one.
pub struct Gateway {
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    log: PathBuf,
    _data: tempfile::TempDir,
}

impl Gateway {
    /// Starts `toolgate serve` on a free loopback port, counting in Redis when `redis_url` is given.
    pub fn start(
        binary: Option<&std::path::Path>,
        label: &str,
        redis_url: Option<&str>,
    ) -> anyhow::Result<Self> {
        let exe = match binary {
            Some(binary) => binary.to_path_buf(),
            None => std::env::current_exe().context("finding the toolgate binary")?,
        };
        let data = tempfile::Builder::new()
            .prefix("toolgate-bench-")
            .tempdir()
            .context("creating a data folder")?;
        let addr = free_port()?;
        let log = data.path().join(format!("{label}.log"));
        let log_file = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let mut command = Command::new(exe);
        command
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(data.path().join("data"))
            .env("TOOLGATE_ALLOW_PRIVATE_UPSTREAMS", "true")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        for name in CLEARED_ENV {
            command.env_remove(name);
        }
        if let Some(url) = redis_url {
            command.arg("--redis-url").arg(url);
        }
        let child = command.spawn().context("starting toolgate serve")?;
        let pid = child.id();
        Ok(Self {
            child,
            pid,
            addr,
            log,
            _data: data,
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits until `/healthz` answers 200.
    pub async fn wait_ready(&mut self, http: &reqwest::Client) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("{}/healthz", self.base_url());
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "toolgate serve exited ({status}) before it was ready:\n{}",
                    self.log_tail()
                );
            }
            if let Ok(response) = http.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "toolgate serve did not answer {url} within 30 s:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines of the child's output, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// How many lines of the child's output contain `text`.
    pub fn log_lines_with(&self, text: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .map(|log| log.lines().filter(|line| line.contains(text)).count())
            .unwrap_or(0)
    }

    /// User + system CPU time the process has used so far.
    pub fn cpu_time(&self) -> Option<Duration> {
        cpu_time(self.pid)
    }

    /// utime + stime of the live threads so far, per name group, to show where the CPU goes.
    pub fn thread_times(&self) -> Option<ThreadTimes> {
        thread_times(self.pid)
    }

    /// Resident memory now, in bytes.
    pub fn rss_bytes(&self) -> Option<u64> {
        status_kb(self.pid, "VmRSS:").map(|kb| kb * 1024)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bare proxy (`toolgate bench-proxy`) as a child process, killed on drop.
pub struct BareProxy {
    child: Child,
    pid: u32,
    pub addr: SocketAddr,
}

impl BareProxy {
    pub fn start(upstream: SocketAddr) -> anyhow::Result<Self> {
        use std::io::BufRead;
        let exe = std::env::current_exe().context("finding the toolgate binary")?;
        let mut child = Command::new(exe)
            .arg("bench-proxy")
            .arg("--upstream")
            .arg(upstream.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting toolgate bench-proxy")?;
        let pid = child.id();
        let stdout = child.stdout.take().context("the proxy's output")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .context("reading the proxy's address")?;
        let addr = line
            .trim()
            .strip_prefix(super::proxy::LISTENING)
            .and_then(|addr| addr.trim().parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("toolgate bench-proxy did not say where it listens (it printed {line:?})");
        };
        Ok(Self { child, pid, addr })
    }

    /// User + system CPU time the proxy process has used so far.
    pub fn cpu_time(&self) -> Option<Duration> {
        cpu_time(self.pid)
    }
}

impl Drop for BareProxy {
    fn drop(&mut self) {
        // Closing its standard input stops it; kill it in case it does not.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago (the child binds it itself).
fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).context("finding a free port")?;
    Ok(listener.local_addr()?)
}

/// utime + stime of a process (all its threads, live and exited).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat).map(|(_, time)| time)
}

/// utime + stime per thread name group (see [`thread_group`]).
pub type ThreadTimes = BTreeMap<String, Duration>;

/// utime + stime of a process's live threads (`/proc/<pid>/task/*/stat`), summed per name group.
///
/// Only live threads are listed: a thread that exits between two snapshots takes its time out of
/// the later one, so its group's share of that window is lost (see [`per_call_by_group`]). That
/// makes this a breakdown for finding where the CPU goes; the process total of [`cpu_time`], which
/// keeps exited threads' time, stays the authority. Times come in clock ticks (usually 10 ms) per
/// thread, so a group is exact to a tick per thread at each end (about 0.8 µs per call over a phase
/// of 13,000 calls) and the groups need not add up to the process total. `None` when no thread
/// could be read.
fn thread_times(pid: u32) -> Option<ThreadTimes> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut times = ThreadTimes::new();
    for task in tasks.flatten() {
        // A thread may exit between the listing and the read: leave it out rather than lose the snapshot.
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        if let Some((comm, time)) = parse_stat(&stat) {
            *times.entry(thread_group(comm).to_owned()).or_default() += time;
        }
    }
    (!times.is_empty()).then_some(times)
}

/// The group a thread is counted in: its name without the trailing index and '-'
/// ("toolgate-http-3" → "toolgate-http"), so a pool's threads add up to one figure whatever its
/// size. The kernel keeps 15 bytes of a name, so long ones arrive cut ("sqlx-sqlite-worker-3" is
/// "sqlx-sqlite-wor"); a name of digits only stays as it is.
fn thread_group(comm: &str) -> &str {
    let group = comm.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
    if group.is_empty() { comm } else { group }
}

/// Each thread group's CPU between two snapshots, in µs per call; `None` without calls. A group
/// whose threads exited in between may have used less by the snapshots than it had before: it
/// counts as zero rather than negative (the process total still has that time).
pub fn per_call_by_group(
    before: &ThreadTimes,
    after: &ThreadTimes,
    calls: u64,
) -> Option<BTreeMap<String, f64>> {
    if calls == 0 {
        return None;
    }
    let per_call = |group: &String, after: &Duration| {
        let used = after.saturating_sub(before.get(group).copied().unwrap_or_default());
        (group.clone(), used.as_secs_f64() * 1e6 / calls as f64)
    };
    Some(
        after
            .iter()
            .map(|(group, after)| per_call(group, after))
            .collect(),
    )
}

/// The command name and utime + stime (fields 2, 14 and 15) of a `stat` file.
fn parse_stat(stat: &str) -> Option<(&str, Duration)> {
    // The command name may hold spaces and parentheses; it runs from the first '(' to the last ')'.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = clock_ticks_per_second();
    Some((
        comm,
        Duration::from_secs_f64((utime + stime) as f64 / ticks as f64),
    ))
}

fn status_kb(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// `sysconf(_SC_CLK_TCK)` without unsafe code: asks `getconf`, falls back to Linux's usual 100.
fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .filter(|ticks| *ticks > 0)
            .unwrap_or(100)
    })
}

/// What this machine is, for the report: CPUs, CPU model, load average.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|model| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".to_owned());
    format!("{cpus} CPUs ({model}), load average {load}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_time_from_a_stat_line() {
        let stat = "42 (bench (x) y) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 8 0 100 0 0";
        let (comm, time) = parse_stat(stat).expect("a stat line");
        assert_eq!(comm, "bench (x) y");
        assert_eq!(
            time,
            Duration::from_secs_f64(300.0 / clock_ticks_per_second() as f64)
        );
    }

    #[test]
    fn this_process_has_cpu_time() {
        assert!(cpu_time(std::process::id()).is_some());
    }

    #[test]
    fn threads_are_grouped_by_name_without_their_index() {
        assert_eq!(thread_group("sqlx-sqlite-worker-3"), "sqlx-sqlite-worker");
        assert_eq!(thread_group("toolgate-http-12"), "toolgate-http");
        assert_eq!(thread_group("v8-worker2"), "v8-worker");
        assert_eq!(thread_group("tokio-rt-worker"), "tokio-rt-worker");
        assert_eq!(thread_group("toolgate-audit"), "toolgate-audit");
        assert_eq!(thread_group("h2o"), "h2o");
        assert_eq!(thread_group("1234"), "1234");
    }

    #[test]
    fn group_deltas_per_call() {
        let ms = Duration::from_millis;
        let times = |entries: &[(&str, Duration)]| -> ThreadTimes {
            entries
                .iter()
                .map(|(group, time)| (group.to_string(), *time))
                .collect()
        };
        let before = times(&[
            ("toolgate-http", ms(10)),
            ("toolgate-audit", ms(2)),
            ("gone", ms(1)),
        ]);
        // "toolgate-audit" lost an exited thread's time; "sqlx-sqlite-wor" started in the window.
        let after = times(&[
            ("toolgate-http", ms(15)),
            ("toolgate-audit", ms(1)),
            ("sqlx-sqlite-wor", ms(1)),
        ]);
        let per_call = per_call_by_group(&before, &after, 100).expect("calls were made");
        let expected = [
            ("sqlx-sqlite-wor", 10.0),
            ("toolgate-audit", 0.0),
            ("toolgate-http", 50.0),
        ];
        assert_eq!(per_call.len(), expected.len());
        for (group, us) in expected {
            assert!(
                (per_call[group] - us).abs() < 1e-9,
                "{group}: {}",
                per_call[group]
            );
        }
        assert_eq!(per_call_by_group(&before, &after, 0), None);
    }

    #[test]
    fn this_process_has_thread_times_by_group() {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let (started, has_started) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-probe-7".to_owned())
            .spawn(move || {
                // The new thread names itself before it runs this: from here on /proc shows the name.
                let _ = started.send(());
                stopped.recv()
            })
            .expect("a thread");
        has_started.recv().expect("the thread started");
        let times = thread_times(std::process::id());
        drop(stop);
        let _ = thread.join();
        let times = times.expect("thread times");
        assert!(times.contains_key("bench-probe"), "{times:?}");
        assert!(!times.contains_key("bench-probe-7"), "{times:?}");
    }
}
