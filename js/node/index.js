/**
 * elmo-wasm/node: the Node-only tools — the converter, the model fetcher and
 * its cache, file embedding (AllenNLP HDF5, .npy, JSON lines), model
 * descriptions and static token vectors. The library itself is `elmo-wasm`.
 */
export { defaultCacheDir } from './fetch/cache-dir.js';
export { convertModel } from './convert/convert.js';
export { embedFile, readSentences } from './output/embed-file.js';
export { createEmbeddingsFile } from './output/allennlp-hdf5.js';
export { fetchModel, isReadyModelDir } from './fetch/fetch-model.js';
export { describeModel } from './cli/model-info.js';
export { loadRegistry } from './fetch/model-registry.js';
export { tokenVectors, writeVocabEmbeddings } from './output/vocab-embeddings.js';
