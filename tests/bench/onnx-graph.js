/**
 * Builds an ONNX graph of the whole ELMo biLM from a converted model
 * directory (models/FORMAT.md), with the same weights, for ONNX Runtime:
 *
 * char ids [B, T, chars] (int32, `<S>`/`</S>` included) → Gather char_embed
 * → per filter Conv1D + ReduceMax → activation → highway layers → projection
 * → per direction, per layer: one MatMul for all input steps, then the LSTM
 * cell with projection and clipping unrolled over the T steps (zero initial
 * state, backward direction over the reversed steps) → output `layers`
 * [B, n_layers + 1, T, 2P], the same as ours with boundaries kept.
 *
 * The batch and length are fixed per graph (one ORT session per input shape).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unpackTensor } from '../../js/format/weight-packing.js';
import { attr, DataType, encodeModel, graph, node, tensor, valueInfo } from './onnx-proto.js';

/**
 * @typedef {object} ModelWeights
 * @property {any} manifest
 * @property {(name: string) => Float32Array | null} tensor the named tensor, row-major; null when absent
 */

/**
 * Reads a converted model directory into memory.
 * @param {string} dir
 * @returns {Promise<ModelWeights>}
 */
export async function readModelDir(dir) {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  const region = new Uint8Array(manifest.weights.byteLength);
  for (const [i, shard] of manifest.shards.entries()) region.set(await readFile(join(dir, shard.path)), i * manifest.weights.shardBytes);
  const floats = new Float32Array(region.buffer);
  /** @type {Map<string, { name: string, shape: number[], offset: number, layout?: string }>} */
  const byName = new Map(manifest.weights.tensors.map((/** @type {any} */ t) => [t.name, t]));
  return {
    manifest,
    tensor(name) {
      const t = byName.get(name);
      // Packed GEMM weights (`layout`, models/FORMAT.md) are unpacked by the converter's own inverse.
      return t ? unpackTensor(floats.subarray(t.offset / 4), t) : null;
    },
  };
}

/**
 * @typedef {object} GraphShape
 * @property {number} batch sentences
 * @property {number} length positions per sentence (tokens + 2)
 * @property {'conv' | 'matmul'} [conv] the char CNN as ONNX Conv (default; in ORT as fast as the
 *   alternative or faster) or as one MatMul per filter over windows
 *   gathered by index
 */

/** Nodes and initializers of a graph under construction, with fresh value names. */
class GraphBuilder {
  constructor() {
    /** @type {import('./onnx-proto.js').Message[]} */
    this.nodes = [];
    /** @type {import('./onnx-proto.js').Message[]} */
    this.initializers = [];
    this.count = 0;
  }

  /**
   * Adds a node; returns its output names.
   * @param {string} op
   * @param {string[]} inputs
   * @param {{ outputs?: number, attributes?: import('./onnx-proto.js').Message[] }} [opts]
   */
  add(op, inputs, { outputs = 1, attributes = [] } = {}) {
    const names = Array.from({ length: outputs }, (_, i) => `${op}_${this.count}_${i}`);
    this.count++;
    this.nodes.push(node(op, inputs, names, attributes));
    return names;
  }

  /** Adds a node with one output; returns its name. @param {string} op @param {string[]} inputs @param {import('./onnx-proto.js').Message[]} [attributes] */
  op(op, inputs, attributes = []) {
    return this.add(op, inputs, { attributes })[0];
  }

  /**
   * @param {string} name
   * @param {number[]} dims
   * @param {Float32Array | Int32Array | BigInt64Array} data referenced until encoding
   */
  init(name, dims, data) {
    const type = data instanceof Float32Array ? DataType.FLOAT : data instanceof Int32Array ? DataType.INT32 : DataType.INT64;
    this.initializers.push(tensor(name, dims, type, data));
    return name;
  }

  /** An int64 vector initializer. @param {string} name @param {number[]} values */
  ints(name, values) {
    return this.init(name, [values.length], BigInt64Array.from(values, BigInt));
  }
}

/**
 * @param {ModelWeights} weights
 * @param {string} name
 */
function need(weights, name) {
  const t = weights.tensor(name);
  if (!t) throw new Error(`model has no tensor ${name}`);
  return t;
}

/**
 * Our conv layout [w*d, n] (row k*d + c) as ONNX Conv's [n, d, w].
 * @param {Float32Array} w
 * @param {number} width
 * @param {number} d
 * @param {number} n
 */
function convWeight(w, width, d, n) {
  const out = new Float32Array(n * d * width);
  for (let k = 0; k < width; k++) {
    for (let c = 0; c < d; c++) {
      for (let o = 0; o < n; o++) out[(o * d + c) * width + k] = w[(k * d + c) * n + o];
    }
  }
  return out;
}

/**
 * Char CNN, highway and projection: char ids → token vectors [T, B, P].
 * @param {GraphBuilder} g
 * @param {ModelWeights} weights
 * @param {GraphShape} shape
 */
