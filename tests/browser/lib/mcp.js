'use strict';
// The official Python MCP SDK client (PyPI mcp==2.3.0, from the e2e venv) run as a small inline
// script: it connects to the gateway URL with the grant's token and makes the calls it is given.

const { execFile } = require('node:child_process');
const { python, REPO_ROOT } = require('./stack');

// argv: URL TOKEN CALLS_JSON, where CALLS_JSON is [[tool, arguments], ...].
// Prints one JSON object: {tools: [names], calls: [{tool, is_error, text, decision} | {tool, error: {code, message}}]}.
const SCRIPT = String.raw`
import json, sys
from importlib.metadata import version
import anyio, httpx2
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

assert version("mcp") == "2.3.0", version("mcp")
url, token, calls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

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
                    result = await client.call_tool(tool, arguments)
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

/** Runs the client; answers its parsed report. Bounded to 120 s. */
function runClient(url, token, calls) {
  return new Promise((resolve, reject) => {
    execFile(
      python(),
      ['-c', SCRIPT, url, token, JSON.stringify(calls)],
      { cwd: REPO_ROOT, timeout: 120000, maxBuffer: 4 * 1024 * 1024 },
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
