/**
 * elmo-wasm/node: the Node-only tools — the converter, the model fetcher and
 * its cache, file embedding (AllenNLP HDF5, .npy, JSON lines), model
 * descriptions and static token vectors. The library itself is `elmo-wasm`.
 */
export { defaultCacheDir } from './cache-dir.js';
export { convertModel } from './convert.js';
export { embedFile, readSentences } from './embed-file.js';
export { createEmbeddingsFile } from './embeddings-file.js';
export { fetchModel, isReadyModelDir } from './fetch-model.js';
export { describeModel } from './model-info.js';
export { loadRegistry } from './model-registry.js';
export { tokenVectors, writeVocabEmbeddings } from './vocab-embeddings.js';
