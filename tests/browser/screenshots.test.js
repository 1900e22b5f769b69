'use strict';
// Screenshots of every dashboard page at desktop (1280×900) and phone (390×844) widths, light and
// dark (the system setting, as a browser reports it), under test-output/screenshots/
// `<page>--<desktop|phone>-<light|dark>.png`, for people to look at. While there, each page is
// checked for what the issue requires of every page: every control has a visible label, every button
// a text, no request leaves the machine, no script error. What is measured but left to a person's
// judgement (content wider than a phone, elements sticking out of the viewport) is written to
// test-output/screenshots/report.json and printed.
// States shown besides the plain pages: a pending approval (the agent's call of a require_approval tool),
// the settings page with a failed webhook delivery (the URL is a loopback port where nothing listens),
// the settings page that shows the new signing secret once, and the signed-in 404.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { newContext, watch } = require('./lib/browser');
const flows = require('./lib/flows');
const { useStack, withDiagnostics } = require('./lib/harness');
const { runClient } = require('./lib/mcp');
const { OUTPUT_ROOT, freePort } = require('./lib/stack');

const OUT = path.join(OUTPUT_ROOT, 'screenshots');
const VARIANTS = [
  { name: 'desktop-light', options: { viewport: { width: 1280, height: 900 }, colorScheme: 'light' } },
  { name: 'desktop-dark', options: { viewport: { width: 1280, height: 900 }, colorScheme: 'dark' } },
  { name: 'phone-light', options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'light' } },
  { name: 'phone-dark', options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'dark' } },
];
// Pages that another issue adds: screenshotted when the account's route answers 200.
const OPTIONAL = [
  ['approvals', '/approvals'],
  ['activity', '/activity'],
];

// A tool the recommended policy puts under "Require approval" (Financial): calling it creates an approval,
// and with it a webhook delivery.
const APPROVAL_TOOL = 'transfer_funds';
const FAILED_BANNER = /\d+ deliver(y|ies) failed in the last 24 hours/;

const account = {};
// The agent's held call (the gateway holds it up to the policy's default 25 s wait): ended at the test's end.
const stopClient = new AbortController();
let heldCall = null;
const env = useStack('screenshots', async () => {
  // Only this file's own screenshots go: other files (approvals.test.js) write theirs here too.
  fs.mkdirSync(OUT, { recursive: true });
  for (const file of fs.readdirSync(OUT)) {
    if (/--(desktop|phone)-(light|dark)\.png$/.test(file) || file === 'report.json') fs.rmSync(path.join(OUT, file), { force: true });
  }
  const context = await newContext(env.browser);
  const page = await context.newPage();
  watch(page);
  await withDiagnostics(env, 'setup', () => [page], async () => {
    Object.assign(account, await flows.signup(page, env.stack.baseUrl, 'Acme Robotics'));
    account.serverUrl = await flows.addServer(page, 'System tools', env.stack.sysmgmt.url);
    await flows.syncTools(page);
    account.editorUrl = await flows.createPolicy(page, 'agents', 'Recommended from the tools’ risk');
    // A second version, so that the history shows a diff.
    await flows.toolRow(page, 'delete_path').getByLabel('State').selectOption({ label: 'Deny' });
    await flows.toolRow(page, 'delete_path').getByLabel('Reason shown to the agent').fill('Deleting files is not allowed for agents.');
    await flows.toolRow(page, 'kill_process').getByLabel('State').selectOption({ label: 'Hide' });
    await flows.saveBuilder(page);
    await flows.createGrant(page, 'CI agent', 'System tools · policy agents');
    const token = (await page.locator('#grant-token').textContent()).trim();
    const gatewayUrl = (await page.getByText('Gateway URL:').locator('code').textContent()).trim();

    // Settings with failed deliveries: the webhook points at a loopback port where nothing listens, then
    // an approval is requested (the agent calls a require_approval tool), so its delivery is tried and fails.
    account.webhookUrl = `http://127.0.0.1:${await freePort()}/hook`;
    await flows.openFromNav(page, 'Settings');
    await page.getByLabel('Webhook URL').fill(account.webhookUrl);
    const saved = await flows.clickAndNavigate(page, page.getByRole('button', { name: 'Save webhook' }));
    assert.equal(saved.status(), 200, `saving the webhook answers the settings page (got ${saved.status()})`);
    await page.getByText(/^whsec_/).waitFor();
    heldCall = runClient(gatewayUrl, token, [[APPROVAL_TOOL, { amount: 12.5, to: 'ACME-0042' }]], { readTimeoutSeconds: 40, signal: stopClient.signal });
    heldCall.catch(() => {}); // awaited at the end; a failure before then must not be an unhandled rejection
    await flows.until('the settings page to show the failed delivery', async () => {
      await page.goto(`${env.stack.baseUrl}/a/${account.slug}/settings`);
      return FAILED_BANNER.test(await page.locator('#delivery-failures').textContent({ timeout: 1000 }).catch(() => ''));
    }, 30000);
    account.storageState = await context.storageState();
  });
  await context.close();
});

