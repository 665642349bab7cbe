#!/usr/bin/env node
/**
 * elmo-wasm command line: fetch and convert released ELMo models, describe
 * them, embed text files, dump static token vectors.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { convertModel } from './convert/convert.js';
import { convertToArchive } from './convert/model-archive-file.js';
import { GEMM_DTYPES } from '../format/model-format.js';
import { embedFile } from './output/embed-file.js';
import { parseShard } from './output/shard-plan.js';
import { embedSummary } from './cli/embed-summary.js';
import { mergeCommand } from './cli/merge-command.js';
import { fetchModel } from './fetch/fetch-model.js';
import { describeModel, formatModelDescription } from './cli/model-info.js';
import { writeVocabEmbeddings } from './output/vocab-embeddings.js';
import { createProgressBar } from './cli/progress-bar.js';
import { readTrainingText } from './train/text-files.js';
import { loadTrainedModel } from './train/trained-model.js';
import { train } from './train/train-run.js';
import { formatPerplexity, perplexity } from '../train/perplexity.js';

const USAGE = `Usage:
  elmo-wasm convert <options.json> <weights.hdf5> <model-dir | model.elmo> [--shard-mb N] [--dtype float32|float16|bfloat16|int8]
                    [--softmax <softmax.hdf5> --vocab <vocab.txt>] [--single-file]
      Convert a released AllenNLP/bilm-tf ELMo model into a model directory,
      or with --single-file into one model archive file (models/FORMAT.md),
      which Elmo.load takes as a File, Blob, ArrayBuffer or (Node) a path,
      and embed --model and info take like a directory.
      --dtype stores the matrices as float16 or bfloat16 (half the bytes;
      bfloat16 is coarser but keeps float32's range) or as int8 with a scale
      per output column (a quarter); the default is float32.
      --softmax and --vocab (a model \`train\` wrote has both) put the softmax
      and its vocabulary in the directory too, for fineTune() in JavaScript;
      embedding never reads them.
  elmo-wasm embed <input.txt | -> <output.hdf5 | .npy | .jsonl | -> --model <model-dir>
                  [--all | --top | --average] [--pooling mean|max] [--normalize]
                  [--format hdf5|npy|jsonl] [--use-sentence-keys]
                  [--batch-size N] [--stateful] [--threads N]
                  [--shard i/n] [--resume]
      Embed a file (-: stdin) with one whitespace-tokenized sentence per line.
      Per sentence: (n_layers+1, n_tokens, 2*projection_dim) with --all (the
      default), (n_tokens, 2*projection_dim) with --top or --average; with
      --pooling, the token axis is pooled away. --normalize: unit vectors.
      The format is --format or the output's extension:
        .hdf5/.h5  AllenNLP's \`allennlp elmo\` layout: dataset "i" for line i and
                   a "sentence_to_index" dataset (a JSON map from sentence to
                   "i"); --use-sentence-keys names the datasets by the sentences
                   instead (and writes no sentence_to_index), as AllenNLP does.
        .npy       one float32 array: a row per token, the sentences one after
                   another ((total_tokens, n_layers+1, 2P) with --all,
                   (total_tokens, 2P) with --top/--average), or a row per
                   sentence with --pooling; <name>.index.json says which rows
                   are which sentence.
        .jsonl     one JSON object per line: index, sentence, tokens, shape,
                   embedding (nested arrays). Output "-" writes it to stdout.
      The output is written in commits (one a batch) to <output>.part with a
      journal <output>.journal, and renamed when complete. --resume goes on
      after a kill, a full disk or any failure, from the last commit (without
      a journal it starts). --shard i/n embeds only blocks i, i+n, i+2n, ... of
      100 lines (0 <= i < n) and keeps its journal for \`merge\`.
  elmo-wasm merge <input.txt> <output> <shard outputs ...> [--resume]
      Join the n shards of one input into the file one unsharded run writes,
      byte for byte, and print each worker's throughput.
  elmo-wasm info <model-dir | model archive>
      Print a model's name, shapes, layers, weight bytes and shard count.
  elmo-wasm vocab-embeddings <model-dir> <vocab.txt> <output.txt | .hdf5> [--batch-size N]
      The context-free token vector (layer 0, projection_dim wide) of each word
      of a list (one per line), as GloVe text (word v1 v2 ...) or as bilm-tf's
      dump_token_embeddings HDF5 (dataset "embedding", (n_words, projection_dim)).
  elmo-wasm fetch <name> [--base-url URL] [--cache-dir DIR] [--keep-downloads]
      Download a released model (small, medium, original, original-5.5b),
      resuming an interrupted download, convert it, and print the ready model
      directory: DIR/models/<name>, DIR by default $ELMO_WASM_CACHE, else
      $XDG_CACHE_HOME/elmo-wasm, else ~/.cache/elmo-wasm. Does nothing but
      print the directory when the model is already there. --base-url: a
      mirror with the same file layout as the AllenNLP server.
  elmo-wasm train <text file | folder> <out-dir> [--options <options.json>]
                  [--vocab <vocab.txt> | --vocab-size N] [--tokens N | --epochs N]
                  [--batch-size N] [--unroll N] [--negatives N] [--lr X] [--dropout X]
                  [--seed N] [--tokenize] [--carry-sentences] [--heldout <text>] [--threads 1|2]
                  [--checkpoint-every <minutes | Ntokens>] [--resume]
                  [--init-from <model-dir>]
      Train a biLM as bilm-tf does (Adagrad, sampled softmax, both directions)
      on a text of one sentence per line (a folder: its .txt files), with the
      wasm trainer. Defaults: the small shape below, a
      vocabulary of every word of the text, 1 epoch, batch 128 x unroll 20,
      8192 negatives, lr 0.2, dropout 0.1, seed 0, a checkpoint every 10
      minutes (\`--checkpoint-every 50000tokens\` counts tokens instead).
      Default --options: char_cnn {embedding 16, filters [1,32] [2,32] [3,64]
      [4,128] [5,256], 1 highway, relu, 50 characters}, lstm {dim 512,
      projection_dim 128, 2 layers, skip connections, clips 3}.
      <out-dir> gets options.json, weights.hdf5 (bilm-tf's layout: \`convert\`
      and AllenNLP load it), softmax.hdf5, vocab.txt and checkpoint.bin, all
      written atomically at each checkpoint, and train-log.txt, one time-stamped
      line per checkpoint; --heldout adds that text's perplexity there. --resume continues the run in <out-dir> (same text)
      with its saved settings (--tokens or --epochs may set a new end) and
      ends bit-identical to an uninterrupted run of the same settings.
      --init-from <model-dir> fine-tunes a model \`train\` wrote, or a model
      directory converted with --softmax and --vocab (as bilm-tf's
      restart.py): its weights, softmax, options and vocabulary, fresh Adagrad
      accumulators; use a lower --lr (e.g. 0.05) and watch --heldout.
      --threads 2 (the default on a machine of 2 cores or more) runs the two
      directions side by side; the weights are the same bits as on 1 thread.
      Each sentence starts from a zero LSTM state, as embedding and perplexity
      run it; --carry-sentences carries the state across sentences as bilm-tf
      does (its backward LM can then fail from a zero state: README, Training).
  elmo-wasm perplexity <model-dir> <text file | folder> [--tokenize] [--batch-size N] [--threads 1|2]
      Perplexity of a text (one sentence per line, white-space-tokenized, or
      --tokenize with the built-in tokenizer) under a model \`train\` wrote
      (options.json, weights.hdf5, softmax.hdf5, vocab.txt) or a model
      directory converted with --softmax and --vocab: full softmax,
      each sentence alone from a zero state, both directions. The last line is
      \`perplexity forward F backward B average A (N predictions)\`, A being
      exp(mean NLL over both directions' predictions).
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
  const { values, positionals } = parse(args, { 'shard-mb': { type: 'string' }, dtype: { type: 'string' }, softmax: { type: 'string' }, vocab: { type: 'string' }, 'single-file': { type: 'boolean' } }, 3);
  if ((values.softmax === undefined) !== (values.vocab === undefined)) throw new UsageError('--softmax and --vocab go together: a model for fine-tuning carries both');
  const dtype = /** @type {import('../format/model-format.js').GemmDtype} */ (values.dtype ?? 'float32');
  if (!GEMM_DTYPES.includes(dtype)) throw new UsageError(`--dtype must be one of ${GEMM_DTYPES.join(', ')}, got ${dtype}`);
  const [optionsPath, weightsPath, outDir] = positionals;
  const shardMb = values['shard-mb'] ? positiveInteger(values['shard-mb'], '--shard-mb') : 4;
  const bar = createProgressBar({ label: 'convert ' });
  const opts = {
    shardBytes: shardMb * 1024 * 1024,
    dtype,
    softmaxPath: values.softmax,
    vocabPath: values.vocab,
    onProgress: (/** @type {{ done: number, total: number }} */ { done, total }) => bar.update(done, total, 'tensors'),
  };
  const { manifest, byteLength } = values['single-file']
    ? await convertToArchive(optionsPath, weightsPath, outDir, opts)
    : { manifest: await convertModel(optionsPath, weightsPath, outDir, opts), byteLength: 0 };
  bar.end();
  const mb = (manifest.weights.byteLength / 1e6).toFixed(1);
  const softmax = manifest.vocab ? `; softmax and vocabulary of ${manifest.vocab.words} words` : '';
  const where = byteLength ? `one model archive of ${byteLength} bytes` : `${manifest.shards.length} shards`;
  console.log(`wrote ${outDir}: ${manifest.weights.tensors.length} tensors, ${mb} MB in ${where}${softmax}`);
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
      pooling: { type: 'string' },
      normalize: { type: 'boolean' },
      format: { type: 'string' },
      'use-sentence-keys': { type: 'boolean' },
      'batch-size': { type: 'string' },
      stateful: { type: 'boolean' },
      threads: { type: 'string' },
      shard: { type: 'string' },
      resume: { type: 'boolean' },
    },
    2,
  );
  if (values.pooling !== undefined && !['mean', 'max'].includes(values.pooling)) {
    throw new UsageError(`--pooling must be mean or max, got ${values.pooling}`);
  }
  if (!values.model) throw new UsageError('--model <model-dir> is required');
  const chosen = /** @type {const} */ (['all', 'top', 'average']).filter((k) => values[k]);
  if (chosen.length > 1) throw new UsageError(`choose one of --all, --top, --average (got ${chosen.map((c) => `--${c}`).join(' ')})`);
  const batchSize = values['batch-size'] ? positiveInteger(values['batch-size'], '--batch-size') : undefined;
  const [input, output] = positionals;
  const bar = createProgressBar({ label: 'embed ' });
  const started = performance.now();
  const result = await embedFile(input, output, {
    model: values.model,
    layers: chosen[0] ?? 'all',
    pooling: /** @type {'mean' | 'max' | undefined} */ (values.pooling),
    normalize: values.normalize,
    format: /** @type {any} */ (values.format),
    useSentenceKeys: values['use-sentence-keys'],
    batchSize,
    stateful: values.stateful,
    numThreads: values.threads ? positiveInteger(values.threads, '--threads') : undefined,
    shard: values.shard === undefined ? undefined : parseShard(values.shard),
    resume: values.resume,
    onBatch: ({ sentences, tokens, totalSentences }) => {
      const rate = tokens / ((performance.now() - started) / 1000);
      bar.update(sentences, totalSentences, `sentences, ${rate.toFixed(0)} tokens/s`);
    },
  });
  bar.end();
  // With the embeddings on stdout, the summary goes to stderr.
  (output === '-' ? console.error : console.log)(embedSummary(output, result, values.shard));
}

