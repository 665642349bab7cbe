/**
 * ONNX Runtime Web (its wasm backend) in Node: configured once per process,
 * since ORT reads `numThreads` only when its wasm module starts.
 */
import * as ort from 'onnxruntime-web';

let configured = false;

/**
 * @param {number} threads ORT's intra-op threads (1 = no worker threads)
 */
export function configureOrt(threads) {
  if (configured) throw new Error('configureOrt: ORT is configured once per process');
  configured = true;
  ort.env.wasm.numThreads = threads;
  // The wasm files are found next to ort.node.min.mjs in node_modules/onnxruntime-web/dist;
  // 1.30 ships only the SIMD (threaded) build, so env.wasm.simd has nothing to choose.
  ort.env.logLevel = 'error';
}

/**
 * @param {Uint8Array} modelBytes
 * @returns {Promise<ort.InferenceSession>}
 */
export function createSession(modelBytes) {
  return ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
}

/**
 * Runs the biLM graph of onnx-graph.js.
 * @param {ort.InferenceSession} session
 * @param {Int32Array} ids char ids [batch, length, chars]
 * @param {number[]} dims [batch, length, chars]
 * @returns {Promise<{ data: Float32Array, dims: readonly number[] }>} `layers` [batch, L+1, length, 2P]
 */
export async function runElmo(session, ids, dims) {
  const result = await session.run({ char_ids: new ort.Tensor('int32', ids, dims) });
  const layers = result.layers;
  return { data: /** @type {Float32Array} */ (layers.data), dims: layers.dims };
}
