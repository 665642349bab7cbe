/**
 * Checks a batch of tokenized sentences and packs it the way `elmo_embed`
 * takes it: all tokens' UTF-8 bytes concatenated, token offsets, sentence
 * lengths.
 */

/**
 * @typedef {object} PackedBatch
 * @property {Uint8Array} bytes
 * @property {Uint32Array} offsets one more than the number of tokens
 * @property {Int32Array} lengths tokens per sentence
 */

/** @param {unknown} value */
function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

/**
 * @param {unknown} sentences expected: string[][]
 * @returns {asserts sentences is string[][]}
 */
export function checkSentences(sentences) {
  if (!Array.isArray(sentences)) {
    throw new TypeError(`sentences must be an array of token arrays, got ${describe(sentences)}`);
  }
  sentences.forEach((sentence, i) => {
    if (!Array.isArray(sentence)) {
      throw new TypeError(`sentence ${i} must be an array of token strings, got ${describe(sentence)}`);
    }
    sentence.forEach((token, j) => {
      if (typeof token !== 'string') {
        throw new TypeError(`sentence ${i}, token ${j} must be a string, got ${describe(token)}`);
      }
      if (token.length === 0) throw new RangeError(`sentence ${i}, token ${j} is an empty string`);
    });
  });
}

const encoder = new TextEncoder();

/**
 * @param {string[][]} sentences already checked
 * @returns {PackedBatch}
 */
export function packSentences(sentences) {
  let nTokens = 0;
  let maxBytes = 0;
  for (const sentence of sentences) {
    nTokens += sentence.length;
    // UTF-16 code units -> at most 3 UTF-8 bytes each (surrogate pairs: 4 for 2).
    for (const token of sentence) maxBytes += 3 * token.length;
  }
  let bytes = new Uint8Array(maxBytes);
  const offsets = new Uint32Array(nTokens + 1);
  const lengths = Int32Array.from(sentences, (s) => s.length);
  let at = 0;
  let t = 0;
  for (const sentence of sentences) {
    for (const token of sentence) {
      at += encoder.encodeInto(token, bytes.subarray(at)).written;
      offsets[++t] = at;
    }
  }
  bytes = bytes.subarray(0, at);
  return { bytes, offsets, lengths };
}
