/**
 * Writes embeddings in the HDF5 layout of AllenNLP's `allennlp elmo` command,
 * so files made by elmo-wasm drop into code written for AllenNLP's: one
 * float32 dataset per sentence, named by its index ("0", "1", …), and a
 * `sentence_to_index` dataset holding a JSON object from sentence to key.
 * The HDF5 library's object timestamps are written as 0 (`atFixedTime`), so
 * the same datasets give the same bytes: a merge of shards equals the file
 * of one unsharded run.
 */
import { atFixedTime, hdf5ErrorSummary, openHdf5 } from '../io/hdf5.js';

/**
 * @typedef {object} EmbeddingsFile
 * @property {(key: string, data: Float32Array, shape: number[]) => void} write
 *   adds dataset `key` of `shape` (row-major `data`); a 0 in `shape` is fine
 *   (an empty dataset of that shape). Synchronous: h5wasm writes in place.
 * @property {(sentenceToIndex: Record<string, string> | null) => void} close
 *   writes `sentence_to_index` (not when null: AllenNLP writes none when the keys
 *   are the sentences themselves) and closes the file; the object is unusable after
 * @property {() => void} abandon closes the file without `sentence_to_index`
 *   (after an error; the file is left incomplete for the caller to delete)
 * @property {string} path
 */

const SENTENCE_TO_INDEX = 'sentence_to_index';

/**
 * Closes a file after an error; closing can fail again (the same full disk), and the first error is the one to report.
 * @param {import('../io/hdf5.js').Hdf5File} file
 */
function closeAfterError(file) {
  try {
    file.close();
  } catch {
    // the file is deleted next
  }
}

/**
 * Creates (or truncates) `path` and returns its writer.
 * @param {string} path
 * @returns {Promise<EmbeddingsFile>}
 */
export async function createEmbeddingsFile(path) {
  const file = await openHdf5(path, 'w', { fixedTime: true });
  /** @type {Set<string>} */
  const written = new Set();
  let open = true;

  const mustBeOpen = (/** @type {string} */ what) => {
    if (!open) throw new Error(`${path}: ${what} after close`);
  };

  return {
    path,
    write(key, data, shape) {
      mustBeOpen('write');
      if (typeof key !== 'string' || key === '' || key.includes('/') || key === '.') {
        throw new Error(`${path}: dataset key must be a non-empty name without "/", got ${JSON.stringify(key)}`);
      }
      if (key === SENTENCE_TO_INDEX) throw new Error(`${path}: "${SENTENCE_TO_INDEX}" is reserved for the sentence index`);
      if (written.has(key)) throw new Error(`${path}: dataset "${key}" written twice`);
      if (!(data instanceof Float32Array)) throw new TypeError(`${path}: dataset "${key}": data must be a Float32Array`);
      if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
        throw new Error(`${path}: dataset "${key}": shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
      }
      const count = shape.reduce((a, b) => a * b, 1);
      if (count !== data.length) {
        throw new Error(`${path}: dataset "${key}": shape [${shape.join(',')}] holds ${count} values but data has ${data.length}`);
      }
      try {
        atFixedTime(() => file.create_dataset({ name: key, data, shape, dtype: '<f' }));
      } catch (e) {
        throw new Error(`${path}: cannot write dataset "${key}": ${hdf5ErrorSummary(e)}`);
      }
      written.add(key);
    },
    close(sentenceToIndex) {
      mustBeOpen('close');
      if (typeof sentenceToIndex !== 'object' || Array.isArray(sentenceToIndex)) {
        throw new TypeError(`${path}: sentenceToIndex must be an object from sentence to dataset key, or null`);
      }
      open = false;
      if (sentenceToIndex !== null) {
        try {
          // As AllenNLP: shape (1,) of variable-length UTF-8 str, element 0 the JSON.
          atFixedTime(() => file.create_dataset({ name: SENTENCE_TO_INDEX, data: [JSON.stringify(sentenceToIndex)], shape: [1] }));
        } catch (e) {
          closeAfterError(file);
          throw new Error(`${path}: cannot write ${SENTENCE_TO_INDEX}: ${hdf5ErrorSummary(e)}`);
        }
      }
      try {
        // Closing writes what HDF5 kept in its caches: a full disk may show only here.
        atFixedTime(() => file.close());
      } catch (e) {
        throw new Error(`${path}: cannot finish the file: ${hdf5ErrorSummary(e)}`);
      }
    },
    abandon() {
      if (!open) return;
      open = false;
      closeAfterError(file);
    },
  };
}
