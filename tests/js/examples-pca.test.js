/**
 * The demo's PCA (web/pca.js): power iteration finds the directions of most
 * variance, in order, orthogonal, with their shares of the variance.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pca } from '../../web/pca.js';

test('points spread along known axes: components, shares and coordinates', () => {
  // In 4-D: spread 3 along (1,1,0,0)/√2, spread 1 along (0,0,1,0), a constant offset.
  const u = [Math.SQRT1_2, Math.SQRT1_2, 0, 0];
  const v = [0, 0, 1, 0];
  const points = [];
  for (const a of [-3, 3]) for (const b of [-1, 1]) points.push(u.map((x, i) => 5 + a * x + b * v[i]));
  const { coords, components, explained } = pca(points);
  const dot = (/** @type {ArrayLike<number>} */ p, /** @type {ArrayLike<number>} */ q) => Array.from(p).reduce((s, x, i) => s + x * q[i], 0);
  assert.ok(Math.abs(Math.abs(dot(components[0], u)) - 1) < 1e-9, `first component ${components[0]}`);
  assert.ok(Math.abs(Math.abs(dot(components[1], v)) - 1) < 1e-9, `second component ${components[1]}`);
  assert.ok(Math.abs(dot(components[0], components[1])) < 1e-9);
  assert.deepEqual(explained.map((e) => e.toFixed(6)), [(9 / 10).toFixed(6), (1 / 10).toFixed(6)]);
  assert.deepEqual(coords.map(([x, y]) => [Math.abs(x).toFixed(6), Math.abs(y).toFixed(6)]), Array(4).fill(['3.000000', '1.000000']));
});

test('no points, and identical points', () => {
  assert.deepEqual(pca([]), { coords: [], components: [], explained: [] });
  const { coords, explained } = pca([[1, 2], [1, 2], [1, 2]]);
  assert.deepEqual(coords, [[0, 0], [0, 0], [0, 0]]);
  assert.deepEqual(explained, [0, 0]);
});
