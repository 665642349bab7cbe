/**
 * A minimal protobuf writer for the few ONNX messages the benchmark needs
 * (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto), following onnx/onnx.proto. Field numbers are those of
 * onnx.proto3; only what we write is here.
 *
 * Messages are built as lists of byte chunks with a known total length, so a
 * tensor's raw data is referenced, not copied, until the one final copy in
 * `encodeModel()`.
 */

/** ONNX TensorProto.DataType values we use. */
export const DataType = Object.freeze({ FLOAT: 1, INT32: 6, INT64: 7 });

/** AttributeProto.AttributeType values. */
const AttrType = Object.freeze({ FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 });

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

/**
 * Varint bytes of a non-negative or negative integer (negative int64 values
 * take 10 bytes, two's complement, as protobuf specifies).
 * @param {number | bigint} value
 * @returns {Uint8Array}
 */
function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** A message under construction: chunks of bytes and their total length. */
export class Message {
  constructor() {
    /** @type {Uint8Array[]} */
    this.chunks = [];
    this.length = 0;
  }

  /** @param {Uint8Array} bytes */
  #push(bytes) {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /**
   * @param {number} field
   * @param {number} wire
   */
  #tag(field, wire) {
    this.#push(varint((field << 3) | wire));
  }

  /**
   * @param {number} field
   * @param {number | bigint} value
   */
  varint(field, value) {
    this.#tag(field, WIRE_VARINT);
    this.#push(varint(value));
    return this;
  }

  /**
   * @param {number} field
   * @param {number} value stored as float32
   */
  float(field, value) {
    this.#tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.#push(b);
    return this;
  }

  /**
   * @param {number} field
   * @param {Uint8Array} bytes referenced, not copied
   */
  bytes(field, bytes) {
    this.#tag(field, WIRE_LEN);
    this.#push(varint(bytes.length));
    this.#push(bytes);
    return this;
  }

  /**
   * @param {number} field
   * @param {string} text
   */
  string(field, text) {
    return this.bytes(field, utf8.encode(text));
  }

  /**
   * @param {number} field
   * @param {Message} message
   */
  message(field, message) {
    this.#tag(field, WIRE_LEN);
    this.#push(varint(message.length));
    for (const chunk of message.chunks) this.#push(chunk);
    return this;
  }

  /**
   * Packed repeated varints (int64 / int32 lists).
   * @param {number} field
   * @param {ArrayLike<number | bigint>} values
   */
  packedVarints(field, values) {
    const parts = Array.from(values, varint);
    const n = parts.reduce((s, p) => s + p.length, 0);
    this.#tag(field, WIRE_LEN);
    this.#push(varint(n));
    for (const p of parts) this.#push(p);
    return this;
  }

  /**
   * Packed repeated float32.
   * @param {number} field
   * @param {ArrayLike<number>} values
   */
  packedFloats(field, values) {
    const f = Float32Array.from(values);
    return this.bytes(field, new Uint8Array(f.buffer));
  }

  /** @returns {Uint8Array} the message's bytes in one buffer */
  toBytes() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

/**
 * TensorProto with raw_data (little-endian, as ONNX requires).
 * @param {string} name
 * @param {number[]} dims
 * @param {number} dataType a `DataType`
 * @param {ArrayBufferView} data referenced, not copied
 */
export function tensor(name, dims, dataType, data) {
  const m = new Message();
  if (dims.length) m.packedVarints(1, dims);
  m.varint(2, dataType);
  m.string(8, name);
  m.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return m;
}

/**
 * Attribute helpers: each returns an AttributeProto.
 */
export const attr = {
  /** @param {string} name @param {number} v */
  int: (name, v) => new Message().string(1, name).varint(3, v).varint(20, AttrType.INT),
  /** @param {string} name @param {number} v */
  float: (name, v) => new Message().string(1, name).float(2, v).varint(20, AttrType.FLOAT),
  /** @param {string} name @param {number[]} v */
  ints: (name, v) => new Message().string(1, name).packedVarints(8, v).varint(20, AttrType.INTS),
  /** @param {string} name @param {number[]} v */
  floats: (name, v) => new Message().string(1, name).packedFloats(7, v).varint(20, AttrType.FLOATS),
  /** @param {string} name @param {string} v */
  string: (name, v) => new Message().string(1, name).string(4, v).varint(20, AttrType.STRING),
  /** @param {string} name @param {Message} t a `tensor()` */
  tensor: (name, t) => new Message().string(1, name).message(5, t).varint(20, AttrType.TENSOR),
};

/**
 * NodeProto.
 * @param {string} opType
 * @param {string[]} inputs '' for an omitted optional input
 * @param {string[]} outputs
 * @param {Message[]} [attributes]
 * @param {string} [name]
 */
export function node(opType, inputs, outputs, attributes = [], name = '') {
  const m = new Message();
  for (const i of inputs) m.string(1, i);
  for (const o of outputs) m.string(2, o);
  if (name) m.string(3, name);
  m.string(4, opType);
  for (const a of attributes) m.message(5, a);
  return m;
}

/**
 * ValueInfoProto of a tensor; a string dim is symbolic (dim_param).
 * @param {string} name
 * @param {number} elemType a `DataType`
 * @param {Array<number | string>} dims
 */
export function valueInfo(name, elemType, dims) {
  const shape = new Message();
  for (const d of dims) {
    const dim = new Message();
    if (typeof d === 'string') dim.string(2, d);
    else dim.varint(1, d);
    shape.message(1, dim);
  }
  const tensorType = new Message().varint(1, elemType).message(2, shape);
  const type = new Message().message(1, tensorType);
  return new Message().string(1, name).message(2, type);
}

/**
 * GraphProto.
 * @param {{ name: string, nodes: Message[], initializers: Message[], inputs: Message[], outputs: Message[] }} g
 */
export function graph({ name, nodes, initializers, inputs, outputs }) {
  const m = new Message();
  for (const n of nodes) m.message(1, n);
  m.string(2, name);
  for (const t of initializers) m.message(5, t);
  for (const i of inputs) m.message(11, i);
  for (const o of outputs) m.message(12, o);
  return m;
}

/**
 * ModelProto bytes.
 * @param {{ graph: Message, opset: number, irVersion?: number, producer?: string }} model
 * @returns {Uint8Array}
 */
export function encodeModel({ graph: g, opset, irVersion = 8, producer = 'elmo-wasm bench' }) {
  const opsetId = new Message().string(1, '').varint(2, opset);
  const m = new Message().varint(1, irVersion).string(2, producer).string(3, '0').message(7, g).message(8, opsetId);
  return m.toBytes();
}
