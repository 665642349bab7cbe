/**
 * Debian's Chromium, headless, driven by playwright-core, with a fresh
 * profile that is deleted on close. A missing browser is a failure, never a
 * skip: `bash .ci/setup` installs it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { convertFixture } from '../js/fixture.js';
import { startServer } from './static-server.js';

export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * @param {{ extension?: string }} [options] extension: an unpacked extension's folder, loaded (the only one)
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, close: () => Promise<void> }>}
 */
export async function launchChromium({ extension } = {}) {
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} not found: the browser tests need Debian's chromium (bash .ci/setup installs it)`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'elmo-wasm-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: extension ? [...ARGS, `--disable-extensions-except=${extension}`, `--load-extension=${extension}`] : ARGS,
      ...(extension && { ignoreDefaultArgs: ['--disable-extensions'] }),
    });
    return {
      context,
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A new tab on the test page of `origin`, which has the library's entry
 * point as `window.lib`. Errors the page does not catch are collected in
 * `errors`, for the tests to check.
 * @param {import('playwright-core').BrowserContext} context
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
 * as model `m`, and Chromium — started before the file's tests, closed after.
 * The returned object is filled in by then.
 * @param {{ isolated?: boolean }} [options] passed to startServer
 */
export function browserFixture(options = {}) {
  const state = {
    /** @type {Awaited<ReturnType<typeof convertFixture>>} */ converted: /** @type {any} */ (null),
    /** @type {Awaited<ReturnType<typeof startServer>>} */ server: /** @type {any} */ (null),
    /** @type {Awaited<ReturnType<typeof launchChromium>>} */ browser: /** @type {any} */ (null),
  };
  before(async () => {
    state.converted = await convertFixture();
    state.server = await startServer({ ...options, models: { m: state.converted.modelDir } });
    state.browser = await launchChromium();
  });
  after(async () => {
    await state.browser?.close();
    await state.server?.close();
    await state.converted?.cleanup();
  });
  return state;
}
