/**
 * Hostile model directories: every one is refused with an error naming the
 * field or the file, given as a folder, as a model archive (a Blob) and as
 * a map of its files: the same checks, the same messages. Manifest faults are refused before the weight region
 * is allocated (no wasm allocation over 64 KiB, no memory growth); shard
 * faults while reading, in a region no larger than the manifest declares;
 * and nothing outside the model directory is ever opened.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, openSync, closeSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Core } from '../../js/core/wasm-core.js';
import { Elmo } from '../../js/index.js';
import { convertFixture } from './fixture.js';
import { archiveOf, filesOf } from './model-forms.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {any} */
let manifest;
let count = 0;

before(async () => {
  converted = await convertFixture({ shardBytes: 128 * 1024 });
  manifest = JSON.parse(await readFile(join(converted.modelDir, 'manifest.json'), 'utf8'));
});
after(() => converted?.cleanup());

/**
 * A copy of the model with its manifest and/or one shard changed.
 * @param {(m: any) => void} [editManifest]
 * @param {(bytes: Buffer) => Buffer} [editShard] applied to shard 1
 * @returns {Promise<string>} the directory
 */
async function tampered(editManifest, editShard) {
  const dir = join(converted.dir, `hostile-${count++}`, 'model');
  await cp(converted.modelDir, dir, { recursive: true });
  const m = structuredClone(manifest);
  editManifest?.(m);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
  if (editShard) {
    const shard = join(dir, manifest.shards[1].path);
    await writeFile(shard, editShard(await readFile(shard)));
  }
  return dir;
}

/**
 * Loads `model` expecting a refusal; watches every wasm allocation the library makes and every memory.
 * @param {import('../../js/index.js').ModelInput} model
 * @returns {Promise<{ message: string, largest: number, grown: boolean }>}
 */
async function refusal(model) {
  const { malloc } = Core.prototype;
  const { create } = Core;
  /** @type {Core[]} */
  const cores = [];
  let largest = 0;
  Core.prototype.malloc = function (bytes) {
    largest = Math.max(largest, bytes);
    return malloc.call(this, bytes);
  };
  Core.create = async (...args) => {
    const core = await create.apply(Core, args);
    cores.push(core);
    return core;
  };
  try {
    await Elmo.load(model, { numThreads: 1 });
    return { message: 'loaded', largest, grown: false };
  } catch (error) {
    const message = /** @type {Error} */ (error).message;
    // 16 MiB is the modules' initial memory (-sINITIAL_MEMORY).
    return { message, largest, grown: cores.some((c) => c.memory.buffer.byteLength > 16 * 2 ** 20) };
  } finally {
    Core.prototype.malloc = malloc;
    Core.create = create;
  }
}

const lastTensor = (/** @type {any} */ m) => m.weights.tensors.reduce((a, /** @type {any} */ t) => (t.offset > a.offset ? t : a));
const named = (/** @type {any} */ m, /** @type {string} */ name) => m.weights.tensors.find((/** @type {any} */ t) => t.name === name);

/** Manifest faults: refused before the weight region (428 KB) is allocated. */
const manifestCases = [
  ['weights over 4 GB', (m) => {
    m.weights.byteLength = 5e9;
    m.weights.shardBytes = 5e9;
    m.shards = [{ ...m.shards[0], byteLength: 5e9 }];
  }, /weights\.byteLength 5000000000 is more than wasm memory can hold/],
  ['a negative size', (m) => { m.weights.byteLength = -1; }, /weights\.byteLength must be a non-negative integer, got -1/],
  ['a non-integer size', (m) => { m.shards[0].byteLength = 131072.5; }, /shards\[0\]\.byteLength must be a non-negative integer, got 131072\.5/],
  ['a size given as a string', (m) => { m.weights.shardBytes = '131072'; }, /weights\.shardBytes must be a non-negative integer/],
  ['overlapping tensors', (m) => { named(m, 'cnn/b_0').offset = named(m, 'cnn/W_0').offset; }, /tensors "cnn\/(W|b)_0" and "cnn\/(b|W)_0" overlap/],
  ['a tensor past the end', (m) => { lastTensor(m).offset = m.weights.byteLength; }, /tensor "lstm\/1\/1\/W_proj": bytes .* lie beyond the 428672-byte weights buffer/],
  ['a negative offset', (m) => { named(m, 'char_embed').offset = -64; }, /tensor "char_embed": offset must be an integer >= 0/],
  ['an offset beyond 2^53', (m) => { named(m, 'char_embed').offset = 2 ** 60; }, /tensor "char_embed": bytes .* lie beyond/],
  ['a shard name with ..', (m) => { m.shards[0].path = '../secret'; }, /shards\[0\]\.path must be a plain file name, got "\.\.\/secret"/],
  ['an absolute shard path', (m) => { m.shards[0].path = '/etc/passwd'; }, /shards\[0\]\.path must be a plain file name, got "\/etc\/passwd"/],
  ['a shard on another origin', (m) => { m.shards[2].path = 'http://evil/x.bin'; }, /shards\[2\]\.path must be a plain file name, got "http:\/\/evil\/x\.bin"/],
  ['a missing tensor', (m) => { m.weights.tensors = m.weights.tensors.filter((/** @type {any} */ t) => t.name !== 'lstm/0/0/W_h'); }, /tensor "lstm\/0\/0\/W_h" is missing/],
  ['a wrong dtype', (m) => { named(m, 'cnn/b_1').dtype = 'float16'; }, /tensor "cnn\/b_1": dtype must be "float32", got "float16"/],
  ['a bfloat16 vector', (m) => { named(m, 'cnn/b_1').dtype = 'bfloat16'; }, /tensor "cnn\/b_1": dtype must be "float32", got "bfloat16"/],
  ['an unknown GEMM dtype', (m) => { named(m, 'cnn/W_1').dtype = 'bf16'; },
    /tensor "cnn\/W_1": dtype must be "float32", "float16", "bfloat16" or "int8", got "bf16"/],
  ['a float16 tensor past the end', (m) => {
    Object.assign(lastTensor(m), { dtype: 'float16', offset: m.weights.byteLength - 64 });
  }, /tensor "lstm\/1\/1\/W_proj": bytes \[428608, 430656\) lie beyond the 428672-byte weights buffer/],
  ['a bfloat16 tensor past the end', (m) => {
    Object.assign(lastTensor(m), { dtype: 'bfloat16', offset: m.weights.byteLength - 64 });
  }, /tensor "lstm\/1\/1\/W_proj": bytes \[428608, 430656\) lie beyond the 428672-byte weights buffer/],
  ['options that do not match the weights', (m) => { m.options.lstm.dim = 128; }, /tensor "lstm\/0\/0\/W_x": shape must be \[16, 512\], got \[16, 256\]/],
  ['a region larger than its tensors', (m) => {
    m.weights.byteLength += 64 * 1024;
    m.shards.at(-1).byteLength += 64 * 1024;
  }, /weights\.byteLength is 494208 but the tensors end at byte 428672/],
];

