'use strict';
// What every browser test file shares: one stack (toolgate serve + sysmgmt) and one chromium per
// file, started in before() and stopped in after(); a failing test gets a screenshot of each open
// page and the tails of the process logs in its error.

const fs = require('node:fs');
const path = require('node:path');
const { before, after } = require('node:test');
const { launch } = require('./browser');
const { startStack } = require('./stack');

/**
 * Call at the top of a test file; answers an object whose .stack and .browser are set in before(),
 * which then runs `setup(env)` (one hook: node 20 does not order several root-level before hooks).
 */
function useStack(name, setup) {
  const env = { stack: null, browser: null, name };
  before(async () => {
    env.stack = await startStack(name);
    env.browser = await launch();
    if (setup) await setup(env);
  });
  after(async () => {
    if (env.browser) await env.browser.close().catch(() => {});
    if (env.stack) await env.stack.stop();
  });
  return env;
}

/** Runs `body()`; on failure adds screenshots of `pages()` and the process logs to the error. */
async function withDiagnostics(env, label, pages, body) {
  try {
    return await body();
  } catch (error) {
    const notes = [];
    const dir = env.stack ? env.stack.logDir : path.join(process.cwd(), 'test-output', 'browser', env.name);
    fs.mkdirSync(dir, { recursive: true });
    let index = 0;
    for (const page of pages()) {
      if (!page || page.isClosed()) continue;
      index += 1;
      const file = path.join(dir, `failure-${label}-${index}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 10000 });
        notes.push(`screenshot of ${page.url()}: ${file}`);
      } catch (_) {
        notes.push(`(no screenshot of ${page.url()})`);
      }
    }
    if (env.stack) notes.push(env.stack.failureReport());
    error.message = `${error.message}\n\n${notes.join('\n')}`;
    throw error;
  }
}

module.exports = { useStack, withDiagnostics };
