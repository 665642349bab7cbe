/**
 * The softmax vocabulary, in bilm-tf's vocab.txt format: one token per line,
 * the three specials `<S>`, `</S>`, `<UNK>` among them, then (as bilm-tf's
 * users build it) tokens by descending count. Only targets use it: every
 * token enters the model as characters, and a target outside it is `<UNK>`.
 */

export const BOS = '<S>';
export const EOS = '</S>';
export const UNK = '<UNK>';
const SPECIALS = [BOS, EOS, UNK];

/** bilm-tf's reader skips this line (a left-over of lm_1b's vocabulary files). */
const LM1B_MARKER = '!!!MAXTERMID';

/**
 * bilm-tf reads a line with Python's str.strip(), so a token with white
 * space at either end or a line break inside would not come back as itself.
 * @param {string} token
 */
const survivesStrip = (token) => token.length > 0 && token.trim() === token && !/[\n\r\v\f\u0085\u2028\u2029]/u.test(token);

export class Vocabulary {
  /** @type {readonly string[]} */
  words;
  /** @type {Map<string, number>} */
  #ids = new Map();

  /**
   * @param {readonly string[]} words id order; must hold `<S>`, `</S>`, `<UNK>` once each
   * @param {string} [label] what to call it in errors (e.g. the file name)
   */
  constructor(words, label = 'vocabulary') {
    words.forEach((word, i) => {
      if (typeof word !== 'string' || !survivesStrip(word)) {
        throw new Error(`${label}: token ${i + 1} (${JSON.stringify(word)}) cannot be a vocabulary line: it is empty, has white space at an end, or a line break`);
      }
      const before = this.#ids.get(word);
      if (before !== undefined) throw new Error(`${label}: token ${JSON.stringify(word)} appears twice (lines ${before + 1} and ${i + 1})`);
      this.#ids.set(word, i);
    });
    const missing = SPECIALS.filter((s) => !this.#ids.has(s));
    if (missing.length > 0) throw new Error(`${label}: missing the special token${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (a vocabulary needs <S>, </S> and <UNK>)`);
    this.words = Object.freeze([...words]);
  }

  get size() {
    return this.words.length;
  }

  get bos() {
    return /** @type {number} */ (this.#ids.get(BOS));
  }

  get eos() {
    return /** @type {number} */ (this.#ids.get(EOS));
  }

  get unk() {
    return /** @type {number} */ (this.#ids.get(UNK));
  }

  /**
   * @param {string} token
   * @returns {number} its id, or the id of `<UNK>`
   */
  idOf(token) {
    return this.#ids.get(token) ?? this.unk;
  }

  /** @param {string} token */
  has(token) {
    return this.#ids.has(token);
  }
}

/**
 * @typedef {object} VocabularyLimits
 * @property {number} [maxSize] at most this many lines, the 3 specials included (bilm-tf's n_tokens_vocab)
 * @property {number} [minCount] only tokens seen at least this often (default 1)
 */

/**
 * `<S>`, `</S>`, `<UNK>`, then the tokens by descending count; equal counts
 * keep the order in which the tokens first occur in the text. Literal
 * `<S>`, `</S>`, `<UNK>` in the text are not counted as words.
 * @param {import('./corpus.js').Corpus} corpus
 * @param {VocabularyLimits} [limits]
 * @returns {Vocabulary}
 */
export function buildVocabulary(corpus, { maxSize = Infinity, minCount = 1 } = {}) {
  if (maxSize !== Infinity && (!Number.isSafeInteger(maxSize) || maxSize < SPECIALS.length)) {
    throw new RangeError(`vocabulary size must be an integer of at least 3 (<S>, </S>, <UNK>), got ${JSON.stringify(maxSize)}`);
  }
  if (!Number.isSafeInteger(minCount) || minCount < 1) throw new RangeError(`minimum count must be a positive integer, got ${JSON.stringify(minCount)}`);
  const counts = corpus.counts();
  const order = [];
  for (let w = 0; w < counts.length; w++) {
    if (counts[w] >= minCount && !SPECIALS.includes(corpus.words[w])) order.push(w);
  }
  // Array.prototype.sort is stable, and corpus.words is in first-occurrence order.
  order.sort((a, b) => counts[b] - counts[a]);
  const kept = order.slice(0, maxSize - SPECIALS.length).map((w) => corpus.words[w]);
  const bad = kept.find((w) => !survivesStrip(w));
  if (bad !== undefined) throw new Error(`token ${JSON.stringify(bad)} cannot be written to vocab.txt (white space at an end or a line break); split the text on white space`);
  return new Vocabulary([...SPECIALS, ...kept]);
}

/**
 * The text of vocab.txt: each token on its own line, each line ended by "\n".
 * @param {Vocabulary} vocab
 * @returns {string}
 */
export function formatVocabulary(vocab) {
  return vocab.words.map((w) => `${w}\n`).join('');
}

/**
 * Reads vocab.txt as bilm-tf does (each line stripped of surrounding white
 * space, lm_1b's "!!!MAXTERMID" line skipped), but refuses what bilm-tf
 * would silently mis-read: an empty line, a token twice, a missing special.
 * @param {string} text
 * @param {string} [label] the file name, for errors
 * @returns {Vocabulary}
 */
export function parseVocabulary(text, label = 'vocab.txt') {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new Error(`${label} is empty (a vocabulary needs <S>, </S> and <UNK>)`);
  /** @type {string[]} */
  const words = [];
  /** @type {number[]} */
  const lineOf = [];
  lines.forEach((line, i) => {
    const word = line.trim();
    if (word === LM1B_MARKER) return;
    if (word === '') throw new Error(`${label}: line ${i + 1} is empty`);
    words.push(word);
    lineOf.push(i + 1);
  });
  try {
    return new Vocabulary(words, label);
  } catch (e) {
    // Token numbers are line numbers unless a marker line was skipped.
    const message = /** @type {Error} */ (e).message.replace(/lines (\d+) and (\d+)/, (_, a, b) => `lines ${lineOf[a - 1]} and ${lineOf[b - 1]}`);
    throw new Error(message);
  }
}
