/**
 * A model's tensors in and out of a Trainer: bilm-tf's weight dump plus the
 * softmax (which bilm-tf keeps in a file of its own). Shared by fine-tuning
 * from a trained model folder (`train --init-from`, `perplexity`) and from a
 * loaded model (`Elmo.fineTune`).
 */

/** @typedef {import('../format/bilm-layout.js').Tensor} Tensor */

/** The trainer's names of the softmax, which bilm-tf keeps out of weights.hdf5. */
export const SOFTMAX = Object.freeze({ W: 'softmax/W', b: 'softmax/b' });
/** @type {ReadonlySet<string>} */
export const SOFTMAX_NAMES = new Set(Object.values(SOFTMAX));

/** @param {readonly number[]} shape */
const show = (shape) => `[${shape.join(', ')}]`;

/**
 * Overwrites every tensor of a trainer built from a model's options and
 * vocabulary size with that model's weights and softmax; each must be there,
 * with the trainer's shape, and nothing else may be.
 * @param {import('./trainer.js').Trainer} trainer
 * @param {Map<string, Tensor>} weights bilm-tf's datasets by name (`char_embed`, `CNN/W_cnn_0`, …)
 * @param {{ W: Tensor, b: Tensor }} softmax
 * @param {{ weights: string, softmax: string }} from where each came from, for messages
 */
export function writeModelTensors(trainer, weights, softmax, from) {
  const tensors = new Map(weights);
  tensors.set(SOFTMAX.W, softmax.W);
  tensors.set(SOFTMAX.b, softmax.b);
  for (const { name, shape } of trainer.tensors) {
    const tensor = tensors.get(name);
    const where = SOFTMAX_NAMES.has(name) ? from.softmax : from.weights;
    if (tensor === undefined) throw new Error(`${where}: no dataset for "${name}" (shape ${show(shape)})`);
    if (show(tensor.shape) !== show(shape)) {
      throw new Error(`${where}: "${name}" has shape ${show(tensor.shape)}, but the model's options and its vocabulary (${trainer.vocabSize} words) make it ${show(shape)}`);
    }
    trainer.write(name, tensor.data);
    tensors.delete(name);
  }
  if (tensors.size > 0) throw new Error(`${from.weights}: datasets this model does not have: ${[...tensors.keys()].join(', ')}`);
}

/**
 * A trainer's tensors: bilm-tf's weight dump and the softmax apart.
 * @param {import('./trainer.js').Trainer} trainer
 * @returns {{ weights: Map<string, Tensor>, softmax: { W: Tensor, b: Tensor } }}
 */
export function readModelTensors(trainer) {
  /** @type {Map<string, Tensor>} */
  const weights = new Map(trainer.tensors.map(({ name, shape }) => [name, { shape: [...shape], data: trainer.read(name) }]));
  const softmax = { W: /** @type {Tensor} */ (weights.get(SOFTMAX.W)), b: /** @type {Tensor} */ (weights.get(SOFTMAX.b)) };
  for (const name of SOFTMAX_NAMES) weights.delete(name);
  return { weights, softmax };
}
