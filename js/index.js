/**
 * elmo-wasm: ELMo contextual word vectors computed on the user's device.
 * Browser-safe entry point; Node-only tools (converter, HDF5 output) are in
 * `elmo-wasm/node`.
 */
export { Elmo } from './api/elmo.js';
export { ElmoWorker } from './worker/elmo-worker-client.js';
export { ElmoError, Status } from './core/wasm-core.js';
export { hasWasmSimd } from './core/runtime.js';
export { clearCache, listCachedModels } from './load/shard-cache.js';
export { cosine, normalize, pool, scalarMix, selectLayers, similarity, tfHubOutputs } from './api/outputs.js';
export { tokenize } from './api/text-tokenizer.js';
export { shapeOutputs } from './api/embed-options.js';
export { Trainer } from './train/trainer.js';
