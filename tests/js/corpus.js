/**
 * Inputs for the sharding and resuming tests: a seeded corpus of short
 * sentences cut from the fixture's, a converted fixture model, and the files
 * an output consists of, to compare two runs byte for byte.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixtureSentences } from './fixture.js';

/**
 * A seeded generator of floats in [0, 1) (mulberry32).
 * @param {number} seed
 */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `lines` sentences of 1 to 6 words, each the start of a fixture sentence, one per line.
 * @param {number} lines
 * @param {number} seed
 */
export async function corpusText(lines, seed) {
  const pool = (await fixtureSentences()).flat().map((s) => s.split(' '));
  const next = random(seed);
  const out = Array.from({ length: lines }, () => {
    const words = pool[Math.floor(next() * pool.length)];
    return words.slice(0, 1 + Math.floor(next() * Math.min(6, words.length))).join(' ');
  });
  return `${out.join('\n')}\n`;
}

/**
 * Writes `text` as `dir/name`, creating dir.
 * @param {string} dir
 * @param {string} name
 * @param {string} text
 */
export async function writeIn(dir, name, text) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), text);
  return join(dir, name);
}

/**
 * Every file in `dir` (hidden ones too) and its bytes, but `skip`.
 * @param {string} dir
 * @param {string[]} [skip]
 * @returns {Promise<Record<string, Buffer>>}
 */
export async function filesIn(dir, skip = []) {
  /** @type {Record<string, Buffer>} */
  const files = {};
  for (const name of (await readdir(dir)).sort()) if (!skip.includes(name)) files[name] = await readFile(join(dir, name));
  return files;
}
