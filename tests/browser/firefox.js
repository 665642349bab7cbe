/**
 * Debian's Firefox ESR, headless, driven by puppeteer-core over WebDriver
 * BiDi, with a fresh profile that is deleted on close. It offers what the
 * browser tests use of playwright's Chromium: `context.newPage()`, and pages
 * with `goto`, `evaluate(fn, arg)`, `waitForFunction`, `on('pageerror' |
 * 'console')` and `close`. A missing browser is a failure, never a skip:
 * `bash .ci/setup` installs it.
 */
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { withFreshProfile } from './profile.js';

export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Preferences that keep a test profile quiet and offline but for the test's servers. */
const PREFS = {
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
};

/**
 * @returns {Promise<{ context: { newPage: () => Promise<any> }, close: () => Promise<void> }>}
 */
export async function launchFirefox() {
  if (!existsSync(firefoxPath)) {
    throw new Error(`${firefoxPath} not found: the Firefox browser tests need Debian's firefox-esr (bash .ci/setup installs it)`);
  }
  return withFreshProfile('elmo-wasm-firefox-', async (profile) => {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: firefoxPath,
      headless: true,
      userDataDir: profile,
      extraPrefsFirefox: PREFS,
    });
    return { context: { newPage: () => browser.newPage() }, close: () => browser.close() };
  });
}
