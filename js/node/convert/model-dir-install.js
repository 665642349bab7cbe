/**
 * Puts a finished model directory in place so that `outDir` is either the old
 * model, untouched, or the complete new one — never half-written — and never
 * replaces a directory that holds anything but an elmo-wasm model.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * mkdtemp would make the directory 0700, and the scratch directory becomes
 * the model directory: create it with mkdir so the umask applies as usual.
 * @param {string} parent
 * @param {string} prefix
 */
async function makeUniqueDir(parent, prefix) {
  const dir = join(parent, `${prefix}${randomBytes(6).toString('hex')}`);
  await mkdir(dir);
  return dir;
}

const MODEL_FILE = /^(manifest\.json|vocab\.txt|(weights|softmax)-\d{5}-of-\d{5}\.bin)$/;

/**
 * @param {string} dir
 * @param {string[]} entries
 */
async function isModelDir(dir, entries) {
  if (!entries.includes('manifest.json') || !entries.every((e) => MODEL_FILE.test(e))) return false;
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))?.format === 'elmo-wasm-model';
  } catch {
    return false;
  }
}

/**
 * What is at `outDir` now; throws if it may not be replaced.
 * @param {string} outDir
 * @returns {Promise<'absent' | 'empty' | 'model'>}
 */
export async function outDirState(outDir) {
  let entries;
  try {
    entries = await readdir(outDir);
  } catch (e) {
    const code = /** @type {NodeJS.ErrnoException} */ (e).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'ENOTDIR') throw new Error(`${outDir} exists and is not a directory; refusing to overwrite it`);
    throw e;
  }
  if (entries.length === 0) return 'empty';
  if (await isModelDir(outDir, entries)) return 'model';
  throw new Error(`${outDir} is not empty and is not an elmo-wasm model directory (only manifest.json, weights-*.bin, softmax-*.bin and vocab.txt); refusing to overwrite it`);
}

/**
 * A scratch directory next to `outDir` (same file system, so the final
 * rename is atomic), creating missing parents.
 * @param {string} outDir
 * @returns {Promise<{ dir: string, discard: () => Promise<void> }>}
 *   `discard` removes the scratch directory and any parent it created
 */
export async function makeScratchDir(outDir) {
  const target = resolve(outDir);
  const parent = dirname(target);
  const firstMade = await mkdir(parent, { recursive: true });
  const dir = await makeUniqueDir(parent, `.${basename(target)}.partial-`);
  const discard = async () => {
    await rm(dir, { recursive: true, force: true });
    if (firstMade === undefined) return;
    // rmdir, not rm -r: a parent someone else has written into in the meantime stays.
    for (let p = parent; p.length >= firstMade.length; p = dirname(p)) {
      try {
        await rmdir(p);
      } catch {
        return;
      }
    }
  };
  return { dir, discard };
}

/**
 * Moves the complete scratch directory to `outDir`, replacing an empty
 * directory or an old model there.
 * @param {string} scratch
 * @param {string} outDir
 */
export async function installDir(scratch, outDir) {
  const state = await outDirState(outDir);
  if (state === 'empty') await rmdir(outDir);
  if (state !== 'model') {
    await rename(scratch, outDir);
    return;
  }
  const target = resolve(outDir);
  const holder = await makeUniqueDir(dirname(target), `.${basename(target)}.old-`);
  const old = join(holder, 'model');
  await rename(target, old);
  try {
    await rename(scratch, target);
  } catch (e) {
    await rename(old, target);
    await rm(holder, { recursive: true, force: true });
    throw e;
  }
  await rm(holder, { recursive: true, force: true });
}
