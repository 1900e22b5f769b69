'use strict';
// Debian's chromium (/usr/bin/chromium, installed by .ci/run) driven by playwright-core. Never a
// downloaded browser: playwright-core ships none and nothing here installs one.

const fs = require('node:fs');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.TOOLGATE_CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Every Playwright wait (click, fill, expectations done by hand) is bounded by this. */
const ACTION_TIMEOUT_MS = 15000;
const NAVIGATION_TIMEOUT_MS = 30000;

async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run apt-get install -y chromium (or .ci/run)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60000 });
}

/** A context with bounded timeouts. `options` are Playwright's (viewport, colorScheme, storageState…). */
async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  return context;
}

/**
 * Collects what a page complains about: console errors, uncaught exceptions, failed requests and
 * any request that leaves 127.0.0.1 (the dashboard must make none: no CDN).
 */
function watch(page) {
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  // Leaving a page with unsaved edits asks "leave?": the tests mean to leave. Other dialogs are noted.
  page.on('dialog', (dialog) => {
    if (dialog.type() === 'beforeunload') dialog.accept().catch(() => {});
    else {
      problems.push(`unexpected ${dialog.type()} dialog on ${page.url()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => {});
    }
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['http:', 'https:'].includes(url.protocol)) return;
    if (url.hostname !== '127.0.0.1') problems.push(`external request from ${page.url()}: ${request.url()}`);
  });
  return problems;
}

module.exports = { launch, newContext, watch, CHROMIUM };
