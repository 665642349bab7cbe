/**
 * Benchmark inputs: batches of distinct random lowercase words (so no cache
 * could help), and their character ids as the biLM sees them
 * (models/SEMANTICS.md, "Inputs"), boundaries included.
 */

const BOS = 256;
const EOS = 257;
const BOW = 258;
const EOW = 259;
const PAD = 260;

/** Lengths of the random words, each as likely. */
export const WORD_LENGTHS = Object.freeze([3, 4, 5, 6, 7, 8, 9]);

/**
 * A batch of `batch` sentences of `tokens` random words of 3-9 letters.
 * @param {number} batch
 * @param {number} tokens
 * @param {() => number} [random] uniform in [0, 1)
 * @returns {string[][]}
 */
export function randomBatch(batch, tokens, random = Math.random) {
  const word = () => {
    const length = WORD_LENGTHS[Math.floor(random() * WORD_LENGTHS.length)];
    return String.fromCharCode(...Array.from({ length }, () => 97 + Math.floor(random() * 26)));
  };
  return Array.from({ length: batch }, () => Array.from({ length: tokens }, word));
}

/**
 * A deterministic uniform generator in [0, 1), for a vocabulary that is the same every run.
 * @param {number} seed
 */
function seeded(seed) {
  let state = seed >>> 0;
  return () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const VOCABULARY_SIZE = 10000;
/** @type {{ words: string[], cumulative: Float64Array } | undefined} */
let zipf;

/**
 * A batch of running-text-like sentences: words drawn from a fixed
 * vocabulary of 10,000 random words with Zipf's law (frequency ∝ 1/rank), as
 * word frequencies in text go — so words repeat as they do in real text.
 * @param {number} batch
 * @param {number} tokens
 * @param {() => number} [random]
 * @returns {string[][]}
 */
export function zipfBatch(batch, tokens, random = Math.random) {
  if (!zipf) {
    const words = randomBatch(1, VOCABULARY_SIZE, seeded(42))[0];
    const cumulative = new Float64Array(VOCABULARY_SIZE);
    let sum = 0;
    for (let r = 0; r < VOCABULARY_SIZE; r++) cumulative[r] = sum += 1 / (r + 1);
    for (let r = 0; r < VOCABULARY_SIZE; r++) cumulative[r] /= sum;
    zipf = { words, cumulative };
  }
  const { words, cumulative } = zipf;
  const draw = () => {
    const u = random();
    let lo = 0;
    let hi = VOCABULARY_SIZE - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return words[lo];
  };
  return Array.from({ length: batch }, () => Array.from({ length: tokens }, draw));
}

/**
 * Shifted char ids of one token's bytes, or of a boundary marker.
 * @param {Int32Array} row `maxChars` ids to fill
 * @param {Uint8Array | number} content a token's UTF-8 bytes, or BOS / EOS
 */
function fillToken(row, content) {
  const bytes = typeof content === 'number' ? [content] : content.subarray(0, row.length - 2);
  row.fill(PAD + 1);
  row[0] = BOW + 1;
  for (let i = 0; i < bytes.length; i++) row[i + 1] = bytes[i] + 1;
  row[bytes.length + 1] = EOW + 1;
}

/**
 * Char ids of equally long sentences with `<S>` and `</S>`: shape
 * [batch, tokens + 2, maxChars], row-major.
 * @param {string[][]} sentences all of the same length
 * @param {number} maxChars options.char_cnn.max_characters_per_token
 * @returns {Int32Array}
 */
export function charIds(sentences, maxChars) {
  const positions = sentences[0].length + 2;
  if (sentences.some((s) => s.length + 2 !== positions)) throw new Error('charIds: sentences must have the same length');
  const ids = new Int32Array(sentences.length * positions * maxChars);
  const utf8 = new TextEncoder();
  sentences.forEach((sentence, b) => {
    const row = (/** @type {number} */ t) => ids.subarray((b * positions + t) * maxChars, (b * positions + t + 1) * maxChars);
    fillToken(row(0), BOS);
    sentence.forEach((token, t) => fillToken(row(t + 1), utf8.encode(token)));
    fillToken(row(positions - 1), EOS);
  });
  return ids;
}
