'use strict';
// Issue 4's main path in a real browser: sign up → register the server → sync → in the policy builder
// deny one tool with a reason, limit another to 3 per minute, hide a third → save → the JSON tab
// shows exactly that document → create a grant and copy its token from the page → the official Python
// MCP client with that token sees the three behaviours through the gateway.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { newContext, watch } = require('./lib/browser');
const flows = require('./lib/flows');
const { useStack, withDiagnostics } = require('./lib/harness');
const { runClient } = require('./lib/mcp');

const env = useStack('main-path');

const DENIED = 'delete_path';
const LIMITED = 'create_background_task';
const HIDDEN = 'kill_process';
const REASON = 'Deleting files is not allowed for agents.';
const RISK_BADGE = /^(Read|Write|Execute|Destructive|Financial) · (Low|Medium|High|Critical)$/;

test('sign up, register, sync, build a policy, grant, and the MCP client sees the policy', { timeout: 240000 }, async () => {
  const context = await newContext(env.browser, { permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const problems = watch(page);
  try {
    await withDiagnostics(env, 'main-path', () => [page], async () => {
      const base = env.stack.baseUrl;
      await flows.signup(page, base, 'Browser Main');

      // --- register the fixture and sync its tools: each tool shows its risk ---
      await flows.addServer(page, 'System tools', env.stack.sysmgmt.url);
      const tools = await flows.syncTools(page);
      for (const name of [DENIED, LIMITED, HIDDEN, 'transfer_funds', 'list_processes']) {
        assert.ok(tools.includes(name), `the synced tool list has ${name}: ${tools}`);
      }
      const badge = async (tool) =>
        (await page.locator(`[id="tool-${tool}"]`).locator('.tool-head .badge').first().textContent()).trim();
      for (const tool of tools) assert.match(await badge(tool), RISK_BADGE, `risk badge of ${tool}`);
      assert.match(await badge(DENIED), /^Destructive · /, 'delete_path is destructive');
      assert.match(await badge('transfer_funds'), /^Financial · /, 'transfer_funds is financial');
      assert.match(await badge('list_processes'), /^Read · /, 'list_processes only reads');

      // --- the policy builder ---
      const editorUrl = await flows.createPolicy(page, 'agents', 'Empty: deny every tool (then allow what you need)');
      await flows.toolRow(page, DENIED).getByLabel('State').selectOption({ label: 'Deny' });
      await flows.toolRow(page, DENIED).getByLabel('Reason shown to the agent').fill(REASON);

      await flows.toolRow(page, LIMITED).getByLabel('State').selectOption({ label: 'Custom' });
      const limitedRow = flows.toolRow(page, LIMITED);
      await limitedRow.getByRole('button', { name: 'Add limit' }).click();
      await limitedRow.getByLabel('Max calls').fill('3');
      assert.equal(await limitedRow.getByLabel('Per window').inputValue(), 'minute', 'a new limit counts per minute');
      assert.equal(await limitedRow.getByLabel('Scope').inputValue(), 'grant', 'a new limit counts per grant');
      const counter = await limitedRow.getByLabel('Counter').inputValue();
      assert.ok(counter.length > 0, 'a new limit has a counter name');

      await flows.toolRow(page, HIDDEN).getByLabel('State').selectOption({ label: 'Hide' });

      const expected = {
        version: '1',
        default: 'deny',
        hide: [HIDDEN],
        tools: {
          [DENIED]: { action: 'deny', reason: REASON },
          [LIMITED]: { limits: [{ counter, window: 'minute', max: 3, scope: 'grant' }] },
        },
      };
      const version = await flows.saveBuilder(page);
      assert.equal(version, 2, 'the first save after creating the policy is version 2');
      assert.deepEqual(JSON.parse(await flows.jsonText(page)), expected, 'the JSON tab shows exactly the built document');

      // What the server stored: the editor loaded afresh shows the same document and the same states.
      await page.goto(editorUrl);
      await flows.builderReady(page);
      assert.equal(await flows.toolRow(page, DENIED).getByLabel('State').inputValue(), 'deny');
      assert.equal(await flows.toolRow(page, DENIED).getByLabel('Reason shown to the agent').inputValue(), REASON);
      assert.equal(await flows.toolRow(page, LIMITED).getByLabel('State').inputValue(), 'custom');
      assert.equal(await flows.toolRow(page, HIDDEN).getByLabel('State').inputValue(), 'hide');
      assert.deepEqual(JSON.parse(await flows.jsonText(page)), expected, 'the saved version is that document');

      // --- a grant, and its token copied with the page's Copy button ---
      await flows.createGrant(page, 'Laptop agent', 'System tools · policy agents');
      const shown = (await page.locator('#grant-token').textContent()).trim();
      await page.getByRole('button', { name: 'Copy token' }).click();
      const token = await flows.until('the token on the clipboard', () => page.evaluate(() => navigator.clipboard.readText()));
      assert.equal(token, shown, 'Copy token puts the token shown on the page on the clipboard');
      assert.match(token, /^tg_/, 'a grant token starts with tg_');
      const gatewayUrl = (await page.getByText('Gateway URL:').locator('code').textContent()).trim();
      assert.ok(gatewayUrl.startsWith(`${base}/mcp/`), `the token page names this gateway: ${gatewayUrl}`);

      // --- the official Python MCP client through the gateway ---
      const before = await env.stack.sysmgmt.calls();
      const report = await runClient(gatewayUrl, token, [
        [DENIED, { path: '/etc' }],
        [LIMITED, { name: 'one' }],
        [LIMITED, { name: 'two' }],
        [LIMITED, { name: 'three' }],
        [LIMITED, { name: 'four' }],
        [HIDDEN, { pid: 1 }],
      ]);
      const after = await env.stack.sysmgmt.calls();
      const forwarded = (tool) => (after[tool] || 0) - (before[tool] || 0);

      assert.ok(report.tools.includes(DENIED), `a denied tool stays listed: ${report.tools}`);
      assert.ok(report.tools.includes(LIMITED), `the limited tool is listed: ${report.tools}`);
      assert.ok(!report.tools.includes(HIDDEN), `the hidden tool is not listed: ${report.tools}`);

      const [denied, ...rest] = report.calls;
      assert.equal(denied.is_error, true, `the denied tool answers isError: ${JSON.stringify(denied)}`);
      assert.ok(denied.text.includes(REASON), `the refusal carries the reason: ${denied.text}`);
      assert.equal(denied.decision && denied.decision.decision, 'denied', JSON.stringify(denied));
      assert.equal(denied.decision.rule, `/tools/${DENIED}`, JSON.stringify(denied));
      assert.equal(forwarded(DENIED), 0, 'a denied call never reaches the upstream');

      const limited = rest.slice(0, 4);
      for (const [i, call] of limited.slice(0, 3).entries()) {
        assert.equal(call.is_error, false, `call ${i + 1} of 3 allowed is forwarded: ${JSON.stringify(call)}`);
      }
      const refused = limited[3];
      assert.equal(refused.is_error, true, `the 4th call in a minute is refused: ${JSON.stringify(refused)}`);
      assert.equal(refused.decision && refused.decision.decision, 'rate_limited', JSON.stringify(refused));
      assert.ok(Number.isInteger(refused.decision.retry_after_ms) && refused.decision.retry_after_ms > 0, JSON.stringify(refused));
      assert.ok(refused.decision.retry_after_ms <= 60000, JSON.stringify(refused));
      assert.match(refused.text, /retry/i, 'a rate-limit refusal tells the model when to retry');
      assert.equal(forwarded(LIMITED), 3, 'exactly the 3 admitted calls reach the upstream');

      const hidden = rest[4];
      assert.ok(hidden.error, `calling a hidden tool is a JSON-RPC error: ${JSON.stringify(hidden)}`);
      assert.equal(hidden.error.code, -32602, JSON.stringify(hidden));
      assert.equal(forwarded(HIDDEN), 0, 'a hidden tool is never called');

      assert.deepEqual(problems, [], 'no console errors, uncaught exceptions or external requests');
    });
  } finally {
    await context.close();
  }
});
