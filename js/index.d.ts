// Type declarations of elmo-wasm's browser-safe entry point (js/index.js).

export type ProgressStatus = 'initiate' | 'progress' | 'done' | 'ready';

export interface ProgressEvent {
  status: ProgressStatus;
  /** The shard this event is about; absent for 'ready'. */
  file?: string;
  /** Bytes of the whole model loaded so far. */
  loaded: number;
  /** Bytes of the whole model. */
  total: number;
  /** loaded / total, in percent. */
  progress: number;
}

export interface LoadOptions {
  /** Called as shards arrive, then once with status 'ready'. */
  onProgress?: (event: ProgressEvent) => void;
  /** Aborting rejects the load with the signal's reason (an AbortError by default). */
  signal?: AbortSignal;
  /** Shards read at once (default 4). */
  concurrency?: number;
  /** Further attempts at a shard after a network error or an HTTP 5xx/429 answer (default 3). */
  retries?: number;
  /** Milliseconds before the first retry, doubled for each next one (default 500). */
  retryDelay?: number;
  /**
   * Keep verified shards in the browser's Cache API and load them from there
   * (default true). No effect where there is no Cache API (Node).
   */
  cache?: boolean;
  /** Force (true) or refuse (false) the wasm SIMD build; default: detect. */
  simd?: boolean;
  /**
   * The .wasm file, or a folder (ending in '/') holding elmo-simd.wasm,
   * elmo-simd-threads.wasm and elmo-scalar.wasm; relative URLs are taken from the page (in Node: paths).
   * Default: js/wasm/ next to the module.
   */
  wasmUrl?: string | URL;
  /** The .wasm module's bytes, already fetched (a single-threaded build). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /**
   * Threads that share the work (1..64; default: the machine's cores, at most 4).
   * More than 1 runs the threaded SIMD build, which needs SharedArrayBuffer:
   * Node.js, or a cross-origin isolated page (COOP: same-origin, COEP:
   * require-corp). Elsewhere the model runs on one thread after one console warning.
   */
  numThreads?: number;
  /**
   * Distinct tokens whose context-free vectors (layer 0) are kept and reused,
   * bit for bit, least recently used out (default 4096; 0 turns it off).
   */
  tokenCache?: number;
}

export interface WorkerLoadOptions extends LoadOptions {
  /** The module worker script; default: web/elmo-worker.js of this package. */
  workerUrl?: string | URL;
}

export interface EmbedOptions {
  /** Continue batch row r from where row r of the previous stateful call ended (bilm-tf's behaviour). Default false. */
  stateful?: boolean;
  /** Keep the <S> and </S> positions. Default false. */
  keepBoundaries?: boolean;
}

export interface Embedding {
  /** (n_layers + 1, n_tokens, 2 * projection_dim) */
  shape: [number, number, number];
  /** Row-major; layer 0 is the token vector twice, layer l >= 1 is [forward_l, backward_l]. */
  data: Float32Array;
}

export interface ModelInfo {
  name: string;
  nLayers: number;
  outputDim: number;
  weightBytes: number;
  simd: boolean;
  /** Threads that share the work. */
  threads: number;
}

export declare class Elmo {
  private constructor();
  static load(modelDirOrUrl: string | URL, options?: LoadOptions): Promise<Elmo>;
  readonly info: ModelInfo;
  /** Size of this instance's wasm memory in bytes (it only grows): for leak checks. */
  readonly wasmMemoryBytes: number;
  /** Token cache lookups since load: hits reused a vector, misses computed one. */
  readonly tokenCacheStats: { hits: number; misses: number };
  embed(sentences: string[][], options?: EmbedOptions): Promise<Embedding[]>;
  /** Raw text (each string one sentence, tokenized by `tokenize`) and/or output options; see OutputOptions. */
  embed(input: EmbedInput, options?: OutputOptions): Promise<EmbedResult[]>;
  resetState(): void;
  /** Frees the model's wasm memory. Safe to call twice; later calls throw. */
  dispose(): void;
}

/**
 * The Elmo API served by a module worker (web/elmo-worker.js), off the page's
 * main thread. Calls are served in order; results are transferred. If the
 * worker dies, pending calls reject and the next call starts a new worker,
 * which loads the model again.
 */
export declare class ElmoWorker {
  private constructor();
  /** Aborting `signal` ends the worker and rejects with the signal's reason. */
  static load(modelUrl: string | URL, options?: WorkerLoadOptions): Promise<ElmoWorker>;
  readonly info: ModelInfo;
  embed(sentences: string[][], options?: EmbedOptions): Promise<Embedding[]>;
  embed(input: EmbedInput, options?: OutputOptions): Promise<EmbedResult[]>;
  resetState(): Promise<void>;
  /** Ends the worker. Safe to call twice; later calls throw. */
  dispose(): void;
}

