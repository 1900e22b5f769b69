'use strict';
// The processes a browser test runs against, all on 127.0.0.1: `toolgate serve` (binary from
// TOOLGATE_BIN, else target/debug/toolgate) with a data folder of its own, and the sysmgmt MCP fixture
// (tests/e2e/fixtures/sysmgmt_server.py, the Python SDK's server, in the e2e venv). Every wait is
// bounded; every process's output goes to a log under test-output/browser/<name>/; stop() ends them
// (SIGTERM, then SIGKILL), and a process exit kills whatever is left.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const LOCAL = '127.0.0.1';
const OUTPUT_ROOT = path.join(REPO_ROOT, 'test-output');
const PYTHON = path.join(REPO_ROOT, 'tests', 'e2e', '.venv', 'bin', 'python');
const SYSMGMT = path.join(REPO_ROOT, 'tests', 'e2e', 'fixtures', 'sysmgmt_server.py');

const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch (_) {
      // already gone
    }
  }
});

function toolgateBin() {
  const raw = process.env.TOOLGATE_BIN || path.join('target', 'debug', 'toolgate');
  const bin = path.isAbsolute(raw) ? raw : path.join(REPO_ROOT, raw);
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch (_) {
    throw new Error(`toolgate binary not found at ${bin} (set TOOLGATE_BIN or build it): run cargo build -p toolgate-cli`);
  }
  return bin;
}

function python() {
  try {
    fs.accessSync(PYTHON, fs.constants.X_OK);
  } catch (_) {
    throw new Error(
      `${PYTHON} is missing: run python3 -m venv tests/e2e/.venv && tests/e2e/.venv/bin/pip install -r tests/e2e/requirements.txt (scripts/test does it)`,
    );
  }
  return PYTHON;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LOCAL, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function tail(file, lines = 60) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines).join('\n') || '(empty log)';
  } catch (_) {
    return '(no log)';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A child process whose stdout and stderr go to one log file. */
class Proc {
  constructor(name, argv, log, options = {}) {
    this.name = name;
    this.argv = argv;
    this.log = log;
    this.options = options;
    this.child = null;
    this.exitCode = null;
  }

  start() {
    fs.mkdirSync(path.dirname(this.log), { recursive: true });
    const fd = fs.openSync(this.log, 'a');
    fs.writeSync(fd, `\n===== start: ${this.argv.join(' ')}\n`);
    this.child = spawn(this.argv[0], this.argv.slice(1), {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...(this.options.env || {}) },
      cwd: this.options.cwd || REPO_ROOT,
    });
    fs.closeSync(fd);
    running.add(this.child);
    this.child.on('exit', (code, signal) => {
      this.exitCode = code === null ? signal : code;
      running.delete(this.child);
    });
    return this;
  }

  alive() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls `url` until it answers `expect` (each try bounded to 2 s) or `timeoutMs` passes. */
  async waitHttp(url, timeoutMs, expect = 200) {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.alive()) {
        throw new Error(`${this.name} exited (${this.exitCode}) before ${url} answered.\n--- ${this.log} ---\n${tail(this.log)}`);
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.status === expect) return;
        last = `HTTP ${response.status}`;
      } catch (error) {
        last = String(error && error.cause ? error.cause.code || error.cause : error);
      }
      await sleep(100);
    }
    throw new Error(`${this.name} did not answer ${url} with ${expect} within ${timeoutMs} ms (last: ${last}).\n--- ${this.log} ---\n${tail(this.log)}`);
  }

  /** SIGTERM, wait up to `timeoutMs`, then SIGKILL. */
  async stop(timeoutMs = 10000) {
    const child = this.child;
    if (!child || !this.alive()) return this.exitCode;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      await Promise.race([exited, sleep(5000)]);
    }
    return this.exitCode;
  }
}

/**
 * Starts toolgate serve and a sysmgmt upstream for the test file `name`.
 * Answers {baseUrl, sysmgmt: {base, url, calls()}, logDir, stop(), failureReport()}.
 */
async function startStack(name) {
  const logDir = path.join(OUTPUT_ROOT, 'browser', name);
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `toolgate-browser-${name}-`));
  const procs = [];
  const stack = {
    logDir,
    dataDir,
    procs,
    async stop() {
      for (const proc of procs.reverse()) await proc.stop();
      const panicked = procs.filter((proc) => /panicked at/.test(tail(proc.log, 100000)));
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (panicked.length) throw new Error(`${panicked[0].name} panicked:\n${tail(panicked[0].log, 80)}`);
    },
    /** The tails of every log, to print next to a failure. */
    failureReport() {
      return procs.map((proc) => `--- ${proc.name}: ${proc.log} ---\n${tail(proc.log, 40)}`).join('\n');
    },
  };
  try {
    const upPort = await freePort();
    const upstream = new Proc('sysmgmt fixture', [python(), SYSMGMT, String(upPort)], path.join(logDir, 'sysmgmt.log'));
    procs.push(upstream.start());
    const upBase = `http://${LOCAL}:${upPort}`;
    await upstream.waitHttp(`${upBase}/healthz`, 20000);
    stack.sysmgmt = {
      base: upBase,
      url: `${upBase}/mcp`,
      async calls() {
        const response = await fetch(`${upBase}/calls`, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`GET ${upBase}/calls -> ${response.status}`);
        return response.json();
      },
    };

    const port = await freePort();
    const toolgate = new Proc(
      'toolgate serve',
      [toolgateBin(), 'serve', '--listen', `${LOCAL}:${port}`, '--data-dir', path.join(dataDir, 'data')],
      path.join(logDir, 'toolgate.log'),
      {
        cwd: dataDir,
        env: { TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'true', RUST_LOG: process.env.RUST_LOG || 'info', RUST_BACKTRACE: '1', NO_COLOR: '1' },
      },
    );
    procs.push(toolgate.start());
    stack.baseUrl = `http://${LOCAL}:${port}`;
    await toolgate.waitHttp(`${stack.baseUrl}/healthz`, 30000);
  } catch (error) {
    await stack.stop().catch(() => {});
    throw error;
  }
  return stack;
}

module.exports = { REPO_ROOT, OUTPUT_ROOT, LOCAL, freePort, python, sleep, startStack, tail };
