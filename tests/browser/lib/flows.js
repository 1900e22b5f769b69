'use strict';
// Steps a person takes in the dashboard, written with the selectors a person would use: labels,
// roles and button texts (the pages promise a visible <label> for every input and a text for every
// button). Each step checks that it landed where it should.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const PASSWORD = 'correct-horse-battery-staple-42';

function uniqueEmail(prefix) {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}@example.com`;
}

/** Waits until `fn()` is truthy (polled every 100 ms), or fails with `what` after `timeoutMs`. */
async function until(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** Clicks and waits for the navigation it causes; answers the main response. */
async function clickAndNavigate(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return response;
}

/** Signs up on /signup; answers {email, password, slug} (slug from the overview URL /a/{slug}). */
async function signup(page, baseUrl, accountName) {
  const email = uniqueEmail('browser');
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Account name').fill(accountName);
  const response = await clickAndNavigate(page, page.getByRole('button', { name: 'Create account' }));
  const match = new URL(page.url()).pathname.match(/^\/a\/([^/]+)$/);
  assert.ok(match, `signup must land on the overview /a/{slug}, got ${page.url()} (HTTP ${response && response.status()})`);
  return { email, password: PASSWORD, slug: match[1] };
}

/** From anywhere in the account: Servers → Add server → fill in → submit. Answers the server's page URL. */
async function addServer(page, name, upstreamUrl) {
  await clickAndNavigate(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Servers' }));
  await clickAndNavigate(page, page.getByRole('link', { name: 'Add server' }).first());
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('MCP endpoint URL').fill(upstreamUrl);
  const response = await clickAndNavigate(page, page.getByRole('button', { name: 'Add server' }));
  assert.equal(response.status(), 200, `adding a server lands on its page (got ${response.status()} at ${page.url()})`);
  assert.equal((await page.getByRole('heading', { level: 1 }).textContent()).trim(), name);
  return page.url().split('?')[0];
}

/** On a server's page: Sync tools; answers the tool names the page lists. */
async function syncTools(page) {
  const response = await clickAndNavigate(page, page.getByRole('button', { name: 'Sync tools' }));
  assert.equal(response.status(), 200, `sync answers the server page (got ${response.status()}): ${await page.locator('.alert').allTextContents()}`);
  const names = await page.locator('.tool-list .tool-name').allTextContents();
  assert.ok(names.length > 0, 'after a sync the server page lists the tools');
  return names.map((name) => name.trim());
}

/** On a server's page: Policies → New policy with `start` (radio label) → the editor. Answers its URL. */
async function createPolicy(page, name, startLabel) {
  await clickAndNavigate(page, page.getByRole('link', { name: 'Policies', exact: true }).first());
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel(startLabel).check();
  const response = await clickAndNavigate(page, page.getByRole('button', { name: 'Create policy' }));
  assert.equal(response.status(), 200, `creating a policy opens the editor (got ${response.status()} at ${page.url()})`);
  assert.equal((await page.getByRole('heading', { level: 1 }).textContent()).trim(), name);
  await builderReady(page);
  return page.url().split('?')[0];
}

/** The editor's script has turned the plain form into the two tabs. */
async function builderReady(page) {
  await page.getByRole('tab', { name: 'Builder' }).waitFor();
  await page.getByRole('tab', { name: 'JSON' }).waitFor();
}

/** The builder's row of one tool (an item of the list named "Tools"). */
function toolRow(page, tool) {
  return page
    .getByRole('list', { name: 'Tools' })
    .getByRole('listitem')
    .filter({ has: page.getByText(tool, { exact: true }) });
}

async function selectTab(page, name) {
  const tab = page.getByRole('tab', { name });
  await tab.click();
  await until(`the ${name} tab to be selected`, async () => (await tab.getAttribute('aria-selected')) === 'true');
}

/** The JSON tab's text (switches to the tab). */
async function jsonText(page) {
  await selectTab(page, 'JSON');
  return page.getByLabel('Policy document (JSON)').inputValue();
}

/** Presses "Save new version" and waits for the status to say which version was saved. */
async function saveBuilder(page) {
  await page.getByRole('button', { name: 'Save new version' }).click();
  const status = page.getByRole('status').filter({ hasText: /Saved as version|Not saved/ });
  const text = await until('the save status', async () => {
    const all = await status.allTextContents();
    return all.find((t) => /Saved as version \d+|Not saved/.test(t));
  });
  const match = text.match(/Saved as version (\d+)/);
  assert.ok(match, `the builder saved the policy: ${text}`);
  return Number(match[1]);
}

/** Grants → New grant → label + "Server and policy" option → Create grant: the token page. */
async function createGrant(page, label, optionLabel) {
  await clickAndNavigate(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Grants' }));
  await clickAndNavigate(page, page.getByRole('link', { name: 'New grant' }).first());
  await page.getByLabel('Label').fill(label);
  await page.getByLabel('Server and policy').selectOption({ label: optionLabel });
  const response = await clickAndNavigate(page, page.getByRole('button', { name: 'Create grant' }));
  assert.equal(response.status(), 200, `creating a grant answers the token page (got ${response.status()})`);
}

/** Clicks a link of the main navigation (its name may carry a badge: "Approvals 1 pending"). */
async function openFromNav(page, name) {
  const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}\\b`) });
  const response = await clickAndNavigate(page, link);
  assert.equal(response.status(), 200, `${name} answers its page (got ${response.status()} at ${page.url()})`);
  assert.equal((await page.getByRole('heading', { level: 1 }).textContent()).trim(), name);
}

/** The Approvals link's badge in the main navigation: its text ("1 pending"), or null when it shows none. */
async function approvalsBadge(page) {
  const badge = page.getByRole('navigation', { name: 'Main' }).locator('#nav-approvals-count .nav-count');
  if ((await badge.count()) === 0) return null;
  return (await badge.textContent()).replace(/\s+/g, ' ').trim();
}

/** On the Approvals page: the pending approval of `tool` (an item of the list under "Waiting for a decision"). */
function pendingApproval(page, tool) {
  return page
    .getByRole('region', { name: 'Waiting for a decision' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { level: 3, name: tool, exact: true }) });
}

module.exports = {
  PASSWORD,
  addServer,
  approvalsBadge,
  builderReady,
  clickAndNavigate,
  createGrant,
  createPolicy,
  jsonText,
  openFromNav,
  pendingApproval,
  saveBuilder,
  selectTab,
  signup,
  syncTools,
  toolRow,
  uniqueEmail,
  until,
};
