/**
 * The official ELMo model shapes the benchmark generates (random weights,
 * same shapes as the released models; models/SEMANTICS.md), as the
 * options.json each release ships.
 */

/**
 * @typedef {object} BenchShape
 * @property {string} name
 * @property {number} lstmDim
 * @property {number} projectionDim
 * @property {number} nHighway
 * @property {number} [nLayers] 2 unless given
 */

/** @type {readonly BenchShape[]} */
export const BENCH_SHAPES = Object.freeze([
  { name: 'small', lstmDim: 1024, projectionDim: 128, nHighway: 1 },
  { name: 'medium', lstmDim: 2048, projectionDim: 256, nHighway: 1 },
  { name: 'original', lstmDim: 4096, projectionDim: 512, nHighway: 2 },
]);

/** Filters of every released model: [width, count]. */
const FILTERS = [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]];

/**
 * The options.json of a released model of this shape.
 * @param {BenchShape} shape
 */
export function releasedOptions({ lstmDim, projectionDim, nHighway, nLayers = 2 }) {
  return {
    lstm: { use_skip_connections: true, projection_dim: projectionDim, cell_clip: 3, proj_clip: 3, dim: lstmDim, n_layers: nLayers },
    char_cnn: {
      activation: 'relu',
      filters: FILTERS.map((f) => [...f]),
      n_highway: nHighway,
      embedding: { dim: 16 },
      n_characters: 262,
      max_characters_per_token: 50,
    },
  };
}

/**
 * The same token layer (char CNN, highway, projection) with a negligible
 * biLSTM (1 layer of 4 cells): timing it shows the token layer's share.
 * @param {BenchShape} shape
 * @returns {BenchShape}
 */
export const tokenLayerOnly = (shape) => ({ ...shape, name: `${shape.name}-token-layer`, lstmDim: 4, nLayers: 1 });
