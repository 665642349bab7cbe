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
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Shards read at once (default 4). */
  concurrency?: number;
  /** Force (true) or refuse (false) the wasm SIMD build; default: detect. */
  simd?: boolean;
  /** Where the .wasm file is; default: js/wasm/ next to the module. */
  wasmUrl?: string | URL;
  /** The .wasm module's bytes, already fetched. */
  wasmBinary?: ArrayBuffer | Uint8Array;
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
}

export declare class Elmo {
  private constructor();
  static load(modelDirOrUrl: string | URL, options?: LoadOptions): Promise<Elmo>;
  readonly info: ModelInfo;
  embed(sentences: string[][], options?: EmbedOptions): Promise<Embedding[]>;
  resetState(): void;
  dispose(): void;
}

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
