// The library from TypeScript: checked by `tsc -p examples` (tests/js/types.test.js),
// so the declarations in js/index.d.ts stay true to the API.
import { Elmo, Trainer, cosine, tokenize, type EmbedResult, type Embedding, type FineTuneResult, type OutputOptions } from '../js/index.js';

export async function nearestSentence(modelDir: string, query: string, candidates: string[]): Promise<string> {
  const elmo = await Elmo.load(modelDir, { onProgress: (e) => void e.progress });
  try {
    // Token arrays and no output options: the full (n_layers + 1, n, 2P) tensor.
    const [full]: Embedding[] = await elmo.embed([['The', 'bank', 'closed', '.']], { stateful: false });
    const [layers, tokens, dim] = full.shape;
    void (layers * tokens * dim);

    // Raw text with output options: one sentence vector each, plus tokens and offsets.
    const options: OutputOptions = { layers: 'top', pooling: 'mean', normalize: true };
    const [q, ...rest]: EmbedResult[] = await elmo.embed([query, ...candidates], options);
    const spans = q.offsets?.map(([start, end]) => query.slice(start, end)) ?? [];
    void spans;

    const hub = await elmo.embed('A document starts here.', { output: 'elmo', mix: { weights: [0, 1, 2], gamma: 1 }, state: 'reset' });
    void hub[0].tokens;

    let best = 0;
    rest.forEach((r, i) => {
      if (cosine(q.data, r.data) > cosine(q.data, rest[best].data)) best = i;
    });
    return candidates[best];
  } finally {
    elmo.dispose();
  }
}

// Fine-tuning a model converted with --softmax and --vocab, then its weights as bilm-tf's HDF5.
export async function adapt(modelDir: string, text: string[], signal: AbortSignal): Promise<Uint8Array> {
  const elmo = await Elmo.load(modelDir, { maxMemoryMB: 256 });
  try {
    const result: FineTuneResult = await elmo.fineTune(text, { steps: 100, lr: 0.05, signal, onProgress: (p) => void p.loss });
    void result.losses.at(-1);
    return await elmo.exportWeights();
  } finally {
    elmo.dispose();
  }
}

// The C trainer itself: tensors by bilm-tf name.
export async function trainerShapes(options: object, vocabSize: number): Promise<string[]> {
  const trainer = await Trainer.create({ options, vocabSize, params: { batchSize: 4, unroll: 5, seed: 1n } });
  try {
    const words: number = trainer.read('softmax/b').length;
    void (words + trainer.wasmMemoryBytes);
    return trainer.tensors.map((t) => `${t.name} [${t.shape.join(', ')}]`);
  } finally {
    trainer.dispose();
  }
}

export const firstToken: string | undefined = tokenize("Don't panic.").tokens[0];
