/**
 * A training checkpoint: one file, `checkpoint.bin` in the out-dir, replaced
 * atomically, so a kill at any moment leaves the last good one. It holds
 * everything a resumed run needs to continue bit-identically: every weight
 * and Adagrad accumulator, the carried LSTM state, the trainer's generator,
 * the data stream's position, and the run's settings.
 *
 * Layout: the 8 bytes "ELMOCKP1", the header's byte length (uint32, little
 * endian), the header (JSON, padded with spaces to a multiple of 4 bytes),
 * then float32 values (little endian): for each header tensor in order its
 * weights then its accumulators, then the carried state.
 */
import { join } from 'node:path';
import { writeFileAtomically } from '../io/atomic-file.js';
import { readNamedFile } from '../io/read-named.js';

export const CHECKPOINT_FILE = 'checkpoint.bin';
const MAGIC = 'ELMOCKP1';

/**
 * @typedef {object} CheckpointHeader
 * @property {1} version
 * @property {any} settings the run's settings, as `train` saved them
 * @property {number} steps training steps done
 * @property {import('../../train/batches.js').BatchPosition} position the data stream's
 * @property {string[]} rng the trainer generator's 4 words, in decimal
 * @property {{ name: string, count: number }[]} tensors
 * @property {number} stateCount floats of carried state
 */

/** @param {Float32Array} a */
const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Saves the trainer's whole state.
 * @param {string} dir
 * @param {import('../../train/trainer.js').Trainer} trainer
 * @param {{ settings: any, steps: number, position: import('../../train/batches.js').BatchPosition }} run
 * @param {{ open?: import('../io/atomic-file.js').OpenForWrite }} [io] what the file is opened with (default fs.open)
 */
export async function writeCheckpoint(dir, trainer, { settings, steps, position }, io) {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('checkpoints are written on little-endian machines only');
  const state = trainer.state();
  /** @type {CheckpointHeader} */
  const header = {
    version: 1,
    settings,
    steps,
    position,
    rng: trainer.rngState().map(String),
    tensors: trainer.tensors.map(({ name, count }) => ({ name, count })),
    stateCount: state.length,
  };
  let json = JSON.stringify(header);
  json += ' '.repeat((4 - (Buffer.byteLength(json) % 4)) % 4);
  const head = new Uint8Array(12);
  head.set(new TextEncoder().encode(MAGIC));
  new DataView(head.buffer).setUint32(8, Buffer.byteLength(json), true);
  /** @type {Uint8Array[]} */
  const parts = [head, new TextEncoder().encode(json)];
  for (const { name } of trainer.tensors) parts.push(bytesOf(trainer.read(name, 'weights')), bytesOf(trainer.read(name, 'accumulators')));
  parts.push(bytesOf(state));
  await writeFileAtomically(join(dir, CHECKPOINT_FILE), parts, io);
}

/**
 * @param {string} dir
 * @returns {Promise<{ header: CheckpointHeader, restore: (trainer: import('../../train/trainer.js').Trainer) => void }>}
 *   restore: puts the saved weights, accumulators, carried state and generator into a trainer of the same shape
 */
export async function readCheckpoint(dir) {
  const path = join(dir, CHECKPOINT_FILE);
  const file = await readNamedFile(path, 'no checkpoint to resume from');
  const bad = (/** @type {string} */ why) => new Error(`${path} is not a checkpoint of elmo-wasm train: ${why}`);
  if (file.length < 12 || file.subarray(0, 8).toString('latin1') !== MAGIC) throw bad('it does not start with ELMOCKP1');
  const headerBytes = file.readUInt32LE(8);
  if (12 + headerBytes > file.length) throw bad('it is cut short in its header');
  /** @type {CheckpointHeader} */
  let header;
  try {
    header = JSON.parse(file.subarray(12, 12 + headerBytes).toString('utf8'));
  } catch {
    throw bad('its header is not JSON');
  }
  if (header?.version !== 1 || !Array.isArray(header.tensors)) throw bad(`header version ${header?.version}`);
  const floats = 2 * header.tensors.reduce((n, t) => n + t.count, 0) + header.stateCount;
  const start = 12 + headerBytes;
  if (file.length !== start + 4 * floats) throw bad(`it has ${file.length} bytes, its header says ${start + 4 * floats}`);
  // Copied out: a Buffer's offset in its pool need not be a multiple of 4.
  const values = new Float32Array(file.buffer.slice(file.byteOffset + start, file.byteOffset + file.length));
  return {
    header,
    restore(trainer) {
      const names = trainer.tensors.map((t) => `${t.name}:${t.count}`).join(' ');
      if (names !== header.tensors.map((t) => `${t.name}:${t.count}`).join(' ')) throw new Error(`${path}: its tensors are not this model's`);
      let at = 0;
      const take = (/** @type {number} */ n) => values.subarray(at, (at += n));
      for (const { name, count } of header.tensors) {
        trainer.write(name, take(count), 'weights');
        trainer.write(name, take(count), 'accumulators');
      }
      trainer.setState(take(header.stateCount));
      trainer.setRngState(header.rng);
    },
  };
}
