/**
 * The stored size of a tensor, JS (tensorByteLength, js/format/) against the
 * C core, the authority: for packed [k, n] matrices of many odd and even
 * shapes in each dtype, a manifest built by the converter's plan is checked
 * by elmo_model_check(), with each tensor in turn moved to the end of the
 * region. The core must say it ends exactly where JS says, and refuse a
 * region one byte shorter.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Core, HeapAllocations, Status } from '../../js/core/wasm-core.js';
import { alignedBytes, GEMM_DTYPES, tensorByteLength } from '../../js/format/model-format.js';
import { expectedTensors, placeTensors } from '../../js/format/tensor-plan.js';
import { optionsPath } from './fixture.js';

const base = JSON.parse(await readFile(optionsPath, 'utf8'));
const core = await Core.create({ simd: false });

/**
 * @param {any} manifest
 * @param {number} weightsLength
 * @returns {{ status: number, end: number, error: string }}
 */
function coreCheck(manifest, weightsLength) {
  const { fn } = core;
  const heap = new HeapAllocations(core);
  const model = fn.elmo_model_create();
  try {
    const json = new TextEncoder().encode(JSON.stringify(manifest));
    const endPtr = heap.alloc(4);
    const status = fn.elmo_model_check(model, heap.copyIn(json), json.length, weightsLength, endPtr);
    const end = new Uint32Array(core.memory.buffer, endPtr, 1)[0];
    return { status, end, error: core.string(fn.elmo_model_last_error(model)) };
  } finally {
    fn.elmo_model_free(model);
    heap.freeAll();
  }
}

/** Model shapes whose matrices have odd and even k, and n below, at and past a panel (8). */
const shapes = [
  { projection_dim: 3, dim: 5, filters: [[1, 4], [2, 7]], n_highway: 1, embedding: 3 },
  { projection_dim: 8, dim: 2, filters: [[1, 8]], n_highway: 1, embedding: 1 },
  { projection_dim: 9, dim: 13, filters: [[1, 1], [3, 16]], n_highway: 2, embedding: 5 },
  { projection_dim: 16, dim: 64, filters: [[1, 4], [2, 8], [3, 16], [4, 32], [5, 64]], n_highway: 2, embedding: 4 },
];

for (const dtype of GEMM_DTYPES) {
  test(`${dtype}: every tensor ends where tensorByteLength says, by the core's count`, () => {
    let checked = 0;
    for (const shape of shapes) {
      const options = structuredClone(base);
      Object.assign(options.lstm, { projection_dim: shape.projection_dim, dim: shape.dim });
      Object.assign(options.char_cnn, { filters: shape.filters, n_highway: shape.n_highway });
      options.char_cnn.embedding.dim = shape.embedding;
      const { tensors, byteLength } = placeTensors(expectedTensors(options, { dtype }));
      const entries = tensors.map(({ name, shape: s, dtype: d = 'float32', layout, offset }) => ({ name, shape: s, dtype: d, ...(layout && { layout }), offset }));
      const manifest = (/** @type {any[]} */ list, /** @type {number} */ total) => ({
        format: 'elmo-wasm-model', version: 1, options,
        weights: { byteLength: total, shardBytes: total, tensors: list },
        shards: [{ path: 'w.bin', byteLength: total, sha256: '0'.repeat(64) }],
      });
      const whole = coreCheck(manifest(entries, byteLength), byteLength);
      assert.equal(whole.status, Status.OK, whole.error);
      assert.equal(whole.end, byteLength, `${JSON.stringify(shape)}: the tensors' end`);
      entries.forEach((entry, i) => {
        // This tensor alone at the end of the region: the region's end is its size.
        const offset = alignedBytes(byteLength);
        const moved = entries.map((e, j) => (j === i ? { ...e, offset } : e));
        const size = tensorByteLength(entry);
        assert.ok(size !== null && size > 0, entry.name);
        const end = offset + size;
        const fits = coreCheck(manifest(moved, end), end);
        assert.equal(fits.status, Status.OK, `${entry.name} ${JSON.stringify(entry.shape)}: ${fits.error}`);
        assert.equal(fits.end, end, `${entry.name} ${JSON.stringify(entry.shape)} ${dtype}`);
        const short = coreCheck(manifest(moved, end - 1), end - 1);
        assert.equal(short.status, Status.INVALID_WEIGHTS, `${entry.name} ${JSON.stringify(entry.shape)} in ${end - 1} bytes`);
        assert.match(short.error, new RegExp(`tensor "${entry.name}"`));
        checked += 1;
      });
    }
    assert.ok(checked > 40, `only ${checked} tensors checked`);
  });
}

test('tensorByteLength refuses what it cannot size (the core names what is wrong)', () => {
  assert.equal(tensorByteLength({ shape: [3, 5], dtype: 'int8' }), null); // int8 needs panels
  assert.equal(tensorByteLength({ shape: [3], layout: 'panels8', dtype: 'float32' }), null);
  assert.equal(tensorByteLength({ shape: [3, -1], layout: 'panels8', dtype: 'float32' }), null);
  assert.equal(tensorByteLength({ shape: [3, 5], layout: 'panels9', dtype: 'float32' }), null);
  assert.equal(tensorByteLength({ shape: [3, 5], layout: 'panels8', dtype: 'float64' }), null);
  assert.equal(tensorByteLength({ shape: [3, 5], layout: 'panels8', dtype: 'bf16' }), null);
  assert.equal(tensorByteLength({ shape: [3, 5], dtype: 'bfloat16' }), null); // bfloat16 needs panels
});
