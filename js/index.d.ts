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
   * The helper threads' script (js/core/thread-helper-worker.js, which imports
   * nothing), relative to the page; for a bundler that does not follow
   * workers (esbuild), or a page that must start it from its own origin.
   * Default: beside the library's modules (a bundler that follows
   * `new Worker(new URL(…, import.meta.url))` emits it).
   */
  threadWorkerUrl?: string | URL;
  /**
   * Distinct tokens whose context-free vectors (layer 0) are kept and reused,
   * bit for bit, least recently used out (default 4096; 0 turns it off).
   */
  tokenCache?: number;
  /**
   * Wasm memory one embed call may use besides the weights (default 512), and
   * the most fineTune's trainer instance may take. What cannot fit rejects
   * with an ElmoError of status OUT_OF_MEMORY naming the budget.
   */
  maxMemoryMB?: number;
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

/** Perplexities: exp of the mean NLL of each direction's predictions, and of both together. */
export interface Perplexity {
  forward: number;
  backward: number;
  average: number;
  /** Predictions of both directions. */
  predictions: number;
}

/** After every fineTune step. */
export interface FineTuneProgress {
  /** Steps done. */
  step: number;
  /** Steps planned (for one pass over the sentences: at most this many). */
  steps: number;
  /** Positions trained on so far: step × batchSize × unroll. */
  tokens: number;
  /** This step's loss before its update: 0.5 × (mean forward NLL + mean backward NLL), sampled softmax. */
  loss: number;
  tokensPerSecond: number;
}

export interface FineTuneOptions {
  /** Train this many steps, going over the sentences as often as needed. */
  steps?: number;
  /** Or this many positions: floor(tokens / (batchSize × unroll)) steps. With neither: one pass over the sentences. */
  tokens?: number;
  /** Adagrad's learning rate (default 0.05). */
  lr?: number;
  /** Rows of a batch (default 16). */
  batchSize?: number;
  /** Steps of a row (default 20). */
  unroll?: number;
  /** Sampled softmax words (default 8192; at least the vocabulary size: the full softmax). */
  negatives?: number;
  /** Dropout on each LSTM layer's input and the top output (default 0.1). */
  dropout?: number;
  /** Of the sentence order, dropout and sampling: an integer in [0, 2^32) (default 0). */
  seed?: number;
  onProgress?: (progress: FineTuneProgress) => void;
  /**
   * Aborting rejects with the signal's reason (an AbortError by default)
   * between two steps; the engine keeps the weights it had before the call.
   */
  signal?: AbortSignal;
}

export interface FineTuneResult {
  steps: number;
  /** Positions trained on. */
  tokens: number;
  /** Every step's loss, in order. */
  losses: number[];
  seconds: number;
}

/** The bytes of one model file, or of a whole model archive. */
export type FileBytes = Blob | ArrayBuffer | ArrayBufferView;

/**
 * A model directory's files in memory (OPFS, IndexedDB, a dropped folder):
 * file names to bytes, or a list of Files named by `file.name`.
 */
export type ModelFiles = Map<string, FileBytes> | Record<string, FileBytes> | ArrayLike<File>;

/**
 * What `load` takes: a model folder (Node) or its URL; a model archive
 * (`elmo-wasm convert --single-file`, models/FORMAT.md) as a File, Blob,
 * ArrayBuffer or byte view, or in Node its path; or the folder's files.
 */
export type ModelInput = string | URL | FileBytes | ModelFiles;

export declare class Elmo {
  private constructor();
  static load(model: ModelInput, options?: LoadOptions): Promise<Elmo>;
  readonly info: ModelInfo;
  /** Size of this instance's wasm memory in bytes (it only grows): for leak checks. */
  readonly wasmMemoryBytes: number;
  /** Token cache lookups since load: hits reused a vector, misses computed one. */
  readonly tokenCacheStats: { hits: number; misses: number };
  embed(sentences: string[][], options?: EmbedOptions): Promise<Embedding[]>;
  /** Raw text (each string one sentence, tokenized by `tokenize`) and/or output options; see OutputOptions. */
  embed(input: EmbedInput, options?: OutputOptions): Promise<EmbedResult[]>;
  resetState(): void;
  /**
   * Fine-tunes the model on the sentences (token arrays, or raw-text strings
   * tokenized by `tokenize`), as bilm-tf's restart.py does, then embeds with
   * the adapted weights. Needs a model converted with `--softmax` and
   * `--vocab`, with float32 weights. The trainer runs on its own wasm
   * instance within `maxMemoryMB`, freed after; the event loop runs between
   * steps. A call that rejects (aborted, refused, out of budget) leaves the
   * weights as they were; one that resolves also resets the kept state and
   * the token cache.
   */
  fineTune(sentences: string[][] | string[] | string, options?: FineTuneOptions): Promise<FineTuneResult>;
  /**
   * Perplexity of the sentences under the model's language models (full
   * softmax, each sentence alone from a zero state), as `elmo-wasm
   * perplexity` measures it. Needs what fineTune needs; computes in one go.
   */
  perplexity(sentences: string[][] | string[] | string, options?: { batchSize?: number }): Promise<Perplexity>;
  /**
   * The current weights as bilm-tf's HDF5 weight dump (the layout of the
   * released weight files, which `elmo-wasm convert` reads). Loads h5wasm on first use.
   */
  exportWeights(): Promise<Uint8Array>;
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
  static load(model: ModelInput, options?: WorkerLoadOptions): Promise<ElmoWorker>;
  readonly info: ModelInfo;
  embed(sentences: string[][], options?: EmbedOptions): Promise<Embedding[]>;
  embed(input: EmbedInput, options?: OutputOptions): Promise<EmbedResult[]>;
  resetState(): Promise<void>;
  /**
   * `Elmo.fineTune` in the worker: progress crosses per step, an abort stops
   * the worker's run between two steps. A new worker (after one died) loads
   * the original weights.
   */
  fineTune(sentences: string[][] | string[] | string, options?: FineTuneOptions): Promise<FineTuneResult>;
  /** `Elmo.perplexity` in the worker. */
  perplexity(sentences: string[][] | string[] | string, options?: { batchSize?: number }): Promise<Perplexity>;
  /** `Elmo.exportWeights` in the worker; the bytes are transferred. */
  exportWeights(): Promise<Uint8Array>;
  /** Ends the worker. Safe to call twice; later calls throw. */
  dispose(): void;
}

