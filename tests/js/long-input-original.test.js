/**
 * The original model's shape (2 × 4096 / 512, 2 highways) under the default
 * budget: a 10,000-token sentence grows wasm memory by no more than
 * maxMemoryMB (512) and gives finite vectors of the right shape. The model
 * directory is written straight in the converter's layout, with int8 GEMM
 * weights of random values (94 MB instead of 374 MB; the workspace, which is
 * what the budget bounds, is the same floats either way) so the test takes
 * seconds to set up.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { expectedTensors, placeTensors } from '../../js/format/tensor-plan.js';
import { ShardWriter } from '../../js/node/convert/shard-writer.js';
import { releasedOptions, BENCH_SHAPES } from '../bench/models.js';

const MB = 1 << 20;
let dir = '';

/** Random bytes standing for one tensor: int8 values with small scales, or small floats. */
function randomTensor(/** @type {ReturnType<typeof placeTensors>['tensors'][number]} */ t, /** @type {() => number} */ random) {
  const bytes = new Uint8Array(t.byteLength);
  if (t.dtype === 'int8') {
    const scales = new Float32Array(bytes.buffer, t.byteLength - 4 * 8 * Math.ceil(t.shape[1] / 8));
    for (let i = 0; i < bytes.length - scales.byteLength; i++) bytes[i] = Math.floor(random() * 256);
    scales.fill(0.2 / 127 / Math.sqrt(t.shape[0]) * 8);
  } else {
    const floats = new Float32Array(bytes.buffer);
    for (let i = 0; i < floats.length; i++) floats[i] = (random() - 0.5) * 0.1;
  }
  return bytes;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elmo-original-'));
  const options = releasedOptions(BENCH_SHAPES[2]);
  const { tensors, byteLength } = placeTensors(expectedTensors(options, { dtype: 'int8' }));
  const writer = new ShardWriter(dir, byteLength, 4 * MB);
  let state = 1;
  const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (const t of tensors) {
    await writer.padTo(t.offset);
    await writer.write(randomTensor(t, random));
  }
  const manifest = {
    format: 'elmo-wasm-model', version: 1, name: 'random-original-int8', options,
    weights: { byteLength, shardBytes: 4 * MB, tensors: tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype ?? 'float32', ...(t.layout && { layout: t.layout }), offset: t.offset })) },
    shards: writer.finish(),
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
});
after(() => rm(dir, { recursive: true, force: true }));

test('original shape: a 10,000-token sentence stays within the default 512 MB budget', async (t) => {
  const elmo = await Elmo.load(dir);
  try {
    const start = elmo.wasmMemoryBytes;
    const words = ['the', 'bank', 'of', 'a', 'river', 'is', 'green', '.'];
    const long = Array.from({ length: 10_000 }, (_, i) => `${words[i % words.length]}${i % 97}`);
    const began = performance.now();
    const [out] = await elmo.embed([long]);
    const seconds = (performance.now() - began) / 1000;
    const growth = elmo.wasmMemoryBytes - start;
    t.diagnostic(`weights ${(elmo.info.weightBytes / MB).toFixed(1)} MB; 10,000 tokens on ${elmo.info.threads} thread(s) in ${seconds.toFixed(1)} s; wasm memory grew ${(growth / MB).toFixed(1)} MB (budget 512 MB)`);
    assert.deepEqual(out.shape, [3, 10_000, 1024]);
    assert.ok(out.data.every(Number.isFinite), 'finite vectors');
    assert.ok(growth <= 512 * MB, `wasm memory grew ${growth / MB} MB`);
    assert.ok(growth > 64 * MB, 'the sentence really needed a large workspace (else the bound proves nothing)');
  } finally {
    elmo.dispose();
  }
});
