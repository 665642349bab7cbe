#!/usr/bin/env node
/**
 * elmo-wasm command line: convert released ELMo models, embed text files.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { convertModel } from './convert.js';
import { embedFile } from './embed-file.js';
import { fetchModel } from './fetch-model.js';
import { createProgressBar } from './progress-bar.js';

const USAGE = `Usage:
  elmo-wasm convert <options.json> <weights.hdf5> <model-dir> [--shard-mb N]
      Convert a released AllenNLP/bilm-tf ELMo model into a model directory.
  elmo-wasm embed <input.txt> <output.hdf5> --model <model-dir>
                  [--all | --top | --average] [--batch-size N] [--stateful]
      Embed a file with one whitespace-tokenized sentence per line, writing
      AllenNLP's \`allennlp elmo\` HDF5 layout: dataset "i" for line i, of shape
      (n_layers+1, n_tokens, 2*projection_dim) with --all (the default), or
      (n_tokens, 2*projection_dim) with --top or --average, and a
      "sentence_to_index" dataset holding a JSON map from sentence to index.
  elmo-wasm fetch <name> [--base-url URL] [--cache-dir DIR] [--keep-downloads]
      Download a released model (small, medium, original, original-5.5b),
      resuming an interrupted download, convert it, and print the ready model
      directory: DIR/models/<name>, DIR by default $ELMO_WASM_CACHE, else
      $XDG_CACHE_HOME/elmo-wasm, else ~/.cache/elmo-wasm. Does nothing but
      print the directory when the model is already there. --base-url: a
      mirror with the same file layout as the AllenNLP server.
  elmo-wasm --version | --help`;

class UsageError extends Error {}

/**
 * @param {string[]} args
 * @param {import('node:util').ParseArgsConfig['options']} options
 * @param {number} positionals
 */
function parse(args, options, positionals) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(/** @type {Error} */ (e).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`expected ${positionals} arguments, got ${parsed.positionals.length}`);
  }
  return parsed;
}

/**
 * @param {string} text
 * @param {string} flag
 */
function positiveInteger(text, flag) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got ${text}`);
  return n;
}

/** @param {string[]} args */
async function convertCommand(args) {
  const { values, positionals } = parse(args, { 'shard-mb': { type: 'string' } }, 3);
  const [optionsPath, weightsPath, outDir] = positionals;
  const shardMb = values['shard-mb'] ? positiveInteger(values['shard-mb'], '--shard-mb') : 4;
  const bar = createProgressBar({ label: 'convert ' });
  const manifest = await convertModel(optionsPath, weightsPath, outDir, {
    shardBytes: shardMb * 1024 * 1024,
    onProgress: ({ done, total }) => bar.update(done, total, 'tensors'),
  });
  bar.end();
  const mb = (manifest.weights.byteLength / 1e6).toFixed(1);
  console.log(`wrote ${outDir}: ${manifest.weights.tensors.length} tensors, ${mb} MB in ${manifest.shards.length} shards`);
}

/** @param {string[]} args */
async function embedCommand(args) {
  const { values, positionals } = parse(
    args,
    {
      model: { type: 'string' },
      all: { type: 'boolean' },
      top: { type: 'boolean' },
      average: { type: 'boolean' },
      'batch-size': { type: 'string' },
      stateful: { type: 'boolean' },
    },
    2,
  );
  if (!values.model) throw new UsageError('--model <model-dir> is required');
  const chosen = /** @type {const} */ (['all', 'top', 'average']).filter((k) => values[k]);
  if (chosen.length > 1) throw new UsageError(`choose one of --all, --top, --average (got ${chosen.map((c) => `--${c}`).join(' ')})`);
  const batchSize = values['batch-size'] ? positiveInteger(values['batch-size'], '--batch-size') : 64;
  const [input, output] = positionals;
  const bar = createProgressBar({ label: 'embed ' });
  const started = performance.now();
  const result = await embedFile(input, output, {
    model: values.model,
    layers: chosen[0] ?? 'all',
    batchSize,
    stateful: values.stateful,
    onBatch: ({ sentences, tokens, totalSentences }) => {
      const rate = tokens / ((performance.now() - started) / 1000);
      bar.update(sentences, totalSentences, `sentences, ${rate.toFixed(0)} tokens/s`);
    },
  });
  bar.end();
  const rate = result.tokens / result.seconds;
  console.log(
    `wrote ${output}: ${result.sentences} sentences, ${result.tokens} tokens in ${result.seconds.toFixed(2)} s (${rate.toFixed(0)} tokens/s)`,
  );
}

/** @param {string[]} args */
async function fetchCommand(args) {
  const { values, positionals } = parse(
    args,
    { 'base-url': { type: 'string' }, 'cache-dir': { type: 'string' }, 'keep-downloads': { type: 'boolean' } },
    1,
  );
  // One bar per stage (options, weights, convert), each ended on its own line.
  /** @type {ReturnType<typeof createProgressBar> | null} */
  let current = null;
  let currentStage = '';
  /** @param {string} stage */
  const bar = (stage) => {
    if (stage !== currentStage) {
      current?.end();
      current = createProgressBar({ label: stage.padEnd(8) });
      currentStage = stage;
    }
    return /** @type {ReturnType<typeof createProgressBar>} */ (current);
  };
  const mb = (/** @type {number} */ bytes) => Math.round(bytes / 1e5) / 10;
  const result = await fetchModel(positionals[0], {
    baseUrl: values['base-url'],
    cacheDir: values['cache-dir'],
    keepDownloads: values['keep-downloads'],
    onProgress: (e) => {
      if (e.stage === 'download') bar(e.file).update(mb(e.loaded), mb(e.total ?? 0), 'MB');
      else bar('convert').update(e.done, e.total, 'tensors');
    },
  });
  current?.end();
  if (result.alreadyReady) console.error(`elmo-wasm: ${positionals[0]} is already in the cache`);
  console.log(result.modelDir);
}

async function version() {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  console.log(`elmo-wasm ${pkg.version}`);
}

/** @param {string[]} argv */
export async function main(argv) {
  const [command, ...rest] = argv;
  try {
    if (command === 'convert') await convertCommand(rest);
    else if (command === 'embed') await embedCommand(rest);
    else if (command === 'fetch') await fetchCommand(rest);
    else if (command === '--version' || command === '-v') await version();
    else if (command === '--help' || command === '-h' || command === 'help') console.log(USAGE);
    else throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
    return 0;
  } catch (error) {
    const e = /** @type {Error} */ (error);
    console.error(`elmo-wasm: ${e.message}`);
    if (e instanceof UsageError) console.error(`\n${USAGE}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