/** Settings of the C trainer (elmo_trainer_params); an omitted one keeps its C default. */
export interface TrainerParams {
  /** Default 0.2. */
  learningRate?: number;
  /** Adagrad's starting accumulator, default 1. */
  initialAccumulator?: number;
  /** Global norm all gradients are clipped to together, default 10. */
  clipNorm?: number;
  /** Default 0.1. */
  dropout?: number;
  /** Sampled softmax words, default 8192 (at least the vocabulary: the full softmax). */
  negatives?: number;
  /** Rows of a batch, default 128. */
  batchSize?: number;
  /** Steps of a row, default 20. */
  unroll?: number;
  /** false (default): each sentence starts from a zero LSTM state, as inference runs it; true: bilm-tf's state carried across sentences. */
  carrySentences?: boolean;
  /** Of the initialization, dropout and sampling, default 0. */
  seed?: number | bigint;
}

/** A batch's distinct tokens: token i is bytes[offsets[i] .. offsets[i + 1]); 0 and 1 are <S> and </S> (no bytes). */
export interface TrainerTokenTable {
  bytes: Uint8Array;
  /** count + 1 entries. */
  offsets: Uint32Array;
  count: number;
}

/** One direction of a batch: batchSize × unroll positions, row-major. */
export interface TrainerDirectionBatch {
  /** Indices into the token table. */
  inputs: Int32Array;
  /** Vocabulary ids to predict; -1: no prediction. */
  targets: Int32Array;
}

export interface TrainerBatch {
  tokens: TrainerTokenTable;
  forward: TrainerDirectionBatch;
  backward: TrainerDirectionBatch;
}

export interface TrainerTensor {
  /** bilm-tf's name, e.g. "CNN/W_cnn_0", "softmax/W". */
  name: string;
  shape: number[];
  /** Floats. */
  count: number;
}

export type TrainerBuffer = 'weights' | 'gradients' | 'accumulators';

/**
 * The C trainer (bilm-tf's training) on a wasm instance of its own, one
 * thread. It owns its wasm memory; `dispose()` frees it.
 */
export declare class Trainer {
  private constructor();
  /** A trainer for the model `options` (bilm-tf's options.json) describes and a vocabulary of `vocabSize` words, initialized as bilm-tf does. */
  static create(input: {
    options: string | object;
    vocabSize: number;
    params?: TrainerParams;
    core?: { simd?: boolean; wasmUrl?: string | URL; wasmBinary?: ArrayBuffer | Uint8Array };
  }): Promise<Trainer>;
  /** The settings in effect, C defaults filled in. */
  readonly params: Required<Omit<TrainerParams, 'seed'>> & { seed: bigint };
  readonly vocabSize: number;
  /** Every tensor, in the trainer's order. */
  readonly tensors: readonly TrainerTensor[];
  /** Size of the trainer's wasm memory in bytes (all its buffers are allocated by create). */
  readonly wasmMemoryBytes: number;
  /** A copy of a tensor. */
  read(name: string, buffer?: TrainerBuffer): Float32Array;
  /** Overwrites a tensor with exactly its count of floats. */
  write(name: string, data: Float32Array, buffer?: TrainerBuffer): void;
  /** One training step; the loss before the update: 0.5 × (mean forward NLL + mean backward NLL). */
  step(batch: TrainerBatch): number;
  /** Full-softmax NLL per direction (forward, backward), no dropout, no update. */
  eval(batch: TrainerBatch, options?: { carry?: boolean }): { nll: [number, number]; count: [number, number] };
  /** Zeroes the carried LSTM state. */
  resetState(): void;
  /** A copy of the carried training state. */
  state(): Float32Array;
  setState(state: Float32Array): void;
  /** The generator's four 64-bit words. */
  rngState(): bigint[];
  setRngState(words: readonly (bigint | string | number)[]): void;
  /** Frees the trainer and its wasm memory; safe to call twice. */
  dispose(): void;
}

/**
 * Deletes every shard that loads have kept in the browser's Cache API.
 * Resolves to whether there was anything to delete (false without the Cache API).
 */
export declare function clearCache(): Promise<boolean>;

/** A model some of whose shards are in the browser's Cache API. */
export interface CachedModel {
  /** the model directory's URL, as it was loaded from */
  url: string;
  /** shards cached */
  shards: number;
  /** their bytes */
  bytes: number;
}

/**
 * The models whose shards loads have kept in the browser's Cache API, sorted
 * by URL; empty without the Cache API (Node). Models loaded from a File,
 * buffer or map of files are never cached.
 */
export declare function listCachedModels(): Promise<CachedModel[]>;

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
