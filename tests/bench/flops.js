/**
 * FLOPs per sequence position of an ELMo model, counted from its shapes:
 * char CNN windows, highway, projection, and each LSTM's input, recurrent and
 * projection matmuls; 2 FLOPs per multiply-add. Elementwise work is left out.
 */
import { modelDims } from '../../js/format/tensor-plan.js';

/**
 * @typedef {object} FlopCount
 * @property {number} cnn
 * @property {number} highway
 * @property {number} projection
 * @property {number} lstm
 * @property {number} total
 */

/**
 * @param {any} options the model's options.json
 * @returns {FlopCount} FLOPs for one position (one token, boundaries count as tokens)
 */
export function flopsPerPosition(options) {
  const m = modelDims(options);
  const chars = options.char_cnn.max_characters_per_token;
  const cnn = m.filters.reduce((sum, [w, n]) => sum + (chars - w + 1) * w * m.charDim * n, 0);
  const highway = m.nHighway * 2 * m.nFilters * m.nFilters;
  const projection = m.nFilters === m.projectionDim ? 0 : m.nFilters * m.projectionDim;
  const P = m.projectionDim;
  const H = m.lstmDim;
  const lstm = m.nLayers * 2 * (P * 4 * H + P * 4 * H + H * P);
  const macs = { cnn, highway, projection, lstm };
  const flops = /** @type {FlopCount} */ (Object.fromEntries(Object.entries(macs).map(([k, v]) => [k, 2 * v])));
  flops.total = flops.cnn + flops.highway + flops.projection + flops.lstm;
  return flops;
}
