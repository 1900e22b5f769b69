//! Just enough RESP to ask Redis `PING` and `INFO commandstats` (no client library needed).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(2);
/// Commands that run a counter script: what "one Redis script call per tools/call" counts.
const SCRIPT_COMMANDS: [&str; 6] = ["evalsha", "eval", "fcall", "evalsha_ro", "eval_ro", "fcall_ro"];

/// Totals of the script commands in `INFO commandstats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptStats {
    pub calls: u64,
    pub usec: u64,
}

impl ScriptStats {
    pub fn since(self, before: ScriptStats) -> ScriptStats {
        ScriptStats {
            calls: self.calls.saturating_sub(before.calls),
            usec: self.usec.saturating_sub(before.usec),
        }
    }
}

pub struct RedisProbe {
    addr: String,
    auth: Option<(Option<String>, String)>,
}

impl RedisProbe {
    /// Parses `redis://[user:password@]host[:port]` and checks that Redis answers PING.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url).with_context(|| format!("{url} is not a Redis URL"))?;
        if parsed.scheme() != "redis" {
            bail!("only redis:// URLs are supported by the benchmark's probe");
        }
        let host = parsed.host_str().context("the Redis URL has no host")?;
        let addr = format!("{host}:{}", parsed.port().unwrap_or(6379));
        let auth = parsed.password().map(|password| {
            let user = Some(parsed.username()).filter(|user| !user.is_empty());
            (user.map(str::to_owned), password.to_owned())
        });
        let probe = Self { addr, auth };
        let pong = probe.command(&["PING"]).await?;
        if pong != "PONG" {
            bail!("Redis answered PING with {pong:?}");
        }
        Ok(probe)
    }

    /// Calls of script commands (EVALSHA, EVAL, FCALL and their _ro forms) since Redis started, and
    /// the microseconds Redis spent in them.
    pub async fn script_stats(&self) -> anyhow::Result<ScriptStats> {
        let info = self.command(&["INFO", "commandstats"]).await?;
        Ok(script_stats(&info))
    }

    /// CPU time (user + system) the Redis server has used since it started, in microseconds.
    pub async fn cpu_usec(&self) -> anyhow::Result<u64> {
        let info = self.command(&["INFO", "cpu"]).await?;
        Ok(cpu_usec(&info))
    }

    /// The median time of `count` PING round trips on one connection.
    pub async fn ping_round_trip(&self, count: usize) -> anyhow::Result<Duration> {
        let mut connection = self.open().await?;
        let mut times = Vec::with_capacity(count);
        for _ in 0..count {
            let started = Instant::now();
            connection.send(&["PING"]).await?;
            times.push(started.elapsed());
        }
        times.sort();
        Ok(times.get(times.len() / 2).copied().unwrap_or_default())
    }

    async fn command(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut connection = self.open().await?;
        connection.send(args).await
    }

    async fn open(&self) -> anyhow::Result<Connection> {
        let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(&self.addr))
            .await
            .with_context(|| format!("connecting to Redis at {} timed out", self.addr))?
            .with_context(|| format!("connecting to Redis at {}", self.addr))?;
        stream.set_nodelay(true)?;
        let mut connection = Connection {
            stream: BufReader::new(stream),
        };
        if let Some((user, password)) = &self.auth {
            let mut args = vec!["AUTH"];
            if let Some(user) = user {
                args.push(user);
            }
            args.push(password);
            connection.send(&args).await.context("Redis AUTH")?;
        }
        Ok(connection)
    }
}

struct Connection {
    stream: BufReader<TcpStream>,
}

impl Connection {
    /// Sends one command and reads a simple-string or bulk-string reply.
    async fn send(&mut self, args: &[&str]) -> anyhow::Result<String> {
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        tokio::time::timeout(TIMEOUT, async {
            self.stream.get_mut().write_all(request.as_bytes()).await?;
            let mut line = String::new();
            self.stream.read_line(&mut line).await?;
            let line = line.trim_end();
            match line.as_bytes().first() {
                Some(b'+') => Ok(line[1..].to_owned()),
                Some(b'-') => bail!("Redis answered {}", &line[1..]),
                Some(b'$') => {
                    let length: usize = line[1..].parse().context("a bulk reply's length")?;
                    let mut data = vec![0; length + 2];
                    self.stream.read_exact(&mut data).await?;
                    data.truncate(length);
                    Ok(String::from_utf8_lossy(&data).into_owned())
                }
                _ => bail!("unexpected Redis reply {line:?}"),
            }
        })
        .await
        .context("Redis did not answer in time")?
    }
}

/// Sums `calls=` and `usec=` of the script commands in `INFO commandstats` text
/// (`cmdstat_evalsha:calls=12,usec=40,…`).
fn script_stats(info: &str) -> ScriptStats {
    let field = |stats: &str, name: &str| {
        stats
            .split(',')
            .find_map(|field| field.strip_prefix(name))
            .and_then(|value| value.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    info.lines()
        .filter_map(|line| line.strip_prefix("cmdstat_"))
        .filter_map(|line| line.split_once(':'))
        .filter(|(command, _)| SCRIPT_COMMANDS.contains(&command.to_ascii_lowercase().as_str()))
        .fold(ScriptStats::default(), |total, (_, stats)| ScriptStats {
            calls: total.calls + field(stats, "calls="),
            usec: total.usec + field(stats, "usec="),
        })
}

/// `used_cpu_sys` + `used_cpu_user` (seconds with decimals) of `INFO cpu`, in microseconds.
fn cpu_usec(info: &str) -> u64 {
    let seconds: f64 = info
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            matches!(key, "used_cpu_sys" | "used_cpu_user").then(|| value.trim().parse::<f64>().ok())?
        })
        .sum();
    (seconds * 1e6) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_script_commands() {
        let info = "# Commandstats\r\ncmdstat_ping:calls=5,usec=1\r\ncmdstat_evalsha:calls=12,usec=40,usec_per_call=3.3\r\n\
                    cmdstat_eval:calls=1,usec=9\r\ncmdstat_script|load:calls=1,usec=3\r\ncmdstat_fcall:calls=2,usec=1\r\n";
        assert_eq!(script_stats(info), ScriptStats { calls: 15, usec: 50 });
    }

    #[test]
    fn reads_the_server_cpu_time() {
        let info = "# CPU\r\nused_cpu_sys:1.500000\r\nused_cpu_user:2.25\r\nused_cpu_sys_children:9.0\r\n";
        assert_eq!(cpu_usec(info), 3_750_000);
    }
}
