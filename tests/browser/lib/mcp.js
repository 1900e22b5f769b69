'use strict';
// The official Python MCP SDK client (PyPI mcp==2.3.0, from the e2e venv) run as a small inline
// script: it connects to the gateway URL with the grant's token and makes the calls it is given.

const { execFile } = require('node:child_process');
const { python, REPO_ROOT } = require('./stack');

// argv: URL TOKEN CALLS_JSON [OPTIONS_JSON], where CALLS_JSON is [[tool, arguments], ...] and OPTIONS_JSON
// is {"read_timeout_seconds": N} (how long each call may wait for its answer; default 30, e.g. longer for
// a call the gateway holds for an approval).
// Prints one JSON object: {tools: [names], calls: [{tool, is_error, text, decision} | {tool, error: {code, message}}]}.
const SCRIPT = String.raw`
import json, sys
from importlib.metadata import version
import anyio, httpx2
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

assert version("mcp") == "2.3.0", version("mcp")
url, token, calls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
options = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
read_timeout = options.get("read_timeout_seconds", 30)

def text_of(result):
    return "\n".join(getattr(c, "text", "") for c in result.content)

async def run():
    out = {"tools": [], "calls": []}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode="legacy", cache=None, read_timeout_seconds=30) as client:
            out["tools"] = [tool.name for tool in (await client.list_tools()).tools]
            for tool, arguments in calls:
                try:
                    result = await client.call_tool(tool, arguments, read_timeout_seconds=read_timeout)
                except MCPError as error:
                    out["calls"].append({"tool": tool, "error": {"code": error.code, "message": error.message}})
                    continue
                meta = result.meta or {}
                out["calls"].append({
                    "tool": tool,
                    "is_error": bool(result.is_error),
                    "text": text_of(result),
                    "decision": meta.get("dev.toolgate/decision"),
                })
    return out

async def main():
    with anyio.fail_after(90):
        print(json.dumps(await run()))

anyio.run(main)
`;

/**
 * Runs the client; answers its parsed report. Bounded to 120 s. `options`: `readTimeoutSeconds` (per
 * call, default 30), `signal` (an AbortSignal that ends the client early, e.g. when a test that runs it
 * in the background fails).
 */
function runClient(url, token, calls, options = {}) {
  const argv = ['-c', SCRIPT, url, token, JSON.stringify(calls)];
  if (options.readTimeoutSeconds !== undefined) {
    argv.push(JSON.stringify({ read_timeout_seconds: options.readTimeoutSeconds }));
  }
  return new Promise((resolve, reject) => {
    execFile(
      python(),
      argv,
      { cwd: REPO_ROOT, timeout: 120000, maxBuffer: 4 * 1024 * 1024, signal: options.signal },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`the Python MCP client failed (${error.code || error.signal}):\n${stderr}\n${stdout}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop()));
        } catch (parseError) {
          reject(new Error(`the Python MCP client printed no JSON: ${parseError.message}\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

module.exports = { runClient };