function tokenLayer(g, weights, { batch, length, conv = 'conv' }) {
  const o = weights.manifest.options;
  const chars = o.char_cnn.max_characters_per_token;
  const d = o.char_cnn.embedding.dim;
  const C = o.char_cnn.n_characters;
  const filters = /** @type {number[][]} */ (o.char_cnn.filters);
  const F = filters.reduce((s, f) => s + f[1], 0);
  const P = o.lstm.projection_dim;

  const N = batch * length;
  const ids = g.op('Reshape', ['char_ids', g.ints('shape_ids', [N, chars])]);
  const table = g.init('char_embed', [C, d], need(weights, 'char_embed'));
  /** @type {string[]} */
  let pooled;
  if (conv === 'conv') {
    const embedded = g.op('Gather', [table, ids]); // [N, chars, d]
    const channels = g.op('Transpose', [embedded], [attr.ints('perm', [0, 2, 1])]); // [N, d, chars]
    pooled = filters.map(([width, n], i) => {
      const w = g.init(`conv_W_${i}`, [n, d, width], convWeight(need(weights, `cnn/W_${i}`), width, d, n));
      const b = g.init(`conv_b_${i}`, [n], need(weights, `cnn/b_${i}`));
      const out = g.op('Conv', [channels, w, b], [attr.ints('kernel_shape', [width])]);
      return g.op('ReduceMax', [out], [attr.ints('axes', [2]), attr.int('keepdims', 0)]);
    });
  } else {
    // im2col by Gather: the ids of every window, their vectors, one MatMul per filter
    // (our [w*d, n] layout is already window-major), max over positions, then bias.
    pooled = filters.map(([width, n], i) => {
      const positions = chars - width + 1;
      const at = Int32Array.from({ length: positions * width }, (_, t) => Math.floor(t / width) + (t % width));
      const windows = g.op('Gather', [ids, g.init(`windows_${i}`, [positions, width], at)], [attr.int('axis', 1)]);
      const rows = g.op('Reshape', [g.op('Gather', [table, windows]), g.ints(`rows_${i}`, [N * positions, width * d])]);
      const out = g.op('MatMul', [rows, g.init(`conv_W_${i}`, [width * d, n], need(weights, `cnn/W_${i}`))]);
      const perPosition = g.op('Reshape', [out, g.ints(`per_position_${i}`, [N, positions, n])]);
      const max = g.op('ReduceMax', [perPosition], [attr.ints('axes', [1]), attr.int('keepdims', 0)]);
      return g.op('Add', [max, g.init(`conv_b_${i}`, [n], need(weights, `cnn/b_${i}`))]);
    });
  }
  let x = g.op(o.char_cnn.activation === 'tanh' ? 'Tanh' : 'Relu', [g.op('Concat', pooled, [attr.int('axis', 1)])]);
  for (let k = 0; k < o.char_cnn.n_highway; k++) {
    const dense = (/** @type {string} */ part) => g.op('Gemm', [x,
      g.init(`highway_${k}_W_${part}`, [F, F], need(weights, `highway/${k}/W_${part}`)),
      g.init(`highway_${k}_b_${part}`, [F], need(weights, `highway/${k}/b_${part}`))]);
    const gate = g.op('Sigmoid', [dense('carry')]);
    const transform = g.op('Relu', [dense('transform')]);
    // gate * transform + (1 - gate) * x  ==  x + gate * (transform - x)
    x = g.op('Add', [x, g.op('Mul', [gate, g.op('Sub', [transform, x])])]);
  }
  const projW = weights.tensor('proj/W');
  if (projW) x = g.op('Gemm', [x, g.init('proj_W', [F, P], projW), g.init('proj_b', [P], need(weights, 'proj/b'))]);
  const tokens = g.op('Reshape', [x, g.ints('shape_btp', [batch, length, P])]);
  return g.op('Transpose', [tokens], [attr.ints('perm', [1, 0, 2])]);
}

/**
 * Clipping to [-limit, limit], or nothing when the options have no limit.
 * @param {GraphBuilder} g
 * @param {number | null | undefined} limit
 * @param {string} name prefix of its two constants
 * @returns {(value: string) => string}
 */
function clipper(g, limit, name) {
  if (limit == null) return (value) => value;
  const min = g.init(`${name}_min`, [], Float32Array.of(-limit));
  const max = g.init(`${name}_max`, [], Float32Array.of(limit));
  return (value) => g.op('Clip', [value, min, max]);
}

/**
 * One LSTM layer of one direction over x [T, B, P]; returns its outputs [T, B, P]
 * (before any skip connection).
 * @param {GraphBuilder} g
 * @param {ModelWeights} weights
 * @param {string} x
 * @param {{ dir: number, layer: number, length: number }} at
 */
