/**
 * elmo-wasm: ELMo contextual word vectors computed on the user's device.
 * Browser-safe entry point; Node-only tools (converter, HDF5 output) are in
 * `elmo-wasm/node`.
 */
export { Elmo } from './elmo.js';
export { ElmoWorker } from './elmo-worker-client.js';
export { ElmoError, Status } from './core.js';
export { hasWasmSimd } from './runtime.js';
export { clearCache } from './shard-cache.js';
export { cosine, normalize, pool, scalarMix, selectLayers, similarity, tfHubOutputs } from './outputs.js';
export { tokenize } from './tokenizer.js';
export { shapeOutputs } from './embed-options.js';
