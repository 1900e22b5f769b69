'use strict';
// What the dashboard refuses, as a browser sees it: a wrong password; a form posted from a page of
// another origin (with and without the victim's CSRF token); JSON that does not parse (or does not
// validate) in the policy editor's raw tab, shown at its line.

const assert = require('node:assert/strict');
const http = require('node:http');
const { test } = require('node:test');
const { newContext, watch } = require('./lib/browser');
const flows = require('./lib/flows');
const { useStack, withDiagnostics } = require('./lib/harness');
const { LOCAL, freePort } = require('./lib/stack');

const account = {};
const env = useStack('refusals', async () => {
  const context = await newContext(env.browser);
  const page = await context.newPage();
  await withDiagnostics(env, 'setup', () => [page], async () => {
    Object.assign(account, await flows.signup(page, env.stack.baseUrl, 'Browser Refusals'));
    account.serverUrl = await flows.addServer(page, 'System tools', env.stack.sysmgmt.url);
    await flows.syncTools(page);
    account.editorUrl = await flows.createPolicy(page, 'agents', 'Empty: deny every tool (then allow what you need)');
    account.storageState = await context.storageState();
  });
  await context.close();
});

test('a wrong password shows an error and signs nobody in', { timeout: 60000 }, async () => {
  const context = await newContext(env.browser);
  const page = await context.newPage();
  watch(page);
  try {
    await withDiagnostics(env, 'wrong-password', () => [page], async () => {
      await page.goto(`${env.stack.baseUrl}/login`);
      await page.getByLabel('Email').fill(account.email);
      await page.getByLabel('Password').fill('not-the-password-at-all');
      const response = await flows.clickAndNavigate(page, page.getByRole('button', { name: 'Log in' }));
      assert.equal(response.status(), 401, 'a wrong password answers 401');
      assert.equal(new URL(page.url()).pathname, '/login');
      const alert = page.getByRole('alert').filter({ hasText: 'incorrect' });
      assert.match((await alert.textContent()).trim(), /Email or password is incorrect/);
      assert.equal(await page.getByLabel('Email').inputValue(), account.email, 'the email is kept in the form');
      assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true', 'the password field is marked invalid');
      assert.equal(await page.getByLabel('Password').inputValue(), '', 'the wrong password is not sent back');

      const overview = await page.goto(`${env.stack.baseUrl}/a/${account.slug}`);
      assert.equal(new URL(page.url()).pathname, '/login', `not signed in: the overview redirects to login (${overview.status()})`);

      // The right password on the same form works: the error above was about the password only.
      await page.getByLabel('Email').fill(account.email);
      await page.getByLabel('Password').fill(account.password);
      await flows.clickAndNavigate(page, page.getByRole('button', { name: 'Log in' }));
      assert.equal(new URL(page.url()).pathname, `/a/${account.slug}`, 'the right password signs in');
    });
  } finally {
    await context.close();
  }
});

test('a form posted from a page of another origin is refused', { timeout: 90000 }, async () => {
  // The "attacker": a page on another port of 127.0.0.1 (same site for cookies, so the session cookie
  // IS sent) and on localhost (another site), auto-submitting a form to the dashboard.
  let leakedToken = '';
  const attacker = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://x');
    const withToken = url.searchParams.get('token') === '1';
    const target = `${env.stack.baseUrl}/a/${account.slug}/servers`;
    const fields = { name: `Evil ${url.searchParams.get('n')}`, url: 'http://127.0.0.1:9/mcp', slug: `evil-${url.searchParams.get('n')}` };
    if (withToken) fields.csrf_token = leakedToken;
    const inputs = Object.entries(fields)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
      .join('');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>prize</title><form method="post" action="${target}">${inputs}</form><script>document.forms[0].submit()</script>`);
  });
  const port = await freePort();
  await new Promise((resolve) => attacker.listen(port, LOCAL, resolve));
  const context = await newContext(env.browser, { storageState: account.storageState });
  const page = await context.newPage();
  watch(page);
  try {
    await withDiagnostics(env, 'cross-site', () => [page], async () => {
      // The victim is signed in; their CSRF token (as if it had leaked) is in the page's meta tag.
      await page.goto(`${env.stack.baseUrl}/a/${account.slug}/servers`);
      leakedToken = await page.locator('meta[name="csrf-token"]').getAttribute('content');
      assert.match(leakedToken, /\S{16,}/, 'the dashboard page carries a CSRF token');

      const attempts = [
        { n: 1, origin: `http://${LOCAL}:${port}`, token: false, what: 'same site, another origin, no token' },
        { n: 2, origin: `http://${LOCAL}:${port}`, token: true, what: 'same site, another origin, the real token' },
        { n: 3, origin: `http://localhost:${port}`, token: true, what: 'another site, the real token' },
      ];
      for (const attempt of attempts) {
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(env.stack.baseUrl)),
          page.goto(`${attempt.origin}/attack?n=${attempt.n}&token=${attempt.token ? 1 : 0}`),
        ]);
        const sentOrigin = await response.request().headerValue('origin');
        assert.equal(sentOrigin, attempt.origin, `${attempt.what}: the browser sent the attacker's Origin`);
        assert.equal(response.status(), 403, `${attempt.what}: refused with 403`);
        await page.waitForLoadState('load');
        assert.match(await page.locator('main').textContent(), /\S/, 'the 403 answer is a page');
      }

      await page.goto(`${env.stack.baseUrl}/a/${account.slug}/servers`);
      const rows = await page.getByRole('row').allTextContents();
      assert.ok(rows.some((row) => row.includes('System tools')), `the real server is listed: ${rows}`);
      assert.ok(!rows.some((row) => row.includes('Evil')), `no cross-site post created a server: ${rows}`);
    });
  } finally {
    await context.close();
    await new Promise((resolve) => attacker.close(resolve));
  }
});