/** What the issue requires of every page, and a few measurements for a person to judge. */
function inspect(page) {
  return page.evaluate(() => {
    // Rendered (not display:none, not inside a closed <details>, not visibility:hidden) and not empty.
    const visible = (element) => {
      const rect = element.getBoundingClientRect();
      return element.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true }) && rect.width > 0 && rect.height > 0;
    };
    const describe = (element) => {
      let text = element.tagName.toLowerCase();
      if (element.id) text += `#${element.id}`;
      else if (element.className && typeof element.className === 'string') text += `.${element.className.trim().split(/\s+/).join('.')}`;
      const label = (element.getAttribute('name') || element.textContent || '').trim().slice(0, 40);
      return label ? `${text} "${label}"` : text;
    };
    const unlabelled = [];
    for (const control of document.querySelectorAll('input, select, textarea')) {
      if (control.type === 'hidden' || !visible(control)) continue;
      const labels = [...(control.labels || [])].filter(visible);
      if (labels.length === 0) unlabelled.push(describe(control));
    }
    const textless = [];
    for (const button of document.querySelectorAll('button, [role="button"], input[type="submit"]')) {
      if (!visible(button)) continue;
      const text = (button.textContent || button.value || '').trim();
      if (!text) textless.push(describe(button));
    }
    // Elements that stick out to the right of the viewport, outside any scrolling container.
    const width = document.documentElement.clientWidth;
    const clipped = (element) => {
      for (let parent = element.parentElement; parent; parent = parent.parentElement) {
        const overflow = getComputedStyle(parent).overflowX;
        if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden' || overflow === 'clip') return true;
      }
      return false;
    };
    const sticking = [];
    for (const element of document.body.querySelectorAll('*')) {
      if (!visible(element)) continue;
      const rect = element.getBoundingClientRect();
      if (rect.right > width + 1 && !clipped(element)) {
        const parentSticks = element.parentElement && element.parentElement.getBoundingClientRect().right > width + 1 && !clipped(element.parentElement);
        if (!parentSticks) sticking.push(`${describe(element)} (right edge ${Math.round(rect.right)} > ${width})`);
      }
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: width,
      unlabelled,
      textless,
      sticking: sticking.slice(0, 10),
    };
  });
}

