/**
 * The first principal components of a set of vectors, by power iteration on
 * the covariance. The covariance is never formed: C·w = Xᵀ(X·w) / n costs
 * n·dim per step, which stays small for a demo's few hundred tokens even at
 * the 1024 dimensions of the original ELMo.
 */

/**
 * @param {ArrayLike<number>[]} vectors n vectors of one length
 * @param {number} [k] how many components (default 2)
 * @param {number} [iterations] power-iteration steps per component
 * @returns {{ coords: number[][], components: Float64Array[], explained: number[] }}
 *   coords: each vector's k coordinates; explained: each component's share of the total variance
 */
export function pca(vectors, k = 2, iterations = 100) {
  const n = vectors.length;
  if (n === 0) return { coords: [], components: [], explained: [] };
  const dim = vectors[0].length;
  const mean = new Float64Array(dim);
  for (const v of vectors) for (let i = 0; i < dim; i++) mean[i] += v[i] / n;
  const x = vectors.map((v) => Float64Array.from({ length: dim }, (_, i) => v[i] - mean[i]));
  let total = 0;
  for (const row of x) for (const value of row) total += value * value;

  /** @type {Float64Array[]} */
  const components = [];
  /** @type {number[]} */
  const explained = [];
  for (let c = 0; c < Math.min(k, dim); c++) {
    // A fixed, irregular start: the same picture on every run, and never orthogonal to the answer by accident.
    let w = Float64Array.from({ length: dim }, (_, i) => Math.sin(1 + i * 12.9898 + c * 78.233));
    let eigenvalue = 0;
    for (let step = 0; step < iterations; step++) {
      const next = new Float64Array(dim);
      for (const row of x) {
        const dot = row.reduce((s, v, i) => s + v * w[i], 0);
        for (let i = 0; i < dim; i++) next[i] += dot * row[i];
      }
      // Deflation: stay orthogonal to the components already found.
      for (const u of components) {
        const dot = next.reduce((s, v, i) => s + v * u[i], 0);
        for (let i = 0; i < dim; i++) next[i] -= dot * u[i];
      }
      const norm = Math.hypot(...next);
      if (norm === 0) break; // no variance left: the remaining coordinates are 0
      eigenvalue = norm / n;
      w = next.map((v) => v / norm);
    }
    components.push(w);
    explained.push(total > 0 ? (eigenvalue * n) / total : 0);
  }
  const coords = x.map((row) => components.map((u) => row.reduce((s, v, i) => s + v * u[i], 0)));
  return { coords, components, explained };
}