test('invalid JSON in the raw JSON tab shows the error at its line', { timeout: 90000 }, async () => {
  const context = await newContext(env.browser, { storageState: account.storageState });
  const page = await context.newPage();
  const problems = watch(page);
  try {
    await withDiagnostics(env, 'invalid-json', () => [page], async () => {
      await page.goto(account.editorUrl);
      await flows.builderReady(page);
      await flows.selectTab(page, 'JSON');
      const editor = page.getByLabel('Policy document (JSON)');
      const problemsList = page.getByRole('list', { name: 'Problems in the JSON' });

      // A syntax error on line 5 (a doubled comma).
      const broken = ['{', '  "version": "1",', '  "default": "deny",', '  "tools": {', '    "delete_path": {"action": "deny",, "reason": "no"}', '  }', '}'].join('\n');
      await editor.fill(broken);
      const item = await flows.until('a problem on line 5', async () => {
        const items = await problemsList.getByRole('listitem').allTextContents();
        return items.find((text) => /^Line 5\b/.test(text.trim()));
      });
      assert.match(item, /^Line 5/, item);
      assert.equal(await editor.getAttribute('aria-invalid'), 'true', 'the textarea is marked invalid');
      const marked = await page.locator('.b-gutter-error').allTextContents();
      assert.deepEqual(marked, ['5'], 'the gutter marks line 5 and only line 5');

      // Its button puts the caret on that line.
      await problemsList.getByRole('button', { name: /^Line 5/ }).click();
      const caretLine = await editor.evaluate((area) => area.value.slice(0, area.selectionStart).split('\n').length);
      assert.equal(caretLine, 5, 'the problem button moves the caret to line 5');

      // The builder tab will not open over text that does not parse, and Save does not save it.
      await page.getByRole('tab', { name: 'Builder' }).click();
      assert.equal(await page.getByRole('tab', { name: 'JSON' }).getAttribute('aria-selected'), 'true', 'still on the JSON tab');
      await flows.until('the status to name line 5', async () =>
        (await page.getByRole('status').allTextContents()).some((text) => /line 5/.test(text)),
      );
      await page.getByRole('button', { name: 'Save new version' }).click();
      await flows.until('"Not saved" in the status', async () =>
        (await page.getByRole('status').allTextContents()).some((text) => /Not saved/.test(text)),
      );
      assert.equal(await editor.inputValue(), broken, 'the text is kept as typed');

      // Valid JSON that the validator refuses: the error is placed at the line of its pointer.
      const invalid = ['{', '  "version": "1",', '  "default": "deny",', '  "tools": {', '    "delete_path": {"action": "explode"}', '  }', '}'].join('\n');
      await editor.fill(invalid);
      const validation = await flows.until('a validation problem on line 5', async () => {
        const items = await problemsList.getByRole('listitem').allTextContents();
        return items.find((text) => /^Line 5\b/.test(text.trim()) && text.includes('/tools/delete_path'));
      });
      assert.match(validation, /\/tools\/delete_path/, validation);

      // Nothing was saved: a fresh editor still shows version 1 with no rule for delete_path.
      await page.goto(account.editorUrl);
      await flows.builderReady(page);
      const saved = JSON.parse(await flows.jsonText(page));
      assert.deepEqual(saved.tools || {}, {}, `the broken edits were never saved: ${JSON.stringify(saved)}`);
      assert.equal((await page.locator('[data-policy-version]').textContent()).trim(), '1');
      assert.deepEqual(problems.filter((p) => !/Failed to load resource/.test(p)), [], 'no script errors');
    });
  } finally {
    await context.close();
  }
});