async function shoot(page, name, variant, report, t) {
  await page.waitForLoadState('networkidle', { timeout: 10000 }).catch(() => {});
  const file = path.join(OUT, `${name}--${variant.name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', timeout: 20000 });
  const found = await inspect(page);
  report[`${name}--${variant.name}`] = { url: page.url(), ...found };
  if (found.scrollWidth > found.clientWidth) {
    t.diagnostic(`${name} (${variant.name}): page is ${found.scrollWidth}px wide in a ${found.clientWidth}px viewport: ${found.sticking.join('; ')}`);
  }
  return found;
}

test('every page at desktop and phone widths, light and dark', { timeout: 600000 }, async (t) => {
  try {
    await everyPage(t);
  } finally {
    stopClient.abort();
    if (heldCall) await heldCall.catch(() => {});
  }
});

async function everyPage(t) {
  const base = env.stack.baseUrl;
  const acct = `${base}/a/${account.slug}`;
  const report = {};
  const failures = [];
  const optional = [];
  for (const [name, route] of OPTIONAL) {
    const response = await fetch(`${acct}${route}`, { redirect: 'manual', headers: { cookie: cookieHeader(account.storageState) } });
    if (response.status === 200) optional.push([name, route]);
    else t.diagnostic(`${name}: ${route} answers ${response.status}, no screenshot (page not there yet)`);
  }

  for (const variant of VARIANTS) {
    // Signed out: login (and its error) and signup.
    const anonymous = await newContext(env.browser, variant.options);
    const anonPage = await anonymous.newPage();
    const anonProblems = watch(anonPage);
    await withDiagnostics(env, `anon-${variant.name}`, () => [anonPage], async () => {
      await anonPage.goto(`${base}/login`);
      await collect(await shoot(anonPage, 'login', variant, report, t), 'login', variant, failures);
      await anonPage.getByLabel('Email').fill(account.email);
      await anonPage.getByLabel('Password').fill('wrong-password-for-the-screenshot');
      await flows.clickAndNavigate(anonPage, anonPage.getByRole('button', { name: 'Log in' }));
      await collect(await shoot(anonPage, 'login-error', variant, report, t), 'login-error', variant, failures);
      await anonPage.goto(`${base}/signup`);
      await collect(await shoot(anonPage, 'signup', variant, report, t), 'signup', variant, failures);
    });
    await anonymous.close();
    failures.push(...anonProblems.filter((p) => !/Failed to load resource.*401/.test(p)).map((p) => `${variant.name}: ${p}`));

    // Signed in.
    const context = await newContext(env.browser, { ...variant.options, storageState: account.storageState });
    const page = await context.newPage();
    const problems = watch(page);
    await withDiagnostics(env, variant.name, () => [page], async () => {
      const visit = async (name, url, prepare) => {
        const response = await page.goto(url);
        assert.equal(response.status(), 200, `${name}: ${url} answers 200`);
        if (prepare) await prepare();
        await collect(await shoot(page, name, variant, report, t), name, variant, failures);
      };
      await visit('overview', acct);
      await visit('servers', `${acct}/servers`);
      await visit('server-detail', account.serverUrl);
      await visit('server-new', `${acct}/servers/new`);
      await visit('policies', `${account.serverUrl}/policies`);
      await visit('builder', account.editorUrl, async () => {
        await flows.builderReady(page);
        // Open one tool's Custom panel: limits and rules are part of the page.
        const row = flows.toolRow(page, 'create_background_task');
        if ((await row.getByLabel('State').inputValue()) !== 'custom') await row.getByLabel('State').selectOption({ label: 'Custom' });
        const edit = row.getByRole('button', { name: 'Edit rules' });
        if (await edit.count()) await edit.click();
        await row.getByRole('button', { name: 'Add limit' }).first().waitFor();
      });
      await flows.selectTab(page, 'JSON');
      await collect(await shoot(page, 'builder-json', variant, report, t), 'builder-json', variant, failures);
      await visit('policy-history', `${account.editorUrl}/history`);
      await visit('grants', `${acct}/grants`);
      await visit('grant-new', `${acct}/grants/new`);
      await flows.createGrant(page, `Agent ${variant.name}`, 'System tools · policy agents');
      await collect(await shoot(page, 'grant-token', variant, report, t), 'grant-token', variant, failures);
      await page.goto(`${acct}/grants`);
      await flows.clickAndNavigate(page, page.getByRole('link', { name: /^Revoke/ }).first());
      await collect(await shoot(page, 'grant-revoke', variant, report, t), 'grant-revoke', variant, failures);
      for (const [name, route] of optional) await visit(name, `${acct}${route}`);
      // Settings: the failed delivery is listed and announced; then the webhook saved again (the same
      // unreachable URL) answers the page that shows the new signing secret once.
      await visit('settings', `${acct}/settings`, async () => {
        assert.match(await page.locator('#delivery-failures').textContent(), FAILED_BANNER, 'the failure banner');
        assert.ok((await page.locator('tr.delivery-failing').count()) >= 1, 'a failing delivery row');
        await page.locator('#nav-settings-alert .nav-alert').waitFor(); // the nav's "!" (loaded by htmx)
      });
      await page.getByLabel('New webhook URL').fill(account.webhookUrl);
      const replaced = await flows.clickAndNavigate(page, page.getByRole('button', { name: 'Replace webhook' }));
      assert.equal(replaced.status(), 200, `replacing the webhook answers the page with the secret (got ${replaced.status()})`);
      await page.getByText(/^whsec_/).waitFor();
      await collect(await shoot(page, 'settings-secret', variant, report, t), 'settings-secret', variant, failures);
      const missing = await page.goto(`${acct}/no-such-page`);
      assert.equal(missing.status(), 404);
      await collect(await shoot(page, 'not-found', variant, report, t), 'not-found', variant, failures);
    });
    await context.close();
    failures.push(...problems.filter((p) => !/Failed to load resource.*404/.test(p)).map((p) => `${variant.name}: ${p}`));
  }

  fs.writeFileSync(path.join(OUT, 'report.json'), JSON.stringify(report, null, 2));
  const shots = fs.readdirSync(OUT).filter((file) => /--(desktop|phone)-(light|dark)\.png$/.test(file));
  t.diagnostic(`${shots.length} screenshots in ${OUT}`);
  assert.ok(shots.length >= VARIANTS.length * (18 + optional.length), `a screenshot of every page in every variant (${shots.length})`);
  assert.deepEqual(failures, [], 'every control has a visible label, every button a text, no script error, no external request');
}

/** Requirement failures of one page: controls without a visible label, buttons without a text. */
async function collect(found, name, variant, failures) {
  for (const control of found.unlabelled) failures.push(`${name} (${variant.name}): no visible label for ${control}`);
  for (const button of found.textless) failures.push(`${name} (${variant.name}): button without a text: ${button}`);
}

function cookieHeader(state) {
  return state.cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}
