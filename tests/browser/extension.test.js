/**
 * examples/chrome-extension, packed with the fixture as its model, loaded
 * unpacked by Chromium (new headless mode loads extensions): its side panel
 * page, opened as a tab, loads the model from the extension package under
 * the extension pages' CSP and embeds, cross-origin isolated by its manifest,
 * on 2 threads.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { packExtension } from '../../examples/chrome-extension/pack.js';
import { convertFixture } from '../js/fixture.js';
import { launchChromium } from './chromium.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {string} */
let dir;
/** @type {Awaited<ReturnType<typeof launchChromium>>} */
let browser;

before(async () => {
  converted = await convertFixture();
  dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-extension-'));
  browser = await launchChromium({ extension: await packExtension(converted.modelDir, join(dir, 'extension')) });
});
after(async () => {
  await browser?.close();
  await converted?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the MV3 extension loads, and its side panel embeds with the packaged model on 2 threads', async (t) => {
  const { context } = browser;
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20000 }));
  const origin = `chrome-extension://${new URL(worker.url()).host}`; // Node's URL gives an opaque origin for this scheme
  assert.match(origin, /^chrome-extension:\/\/[a-p]{32}$/);
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${origin}/panel.html`);
    await page.waitForFunction(() => /tokens\n|failed/.test(document.getElementById('out')?.textContent ?? ''), null, { timeout: 30000 });
    const [line, ...nearest] = ((await page.textContent('#out')) ?? '').split('\n');
    assert.match(nearest[0], /^The → \S+ \(-?[01]\.\d{3}\)$/);
    t.diagnostic(`threads reached: ${/(\d+) thread/.exec(line)?.[1]} (${line})`);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.match(line, /^model, 2 thread\(s\): 6 tokens$/); // the converted fixture's name
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
