/**
 * bfloat16 weights end to end: `convert --dtype bfloat16` writes every GEMM
 * weight as bfloat16 panels (each float32 rounded to its nearest top 16
 * bits), at about half the float32 bytes, and the engine computes from them
 * exactly what it computes from float32 weights holding the rounded values,
 * with top-layer vectors within cosine 0.9999 of float32 — on the fixture
 * (bilm-tf's own weights) and on a generated random model (sixteen-bit.js).
 * bfloat16 keeps 8 significant bits to float16's 11, so it moves the
 * vectors more (fixture: max abs error 6.1e-4 to float16's 1.5e-4).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfloat16Bits, bfloat16Value } from '../../js/format/weight-packing.js';
import { sixteenBitTests } from './sixteen-bit.js';

// 8 significant bits down to 2^-126, then a fixed step of 2^-133.
sixteenBitTests({ dtype: 'bfloat16', bits: bfloat16Bits, value: bfloat16Value, significantBits: 8, smallestStep: 2 ** -133, seed: 0xbf16 });

test('bfloat16 rounding: to nearest, ties to even, at the edges; every bfloat16 but NaN round-trips', () => {
  const top = 2 ** 127;
  /** @type {Array<[number, number]>} */
  const cases = [
    [1, 0x3f80], [-2, 0xc000], [0, 0], [-0, 0x8000],
    [1 + 2 ** -8, 0x3f80], [1 + 3 * 2 ** -8, 0x3f82], [1 + 2 ** -8 + 2 ** -20, 0x3f81], [1 + 2 ** -8 - 2 ** -23, 0x3f80],
    [(2 - 2 ** -7) * top, 0x7f7f], [(2 - 2 ** -8 - 2 ** -23) * top, 0x7f7f], [(2 - 2 ** -8) * top, 0x7f80],
    [(2 - 2 ** -23) * top, 0x7f80], [-(2 - 2 ** -23) * top, 0xff80], [Infinity, 0x7f80], [-Infinity, 0xff80],
    [2 ** -126, 0x0080], [2 ** -133, 0x0001], [-(2 ** -133), 0x8001], [2 ** -134, 0], [3 * 2 ** -134, 0x0002],
    [2 ** -134 + 2 ** -149, 0x0001], [255 * 2 ** -134, 0x0080], [2 ** -149, 0], [-(2 ** -149), 0x8000],
  ];
  for (const [x, h] of cases) assert.equal(bfloat16Bits(x), h, `bfloat16Bits(${x})`);
  assert.ok((bfloat16Bits(NaN) & 0x7fff) > 0x7f80, 'NaN stays NaN');
  assert.ok(Object.is(bfloat16Value(0x8000), -0) && bfloat16Value(0x0001) === 2 ** -133 && bfloat16Value(0x7f80) === Infinity);
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7fff) <= 0x7f80) assert.equal(bfloat16Bits(bfloat16Value(h)), h, `bfloat16 0x${h.toString(16)}`);
  }
});