/**
 * Deletes every shard that loads have kept in the browser's Cache API.
 * Resolves to whether there was anything to delete (false without the Cache API).
 */
export declare function clearCache(): Promise<boolean>;

export declare const Status: Readonly<{
  OK: 0;
  INVALID_ARGUMENT: -1;
  INVALID_CONFIG: -2;
  INVALID_WEIGHTS: -3;
  OUT_OF_MEMORY: -4;
  NOT_LOADED: -5;
}>;

export declare class ElmoError extends Error {
  constructor(message: string, status: number);
  readonly status: number;
}

export declare function hasWasmSimd(): boolean;

export interface Tensor {
  shape: number[];
  /** Row-major. */
  data: Float32Array;
}

/** AllenNLP's ScalarMix: gamma * sum_k softmax(weights)_k * layer_k. */
export interface ScalarMix {
  /** One per layer (n_layers + 1); default all 0, i.e. equal. */
  weights?: number[];
  /** Default 1. */
  gamma?: number;
  /** Normalize each layer first (mean 0, variance 1). */
  layerNorm?: boolean;
}

/** 'all' (layers, n, dim); 'top' or 'average' (n, dim); a list of layer indices (k, n, dim). */
export declare function selectLayers(embedding: Tensor, choice: 'all' | 'top' | 'average' | number[]): Tensor;
/** (n, dim) */
export declare function scalarMix(embedding: Tensor, mix: ScalarMix): Tensor;
/** (dim); zeros for an empty sentence. */
export declare function pool(tokens: Tensor, how: 'mean' | 'max'): Float32Array;
/** A copy of unit length (zeros stay zeros). */
export declare function normalize(vector: Float32Array): Float32Array;
/** Cosine similarity; 0 when either is all zeros. */
export declare function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number;
/** (n, m) cosine similarities of the rows of a (n, dim) and b (m, dim). */
export declare function similarity(a: Tensor, b: Tensor): Tensor;
/** TensorFlow Hub ELMo's named outputs. */
export declare function tfHubOutputs(
  embedding: Tensor,
  mix?: ScalarMix,
): { word_emb: Tensor; lstm_outputs1: Tensor; lstm_outputs2: Tensor | undefined; elmo: Tensor; default: Float32Array };

export interface TokenizedText {
  tokens: string[];
  /** [start, end) of each token in the text, in UTF-16 code units. */
  offsets: Array<[number, number]>;
}

/** A Penn-Treebank-like tokenizer for raw text. */
export declare function tokenize(text: string): TokenizedText;

/** What `embed` takes: one raw-text sentence, several, or sentences already split into tokens. */
export type EmbedInput = string | string[] | string[][];

/**
 * Per-call state of the biLSTM:
 * 'none' — every sentence starts from a zero state (the default; `stateful: false`);
 * 'carry' — batch row r continues from where row r of the previous carrying call ended (`stateful: true`);
 * 'reset' — forget the kept state first, then carry (the start of a new document).
 */
export type StateMode = 'none' | 'carry' | 'reset';

/** TensorFlow Hub ELMo's output names. */
export type TfHubOutput = 'word_emb' | 'lstm_outputs1' | 'lstm_outputs2' | 'elmo' | 'default';

/**
 * `embed` options beyond the engine's own. Choose at most one of `layers`,
 * `mix`, `output` (`mix` may also weight the 'elmo' and 'default' outputs).
 * Unknown keys and contradictions are refused with a TypeError / RangeError.
 */
export interface OutputOptions extends EmbedOptions {
  state?: StateMode;
  /** 'all' (default): (n_layers + 1, n, 2P); 'top' or 'average': (n, 2P); layer indices: (k, n, 2P). */
  layers?: 'all' | 'top' | 'average' | number[];
  /** AllenNLP's ScalarMix of all layers: (n, 2P). */
  mix?: ScalarMix;
  /**
   * word_emb (n, P); lstm_outputs1 / lstm_outputs2 (n, 2P); elmo (n, 2P, weighted by `mix`);
   * default (2P): elmo mean-pooled over the tokens.
   */
  output?: TfHubOutput;
  /** Pool over the tokens: (..., n, d) -> (..., d). Default 'none'. */
  pooling?: 'mean' | 'max' | 'none';
  /** Scale every vector (the last axis) to unit length. */
  normalize?: boolean;
}

/** One sentence's result; for raw-text input also its tokens and their offsets in the text. */
export interface EmbedResult extends Tensor {
  tokens?: string[];
  /** [start, end) of each token in its text, in UTF-16 code units. */
  offsets?: Array<[number, number]>;
}

/** Shapes engine results (n_layers + 1, n, 2P) as `options` ask; what `embed` does with them. */
export declare function shapeOutputs(embeddings: Tensor[], options: OutputOptions): Tensor[];