/**
 * A model folder as each form Elmo.load takes it.
 * @param {string} dir
 * @returns {Promise<Array<[string, import('../../js/index.js').ModelInput]>>}
 */
const forms = async (dir) => [['folder', dir], ['archive', new Blob([await archiveOf(dir)])], ['files', await filesOf(dir)]];

for (const [name, edit, expected] of manifestCases) {
  test(`manifest: ${name} → refused before any large allocation`, async (t) => {
    for (const [form, model] of await forms(await tampered(/** @type {any} */ (edit)))) {
      const { message, largest, grown } = await refusal(model);
      t.diagnostic(`${form}: ${message}`);
      assert.match(message, /** @type {RegExp} */ (expected), form);
      assert.ok(largest < 64 * 1024, `${form}: a ${largest}-byte allocation before the refusal`);
      assert.equal(grown, false, `${form}: wasm memory grew`);
    }
  });
}

/** Shard faults: found while reading, in the region the manifest declares and no more. */
const shardCases = [
  ['truncated', (/** @type {Buffer} */ b) => b.subarray(0, b.length - 100), /weights-00002-of-00004\.bin: truncated, 130972 of 131072 bytes/],
  ['extended', (/** @type {Buffer} */ b) => Buffer.concat([b, Buffer.alloc(10)]), /weights-00002-of-00004\.bin: larger than the 131072 bytes the manifest gives/],
  ['bit-flipped', (/** @type {Buffer} */ b) => {
    b[777] ^= 0x10;
    return b;
  }, /weights-00002-of-00004\.bin: sha256 mismatch/],
];

for (const [name, edit, expected] of shardCases) {
  test(`shard: ${name} → refused naming the file`, async (t) => {
    for (const [form, model] of await forms(await tampered(undefined, /** @type {any} */ (edit)))) {
      const { message, largest, grown } = await refusal(model);
      t.diagnostic(`${form}: ${message}`);
      assert.match(message, /** @type {RegExp} */ (expected), form);
      assert.ok(largest <= manifest.weights.byteLength + 64, `${form}: a ${largest}-byte allocation`);
      assert.equal(grown, false, `${form}: wasm memory grew`);
    }
  });
}

test('nothing outside the model directory is opened: a shard named ../secret, a FIFO there', async () => {
  const dir = await tampered((m) => {
    m.shards[0].path = '../secret';
  });
  // A FIFO: whoever opens it for reading blocks there until a writer comes,
  // so a non-blocking open for writing succeeds only if someone opened it.
  const secret = join(dir, '..', 'secret');
  execFileSync('mkfifo', [secret]);
  const { message } = await refusal(dir);
  assert.match(message, /shards\[0\]\.path must be a plain file name/);
  await new Promise((r) => setTimeout(r, 100));
  assert.throws(() => openSync(secret, constants.O_WRONLY | constants.O_NONBLOCK), { code: 'ENXIO' }, 'the secret was opened');
  // And the control: a reader does make that open succeed.
  const reader = openSync(secret, constants.O_RDONLY | constants.O_NONBLOCK);
  closeSync(openSync(secret, constants.O_WRONLY | constants.O_NONBLOCK));
  closeSync(reader);
});
