/**
 * A training text held compactly: each distinct token string once (in order
 * of first occurrence), the text as one Int32Array of indices into that list,
 * and where each sentence starts. A text of many million tokens then costs
 * 4 bytes a token, not a string each.
 */

const encoder = new TextEncoder();

/** @param {Int32Array | Uint32Array} array */
function grown(array) {
  const next = new /** @type {any} */ (array.constructor)(Math.max(1024, array.length * 2));
  next.set(array);
  return next;
}

export class Corpus {
  /** @type {string[]} distinct tokens, in order of first occurrence */
  words = [];
  /** @type {Map<string, number>} */
  #wordIndex = new Map();
  #ids = new Int32Array(1024);
  #tokenCount = 0;
  #starts = new Uint32Array(1024);
  #sentenceCount = 0;
  /** @type {{ bytes: Uint8Array, offsets: Uint32Array } | undefined} */
  #utf8;
  /** @type {string | undefined} */
  #fingerprint;

  /**
   * Appends one sentence (tokens without <S>/</S>; none is allowed).
   * @param {readonly string[]} tokens
   */
  addSentence(tokens) {
    if (this.#tokenCount + tokens.length > 0xffffffff) throw new RangeError('a corpus holds at most 2^32 - 1 tokens');
    while (this.#tokenCount + tokens.length > this.#ids.length) this.#ids = grown(this.#ids);
    if (this.#sentenceCount + 2 > this.#starts.length) this.#starts = grown(this.#starts);
    tokens.forEach((token, i) => {
      if (typeof token !== 'string' || token.length === 0) throw new TypeError(`token ${i} must be a non-empty string, got ${JSON.stringify(token)}`);
    });
    for (const token of tokens) {
      let id = this.#wordIndex.get(token);
      if (id === undefined) {
        id = this.words.length;
        this.words.push(token);
        this.#wordIndex.set(token, id);
      }
      this.#ids[this.#tokenCount++] = id;
    }
    this.#starts[++this.#sentenceCount] = this.#tokenCount;
    this.#utf8 = undefined;
    this.#fingerprint = undefined;
  }

  get sentenceCount() {
    return this.#sentenceCount;
  }

  /** Tokens of all sentences, boundaries not counted. */
  get tokenCount() {
    return this.#tokenCount;
  }

  /**
   * Sentence i as indices into `words` (a view: do not modify).
   * @param {number} i
   * @returns {Int32Array}
   */
  sentence(i) {
    if (!Number.isInteger(i) || i < 0 || i >= this.#sentenceCount) throw new RangeError(`sentence ${i} is not in a corpus of ${this.#sentenceCount}`);
    return this.#ids.subarray(this.#starts[i], this.#starts[i + 1]);
  }

  /**
   * @param {string} token
   * @returns {number} its index in `words`, or -1
   */
  wordIndex(token) {
    return this.#wordIndex.get(token) ?? -1;
  }

  /** @returns {Uint32Array} occurrences of each of `words` */
  counts() {
    const counts = new Uint32Array(this.words.length);
    for (let i = 0; i < this.#tokenCount; i++) counts[this.#ids[i]]++;
    return counts;
  }

  /**
   * Every word's UTF-8 bytes, concatenated: word i is
   * bytes[offsets[i] .. offsets[i + 1]).
   * @returns {{ bytes: Uint8Array, offsets: Uint32Array }}
   */
  utf8() {
    if (this.#utf8) return this.#utf8;
    const offsets = new Uint32Array(this.words.length + 1);
    let size = 0;
    for (const w of this.words) size += 3 * w.length;
    const bytes = new Uint8Array(size);
    let at = 0;
    this.words.forEach((w, i) => {
      at += encoder.encodeInto(w, bytes.subarray(at)).written;
      offsets[i + 1] = at;
    });
    this.#utf8 = { bytes: bytes.subarray(0, at), offsets };
    return this.#utf8;
  }

  /**
   * FNV-1a (32-bit) over the sentence lengths and every token's bytes: a
   * checkpoint keeps it so that resuming on another text is refused.
   * @returns {string} 8 hex digits
   */
  fingerprint() {
    if (this.#fingerprint) return this.#fingerprint;
    const { bytes, offsets } = this.utf8();
    let h = 0x811c9dc5;
    const mix = (/** @type {number} */ byte) => {
      h = Math.imul(h ^ byte, 0x01000193);
    };
    for (let s = 0; s < this.#sentenceCount; s++) {
      const n = this.#starts[s + 1] - this.#starts[s];
      mix(n & 0xff), mix((n >>> 8) & 0xff), mix((n >>> 16) & 0xff), mix(n >>> 24);
      for (let t = this.#starts[s]; t < this.#starts[s + 1]; t++) {
        const w = this.#ids[t];
        for (let b = offsets[w]; b < offsets[w + 1]; b++) mix(bytes[b]);
        mix(0x20);
      }
    }
    this.#fingerprint = (h >>> 0).toString(16).padStart(8, '0');
    return this.#fingerprint;
  }
}
