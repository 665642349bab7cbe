/**
 * float16 weights end to end: `convert --dtype float16` writes every GEMM
 * weight as IEEE binary16 panels (each value rounded to the nearest half),
 * at about half the float32 bytes, and the engine computes from them with
 * top-layer vectors within cosine 0.9999 of float32 — on the fixture
 * (bilm-tf's own weights) and on a generated random model (sixteen-bit.js).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { float16Bits, float16Value } from '../../js/format/weight-packing.js';
import { optionsPath, weightsPath } from './fixture.js';
import { elmoWasm } from './run-cli.js';
import { sixteenBitTests } from './sixteen-bit.js';

// A half has 11 significant bits down to 2^-14, then a fixed step of 2^-24.
const state = sixteenBitTests({ dtype: 'float16', bits: float16Bits, value: float16Value, significantBits: 11, smallestStep: 2 ** -24, seed: 0xf16 });

test('float16 rounding: to nearest, ties to even, at the edges; every finite half round-trips', () => {
  /** @type {Array<[number, number]>} */
  const cases = [
    [1, 0x3c00], [-2, 0xc000], [-0, 0x8000], [65504, 0x7bff], [65519.99609375, 0x7bff], [65520, 0x7c00],
    [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -11 + 2 ** -20, 0x3c01],
    [2 ** -14, 0x0400], [2 ** -14 - 2 ** -25, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0], [3 * 2 ** -25, 0x0002],
    [1e-10, 0], [-1e-10, 0x8000],
  ];
  for (const [x, h] of cases) assert.equal(float16Bits(x), h, `float16Bits(${x})`);
  assert.ok((float16Bits(NaN) & 0x7fff) > 0x7c00, 'NaN stays NaN');
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) !== 0x7c00) assert.equal(float16Bits(float16Value(h)), h, `half 0x${h.toString(16)}`);
  }
});

test('the CLI refuses a dtype it does not know', async () => {
  const bad = await elmoWasm('convert', optionsPath, weightsPath, join(state.f32.dir, 'cli-bad'), '--dtype', 'float64');
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--dtype must be one of float32, float16, bfloat16, int8, got float64/);
});
