/**
 * What the browser tests share, whichever browser runs them: the browser
 * (`ELMO_BROWSER`: `chromium`, the default, through playwright-core, or
 * `firefox`, Firefox ESR through puppeteer-core), the test page and the calls
 * made in it. A page is playwright's or puppeteer's; the tests use only what
 * both have alike: `goto`, `evaluate(fn, arg)`, `waitForFunction(fn)`,
 * `on('pageerror' | 'console')`, `close`.
 */
import { after, before } from 'node:test';
import { convertFixture } from '../js/fixture.js';
import { launchChromium } from './chromium.js';
import { launchFirefox } from './firefox.js';
import { startServer } from './static-server.js';

/** @type {'chromium' | 'firefox'} the browser these tests run in */
export const browserName = /** @type {any} */ (process.env.ELMO_BROWSER ?? 'chromium');
if (browserName !== 'chromium' && browserName !== 'firefox') throw new Error(`ELMO_BROWSER must be chromium or firefox, got ${browserName}`);

/**
 * @returns {Promise<{ context: { newPage: () => Promise<any> }, close: () => Promise<void> }>} the browser of `ELMO_BROWSER`
 */
export function launchBrowser() {
  return browserName === 'firefox' ? launchFirefox() : launchChromium();
}

/**
 * @param {{ type: () => string }} message a console message of either driver
 * @returns {boolean} whether it is a warning (playwright says 'warning', puppeteer 'warn')
 */
export const isWarning = (message) => ['warning', 'warn'].includes(message.type());

/**
 * A new tab on the test page of `origin`, which has the library's entry
 * point as `window.lib`. Errors the page does not catch are collected in
 * `errors`, for the tests to check.
 * @param {{ newPage: () => Promise<any> }} context a browser's `context`
 * @param {string} origin
 * @param {string} [lib] the library's entry point, if not the page's origin's js/index.js
 */
export async function openTestPage(context, origin, lib) {
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${origin}/tests/browser/page.html${lib ? `?lib=${encodeURIComponent(lib)}` : ''}`);
  await page.waitForFunction(() => 'lib' in window);
  return { page, errors };
}

/**
 * Loads a model in the page through ElmoWorker, expecting that to fail.
 * @param {import('playwright-core').Page} page from `openTestPage`
 * @param {string} url
 * @returns {Promise<string>} the error as "name: message", or 'loaded'
 */
export function workerLoadError(page, url) {
  return page.evaluate(async (url) => {
    try {
      (await window.lib.ElmoWorker.load(url)).dispose();
      return 'loaded';
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  }, url);
}

/**
 * Loads a model in the page (`Elmo`) or in a worker (`ElmoWorker`), embeds
 * `sentences` and disposes of it; returns what the page saw.
 * @param {import('playwright-core').Page} page from `openTestPage`
 * @param {{ kind: 'Elmo' | 'ElmoWorker', url: string, sentences: string[][], options?: Record<string, unknown> }} run
 * @returns {Promise<{ isolated: boolean, info: any, data: number[][], violations: string[] }>}
 */
export function embedInPage(page, run) {
  return page.evaluate(async ({ kind, url, sentences, options }) => {
    const elmo = await window.lib[kind].load(url, options);
    try {
      const out = await elmo.embed(sentences);
      return { isolated: crossOriginIsolated, info: elmo.info, data: out.map((e) => Array.from(e.data)), violations: window.cspViolations };
    } finally {
      elmo.dispose();
    }
  }, run);
}

/**
 * For a browser test file: the fixture converted, a static server serving it
 * as model `m`, and the browser — started before the file's tests, closed after.
 * The returned object is filled in by then.
 * @param {{ isolated?: boolean }} [options] passed to startServer
 */
export function browserFixture(options = {}) {
  const state = {
    /** @type {Awaited<ReturnType<typeof convertFixture>>} */ converted: /** @type {any} */ (null),
    /** @type {Awaited<ReturnType<typeof startServer>>} */ server: /** @type {any} */ (null),
    /** @type {Awaited<ReturnType<typeof launchBrowser>>} */ browser: /** @type {any} */ (null),
  };
  before(async () => {
    state.converted = await convertFixture();
    state.server = await startServer({ ...options, models: { m: state.converted.modelDir } });
    state.browser = await launchBrowser();
  });
  after(async () => {
    await state.browser?.close();
    await state.server?.close();
    await state.converted?.cleanup();
  });
  return state;
}
