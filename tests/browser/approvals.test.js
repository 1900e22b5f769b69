'use strict';
// Issue 5's approvals in a real browser: a tool under "Require approval" (built in the policy builder,
// with a 60 s inline wait set in the JSON tab) → the Approvals page is open BEFORE the agent calls →
// the official Python MCP client calls the tool and the gateway holds the call → the request appears
// on the open page by itself (no reload), with its arguments, and the navigation badge counts it →
// the approver presses Approve → the held call completes with the upstream's own result, forwarded
// exactly once. A second held call is denied with a note typed while the list refreshes: the agent gets it.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { newContext, watch } = require('./lib/browser');
const flows = require('./lib/flows');
const { useStack, withDiagnostics } = require('./lib/harness');
const { runClient } = require('./lib/mcp');
const { OUTPUT_ROOT } = require('./lib/stack');

const env = useStack('approvals');

const TOOL = 'kill_process';
const SERVER = 'System tools';
const POLICY = 'approvals';
const GRANT = 'Ops agent';
const PID = 48213;
const SCREENSHOT = path.join(OUTPUT_ROOT, 'screenshots', 'approvals--pending-desktop-light.png');

test('a held call appears live on the Approvals page, Approve releases it, Deny sends the note', { timeout: 240000 }, async (t) => {
  const context = await newContext(env.browser);
  const page = await context.newPage();
  const problems = watch(page);
  const stopClient = new AbortController();
  let client = null;
  try {
    await withDiagnostics(env, 'approvals', () => [page], async () => {
      const base = env.stack.baseUrl;
      await flows.signup(page, base, 'Browser Approvals');
      await flows.addServer(page, SERVER, env.stack.sysmgmt.url);
      const tools = await flows.syncTools(page);
      assert.ok(tools.includes(TOOL), `the synced tool list has ${TOOL}: ${tools}`);

      // --- the policy: kill_process needs a person (builder), and the gateway holds the call 60 s (JSON tab) ---
      const editorUrl = await flows.createPolicy(page, POLICY, 'Empty: deny every tool (then allow what you need)');
      await flows.toolRow(page, TOOL).getByLabel('State').selectOption({ label: 'Require approval' });
      const built = JSON.parse(await flows.jsonText(page));
      assert.deepEqual(built.tools, { [TOOL]: { action: 'require_approval' } }, 'the builder wrote the approval rule');
      const expected = { ...built, tools: { [TOOL]: { action: 'require_approval', approval: { wait: '60s', timeout: '10m' } } } };
      await page.getByLabel('Policy document (JSON)').fill(JSON.stringify(expected, null, 2));
      assert.equal(await flows.saveBuilder(page), 2, 'the first save after creating the policy is version 2');
      await page.goto(editorUrl);
      await flows.builderReady(page);
      assert.equal(await flows.toolRow(page, TOOL).getByLabel('State').inputValue(), 'require_approval');
      assert.deepEqual(JSON.parse(await flows.jsonText(page)), expected, 'the saved version holds the 60 s wait');

      await flows.createGrant(page, GRANT, `${SERVER} · policy ${POLICY}`);
      const token = (await page.locator('#grant-token').textContent()).trim();
      assert.match(token, /^tg_/, 'a grant token starts with tg_');
      const gatewayUrl = (await page.getByText('Gateway URL:').locator('code').textContent()).trim();
      assert.ok(gatewayUrl.startsWith(`${base}/mcp/`), `the token page names this gateway: ${gatewayUrl}`);

      // --- the Approvals page, open before the agent calls: nothing waiting, no badge ---
      await flows.openFromNav(page, 'Approvals');
      const waiting = page.getByRole('region', { name: 'Waiting for a decision' });
      await waiting.getByText('No call is waiting for a decision').waitFor();
      // Wait for the badge's first load (hx-trigger "load") so "no badge" means "counted 0".
      await page.waitForLoadState('networkidle');
      assert.equal(await flows.approvalsBadge(page), null, 'no badge while nothing waits');
      // From here on the page must never load again: a mark on its window would not survive a reload.
      await page.evaluate(() => {
        window.__approvalsTestMark = 'still the same page';
      });
      let navigations = 0;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations += 1;
      });

      // --- the agent calls the tool; the gateway holds the call ---
      const before = await env.stack.sysmgmt.calls();
      const calledAt = Date.now();
      client = runClient(gatewayUrl, token, [[TOOL, { pid: PID }]], { readTimeoutSeconds: 75, signal: stopClient.signal });
      client.catch(() => {}); // awaited below; a failure before then must not be an unhandled rejection

      // The request appears by itself (htmx polls every 2 s); the Python client needs a second or two to start.
      const row = flows.pendingApproval(page, TOOL);
      await flows.until('the held call to appear on the open Approvals page', async () => (await row.count()) === 1, 30000);
      const appearedAfter = Date.now() - calledAt;
      assert.equal(navigations, 0, 'the approval appeared without the page loading again');
      assert.equal(await page.evaluate(() => window.__approvalsTestMark), 'still the same page', 'no reload');
      assert.equal(await waiting.getByRole('listitem').count(), 1, 'one held call, one request');

      // What the approver needs to decide: tool, grant, server, risk, time left, and the arguments' values.
      const meta = (await row.locator('dl').innerText()).replace(/\s+/g, ' ').trim();
      assert.match(meta, new RegExp(`Grant ${GRANT}`), `the request names the grant: ${meta}`);
      assert.match(meta, new RegExp(`Server ${SERVER}`), `the request names the server: ${meta}`);
      assert.match(await row.locator('.approval-head').innerText(), /Destructive · (Medium|High|Critical)/, 'the risk of killing a process');
      assert.match(await row.getByText(/ left$/).innerText(), /^(\d+ min )?\d+ s left$/, 'the time left to decide');
      assert.ok(await row.getByText('Arguments (shown only to approvers)').isVisible(), 'the arguments are labelled');
      const args = row.locator('pre');
      assert.ok(await args.isVisible(), 'the arguments are visible to the approver');
      assert.deepEqual(JSON.parse(await args.innerText()), { pid: PID }, 'the arguments the agent sent');
      const decide = (name) => row.getByRole('button', { name: `${name} ${TOOL}` });
      assert.ok(await decide('Approve').isVisible() && await decide('Deny').isVisible(), 'Approve and Deny are offered');
      assert.ok(await row.getByLabel(/^Note/).isVisible(), 'an optional note');

      // The navigation badge counts it, still without a reload: on the Approvals page the badge reloads
      // each time the list does (every 2 s), so it follows the new request within a round trip.
      const badge = await flows.until('the Approvals badge to show 1', async () => {
        const text = await flows.approvalsBadge(page);
        return text === '1 pending' ? text : false;
      }, 4000);
      assert.equal(badge, '1 pending');
      const visibleBadge = await page.locator('#nav-approvals-count .nav-count').evaluate((el) => el.firstChild.textContent.trim());
      assert.equal(visibleBadge, '1', 'the badge shows the count');
      assert.equal(navigations, 0, 'the badge updated without the page loading again');

      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // Still held: nothing reached the upstream.
      const held = await env.stack.sysmgmt.calls();
      assert.equal((held[TOOL] || 0) - (before[TOOL] || 0), 0, 'a held call has not reached the upstream');

      // --- Approve, as a person would ---
      const response = await flows.clickAndNavigate(page, decide('Approve'));
      assert.equal(response.status(), 200, `Approve lands back on the Approvals page (got ${response.status()})`);
      assert.match(new URL(page.url()).pathname, /\/approvals$/, page.url());
      await page.getByRole('status').filter({ hasText: `The call to ${TOOL} was approved.` }).waitFor();

      // The held call completes with the upstream's own result, forwarded once.
      const report = await client;
      const releasedAfter = Date.now() - calledAt;
      assert.equal(report.calls.length, 1, JSON.stringify(report));
      const [call] = report.calls;
      assert.ok(!call.error, `the held call is answered, not a JSON-RPC error: ${JSON.stringify(call)}`);
      assert.equal(call.is_error, false, `the approved call is forwarded, not refused: ${JSON.stringify(call)}`);
      assert.equal(call.text, `would kill: ${PID}`, "the upstream's real result");
      assert.ok(releasedAfter < 60000, `released by the approval, before the 60 s wait ran out (${releasedAfter} ms)`);
      const after = await env.stack.sysmgmt.calls();
      assert.equal((after[TOOL] || 0) - (before[TOOL] || 0), 1, 'the upstream saw exactly one call');

      // Afterwards: nothing waits, the badge is gone, and the decision is listed as used.
      await page.reload();
      await waiting.getByText('No call is waiting for a decision').waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(await flows.approvalsBadge(page), null, 'no badge once it is decided');
      const decided = page.getByRole('region', { name: 'Recently decided' }).getByRole('row').filter({ hasText: TOOL });
      assert.equal(await decided.count(), 1, 'the decision is listed');
      assert.match(await decided.innerText(), /\bused\b/, 'the approval was used by the call it released');

      // --- a second held call, denied with a note typed while the list keeps refreshing ---
      const NOTE = 'Not on the production host, use the staging one.';
      const denyBefore = await env.stack.sysmgmt.calls();
      client = runClient(gatewayUrl, token, [[TOOL, { pid: PID + 1 }]], { readTimeoutSeconds: 75, signal: stopClient.signal });
      client.catch(() => {});
      await flows.until('the second held call to appear', async () => (await row.count()) === 1, 30000);
      assert.deepEqual(JSON.parse(await row.locator('pre').innerText()), { pid: PID + 1 }, 'the new call’s arguments');
      await row.getByLabel(/^Note/).fill(NOTE);
      // The list is replaced every 2 s: what the approver typed must survive a refresh.
      await page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/approvals/pending'), { timeout: 10000 });
      await page.waitForTimeout(300);
      assert.equal(await row.getByLabel(/^Note/).inputValue(), NOTE, 'a refresh of the list keeps the note being typed');
      await flows.clickAndNavigate(page, decide('Deny'));
      await page.getByRole('status').filter({ hasText: `The call to ${TOOL} was denied.` }).waitFor();
      const denied = (await client).calls[0];
      assert.equal(denied.is_error, true, `a denied call is an isError result: ${JSON.stringify(denied)}`);
      assert.ok(denied.text.includes(NOTE), `the approver's note reaches the agent: ${denied.text}`);
      assert.equal(denied.decision && denied.decision.decision, 'approval_denied', JSON.stringify(denied));
      const denyAfter = await env.stack.sysmgmt.calls();
      assert.equal((denyAfter[TOOL] || 0) - (denyBefore[TOOL] || 0), 0, 'a denied call never reaches the upstream');

      assert.deepEqual(problems, [], 'no console errors, uncaught exceptions or external requests');
      t.diagnostic(`approval appeared on the open page ${appearedAfter} ms after the call started; released ${releasedAfter} ms after`);
    });
  } finally {
    stopClient.abort();
    if (client) await client.catch(() => {});
    await context.close();
  }
});