function lstmLayer(g, weights, x, { dir, layer, length }) {
  const o = weights.manifest.options.lstm;
  const H = o.dim;
  const P = o.projection_dim;
  const prefix = `lstm_${dir}_${layer}`;
  // TensorFlow's forget bias 1.0, folded into the bias of the f gate once.
  const bias = Float32Array.from(need(weights, `lstm/${dir}/${layer}/b`));
  for (let i = 2 * H; i < 3 * H; i++) bias[i] += 1;
  const Wx = g.init(`${prefix}_W_x`, [P, 4 * H], need(weights, `lstm/${dir}/${layer}/W_x`));
  const Wh = g.init(`${prefix}_W_h`, [P, 4 * H], need(weights, `lstm/${dir}/${layer}/W_h`));
  const Wp = g.init(`${prefix}_W_proj`, [H, P], need(weights, `lstm/${dir}/${layer}/W_proj`));
  const b = g.init(`${prefix}_b`, [4 * H], bias);

  const batch = weights.batch;
  const x2 = g.op('Reshape', [x, g.ints(`${prefix}_rows`, [length * batch, P])]);
  const inputs = g.op('Add', [g.op('MatMul', [x2, Wx]), b]); // [T*B, 4H], all steps at once
  const steps = length === 1 ? [inputs] : g.add('Split', [inputs, g.ints(`${prefix}_split_t`, Array(length).fill(batch))], { outputs: length });
  const gateSplit = g.ints(`${prefix}_split_gates`, [H, H, H, H]);
  const clipCell = clipper(g, o.cell_clip, `${prefix}_cell_clip`);
  const clipProj = clipper(g, o.proj_clip, `${prefix}_proj_clip`);
  /** @type {string[]} */
  const outputs = new Array(length);
  let h = '';
  let c = '';
  for (let s = 0; s < length; s++) {
    const t = dir === 0 ? s : length - 1 - s;
    // The state starts at zero: the first step has no recurrent term and no c.
    const z = s === 0 ? steps[t] : g.op('Add', [steps[t], g.op('MatMul', [h, Wh])]);
    const [i, j, f, og] = g.add('Split', [z, gateSplit], { outputs: 4, attributes: [attr.int('axis', 1)] });
    const input = g.op('Mul', [g.op('Sigmoid', [i]), g.op('Tanh', [j])]);
    const cell = s === 0 ? input : g.op('Add', [g.op('Mul', [g.op('Sigmoid', [f]), c]), input]);
    c = clipCell(cell);
    const out = g.op('Mul', [g.op('Sigmoid', [og]), g.op('Tanh', [c])]);
    h = clipProj(g.op('MatMul', [out, Wp]));
    outputs[t] = h;
  }
  const all = length === 1 ? outputs[0] : g.op('Concat', outputs, [attr.int('axis', 0)]);
  return g.op('Reshape', [all, g.ints(`${prefix}_tbp`, [length, batch, P])]);
}

/**
 * The ONNX model bytes of the biLM for inputs of `batch` sentences of
 * `length` positions (tokens + 2 boundaries).
 * @param {ModelWeights} weights
 * @param {GraphShape} shape
 * @returns {Uint8Array}
 */
export function buildElmoOnnx(weights, { batch, length, conv }) {
  const o = weights.manifest.options;
  const P = o.lstm.projection_dim;
  const chars = o.char_cnn.max_characters_per_token;
  const g = new GraphBuilder();
  weights = { ...weights, batch };
  const tokens = tokenLayer(g, weights, { batch, length, conv });
  const pair = (/** @type {string} */ a, /** @type {string} */ b) => g.op('Concat', [a, b], [attr.int('axis', 2)]);
  const layers = [pair(tokens, tokens)];
  const inputs = [tokens, tokens];
  for (let layer = 0; layer < o.lstm.n_layers; layer++) {
    const outs = [0, 1].map((dir) => {
      const h = lstmLayer(g, weights, inputs[dir], { dir, layer, length });
      return o.lstm.use_skip_connections && layer > 0 ? g.op('Add', [h, inputs[dir]]) : h;
    });
    inputs.splice(0, 2, ...outs);
    layers.push(pair(outs[0], outs[1]));
  }
  const axis0 = g.ints('axes_0', [0]);
  const stacked = g.op('Concat', layers.map((l) => g.op('Unsqueeze', [l, axis0])), [attr.int('axis', 0)]); // [L+1, T, B, 2P]
  g.nodes.push(node('Transpose', [stacked], ['layers'], [attr.ints('perm', [2, 0, 1, 3])]));
  const nLayers = o.lstm.n_layers + 1;
  return encodeModel({
    opset: 17,
    graph: graph({
      name: 'elmo',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [valueInfo('char_ids', DataType.INT32, [batch, length, chars])],
      outputs: [valueInfo('layers', DataType.FLOAT, [batch, nLayers, length, 2 * P])],
    }),
  });
}