/** @param {string[]} args */
async function infoCommand(args) {
  const { positionals } = parse(args, {}, 1);
  console.log(formatModelDescription(await describeModel(positionals[0])));
}

/** @param {string[]} args */
async function vocabEmbeddingsCommand(args) {
  const { values, positionals } = parse(args, { 'batch-size': { type: 'string' } }, 3);
  const [modelDir, vocab, output] = positionals;
  const batchSize = values['batch-size'] ? positiveInteger(values['batch-size'], '--batch-size') : undefined;
  const bar = createProgressBar({ label: 'vocab ' });
  const result = await writeVocabEmbeddings(modelDir, vocab, output, {
    batchSize,
    onBatch: (done, total) => bar.update(done, total, 'words'),
  });
  bar.end();
  console.log(`wrote ${output}: ${result.words} words x ${result.dim} (${result.format === 'glove' ? 'GloVe text' : 'HDF5 "embedding"'})`);
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

/**
 * @param {string} text
 * @param {string} flag
 * @param {(x: number) => boolean} ok
 * @param {string} what
 */
function number(text, flag, ok, what) {
  const x = Number(text);
  if (text.trim() === '' || !ok(x)) throw new UsageError(`${flag} must be ${what}, got ${text}`);
  return x;
}

/** @param {string} text */
function checkpointEvery(text) {
  const tokens = /^(\d+)\s*tokens$/.exec(text);
  if (tokens) return { tokens: positiveInteger(tokens[1], '--checkpoint-every') };
  const minutes = /^(\d+(?:\.\d+)?)\s*(?:m|min|minutes)?$/.exec(text);
  if (minutes && Number(minutes[1]) > 0) return { minutes: Number(minutes[1]) };
  throw new UsageError(`--checkpoint-every must be minutes (e.g. 10) or a token count (e.g. 50000tokens), got ${text}`);
}

/** Flags that shape a run; a resumed run takes them from its checkpoint (--tokens and --epochs may extend it). */
const RUN_FLAGS = ['options', 'init-from', 'vocab', 'vocab-size', 'batch-size', 'unroll', 'negatives', 'lr', 'dropout', 'seed', 'tokenize', 'carry-sentences'];
const BOOLEAN_RUN_FLAGS = ['tokenize', 'carry-sentences'];

/**
 * --threads of train and perplexity: 1 or 2 (the trainer's two directions), by default 2 where there are 2 cores.
 * @param {string | undefined} text
 * @returns {Promise<1 | 2>}
 */
async function trainThreads(text) {
  if (text === undefined) return (await import('node:os')).availableParallelism() >= 2 ? 2 : 1;
  if (text !== '1' && text !== '2') throw new UsageError(`--threads must be 1 or 2 (the trainer runs one thread per direction), got ${text}`);
  return text === '1' ? 1 : 2;
}

/** @param {string[]} args */
async function trainCommand(args) {
  const strings = [...RUN_FLAGS.filter((f) => !BOOLEAN_RUN_FLAGS.includes(f)), 'tokens', 'epochs', 'heldout', 'checkpoint-every', 'threads'];
  const { values: v, positionals } = parse(
    args,
    { ...Object.fromEntries([...strings.map((f) => [f, { type: 'string' }]), ...[...BOOLEAN_RUN_FLAGS, 'resume'].map((f) => [f, { type: 'boolean' }])]) },
    2,
  );
  const values = /** @type {Record<string, string | undefined>} */ (/** @type {unknown} */ (v));
  if (values['init-from'] !== undefined && (values.vocab !== undefined || values['vocab-size'] !== undefined)) {
    throw new UsageError('--init-from trains with the vocabulary of the model it starts from; drop --vocab/--vocab-size');
  }
  if (values.vocab !== undefined && values['vocab-size'] !== undefined) throw new UsageError('give --vocab or --vocab-size, not both');
  if (values.tokens !== undefined && values.epochs !== undefined) throw new UsageError('give --tokens or --epochs, not both');
  if (v.resume) {
    const given = RUN_FLAGS.filter((f) => /** @type {any} */ (v)[f] !== undefined);
    if (given.length > 0) throw new UsageError(`--resume continues with the run's saved settings; drop ${given.map((f) => `--${f}`).join(' ')}`);
  }
  const int = (/** @type {string} */ flag) => (values[flag] === undefined ? undefined : positiveInteger(/** @type {string} */ (values[flag]), `--${flag}`));
  const params = {
    batchSize: int('batch-size'),
    unroll: int('unroll'),
    negatives: int('negatives'),
    learningRate: values.lr === undefined ? undefined : number(values.lr, '--lr', (x) => x > 0 && Number.isFinite(x), 'a positive number'),
    dropout: values.dropout === undefined ? undefined : number(values.dropout, '--dropout', (x) => x >= 0 && x < 1, 'in [0, 1)'),
    carrySentences: v['carry-sentences'] ? true : undefined,
    seed: values.seed === undefined ? 0 : number(values.seed, '--seed', (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32, 'an integer in [0, 2^32)'),
  };
  const [input, outDir] = positionals;
  const bar = createProgressBar({ label: 'train ' });
  let shown = -Infinity;
  const log = (/** @type {string} */ line) => console.error(process.stderr.isTTY ? `\r\x1b[K${line}` : line);
  const result = await train({
    input,
    outDir,
    resume: v.resume,
    optionsPath: values.options,
    initFrom: values['init-from'],
    vocabPath: values.vocab,
    vocabSize: values['vocab-size'] === undefined ? undefined : number(values['vocab-size'], '--vocab-size', (x) => Number.isInteger(x) && x >= 3, 'an integer of at least 3 (<S>, </S>, <UNK>)'),
    settings: {
      params: /** @type {any} */ (Object.fromEntries(Object.entries(params).filter(([, x]) => x !== undefined))),
      tokens: int('tokens'),
      epochs: int('epochs'),
      tokenize: !!v.tokenize,
    },
    heldout: values.heldout,
    threads: await trainThreads(values.threads),
    checkpointEvery: values['checkpoint-every'] === undefined ? undefined : checkpointEvery(values['checkpoint-every']),
    onStep: (e) => {
      // A tiny model steps thousands of times a second; the terminal needs a few lines.
      if (performance.now() - shown < 100 && e.sessionSteps < e.sessionTotal) return;
      shown = performance.now();
      bar.update(e.sessionSteps, e.sessionTotal, `steps, ${e.tokensPerSecond.toFixed(0)} tokens/s, loss ${e.loss.toFixed(3)}`);
    },
    log,
  });
  bar.end();
  console.log(`trained ${result.steps} steps (${result.tokens} tokens), ${result.sessionTokens} in ${result.seconds.toFixed(1)} s this run (${(result.sessionTokens / result.seconds).toFixed(0)} tokens/s); wrote ${outDir}`);
}

/** @param {string[]} args */
async function perplexityCommand(args) {
  const { values, positionals } = parse(args, { tokenize: { type: 'boolean' }, 'batch-size': { type: 'string' }, threads: { type: 'string' } }, 2);
  const [modelDir, textPath] = positionals;
  const batchSize = values['batch-size'] ? positiveInteger(values['batch-size'], '--batch-size') : 32;
  const threads = await trainThreads(values.threads);
  const { corpus } = await readTrainingText(textPath, { tokenize: values.tokenize });
  const { trainer, vocab } = await loadTrainedModel(modelDir, { batchSize, unroll: 20 }, threads);
  try {
    const bar = createProgressBar({ label: 'perplexity ' });
    const result = perplexity(trainer, corpus, vocab, { onProgress: (done, total) => bar.update(done, total, 'sentences') });
    bar.end();
    console.log(formatPerplexity(result));
  } finally {
    trainer.dispose();
  }
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
    else if (command === 'merge') await mergeCommand(rest, (m) => new UsageError(m));
    else if (command === 'fetch') await fetchCommand(rest);
    else if (command === 'info') await infoCommand(rest);
    else if (command === 'train') await trainCommand(rest);
    else if (command === 'perplexity') await perplexityCommand(rest);
    else if (command === 'vocab-embeddings') await vocabEmbeddingsCommand(rest);
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
