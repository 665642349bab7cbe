/**
 * Debian's Chromium, headless, driven by playwright-core, with a fresh
 * profile that is deleted on close. A missing browser is a failure, never a
 * skip: `bash .ci/setup` installs it.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { withFreshProfile } from './profile.js';

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
  return withFreshProfile('elmo-wasm-chromium-', async (profile) => {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: extension ? [...ARGS, `--disable-extensions-except=${extension}`, `--load-extension=${extension}`] : ARGS,
      ...(extension && { ignoreDefaultArgs: ['--disable-extensions'] }),
    });
    return { context, close: () => context.close() };
  });
}
