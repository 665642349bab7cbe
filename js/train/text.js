/**
 * Training text into a Corpus: one sentence per line, split on white space
 * (as bilm-tf's `line.split()`) or by the built-in tokenizer. Bytes come in
 * pieces of any size (a file read in chunks, or all at once) and are checked
 * to be text: a NUL byte, or more than 1% of bytes that are not UTF-8, is
 * refused as binary input; a few stray invalid bytes become U+FFFD.
 * White-space-only lines are skipped (bilm-tf would train on them as the empty
 * sentence `<S> </S>`).
 */
import { tokenize } from '../api/text-tokenizer.js';

/** Above this share of invalid bytes, input is taken to be binary, not text with a few bad bytes. */
const MAX_INVALID_SHARE = 0.01;
/** Judge the share only once this many bytes have been seen. */
const MIN_BYTES_TO_JUDGE = 4096;

/**
 * Bytes of `bytes` that are not part of a well-formed UTF-8 sequence (no
 * overlong forms, surrogates or code points past U+10FFFF); a sequence cut
 * by the end counts as invalid.
 * @param {Uint8Array} bytes
 * @returns {number}
 */
export function countInvalidUtf8(bytes) {
  let invalid = 0;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    }
    let ok = need > 0 && i + need < bytes.length;
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k];
      ok = k === 1 ? c >= lo && c <= hi : c >= 0x80 && c <= 0xbf;
    }
    if (ok) i += need + 1;
    else {
      invalid++;
      i++;
    }
  }
  return invalid;
}

/**
 * @typedef {object} TextStats
 * @property {number} bytes read
 * @property {number} sentences added to the corpus
 * @property {number} tokens added
 * @property {number} invalidBytes not UTF-8, read as U+FFFD
 */

/** One input (a file, a string's bytes) being added to a corpus. */
export class TextReader {
  #corpus;
  #label;
  #split;
  #decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  /** @type {Uint8Array} the bytes after the last line break */
  #tail = new Uint8Array(0);
  /** @type {TextStats} */
  #stats = { bytes: 0, sentences: 0, tokens: 0, invalidBytes: 0 };

  /**
   * @param {import('./corpus.js').Corpus} corpus
   * @param {string} label names the input in errors (e.g. its path)
   * @param {{ tokenize?: boolean }} [options] tokenize: the built-in tokenizer instead of white space
   */
  constructor(corpus, label, { tokenize: useTokenizer = false } = {}) {
    this.#corpus = corpus;
    this.#label = label;
    this.#split = useTokenizer ? (/** @type {string} */ line) => tokenize(line).tokens : (/** @type {string} */ line) => line.split(/\s+/u).filter(Boolean);
  }

  /**
   * Adds the complete lines of `bytes` (with what earlier pieces left over).
   * @param {Uint8Array} bytes
   */
  push(bytes) {
    const nul = bytes.indexOf(0);
    if (nul >= 0) throw new Error(`${this.#label}: NUL byte at offset ${this.#stats.bytes + nul}: this is binary data, not text`);
    this.#stats.bytes += bytes.length;
    let data = bytes;
    if (this.#tail.length > 0) {
      data = new Uint8Array(this.#tail.length + bytes.length);
      data.set(this.#tail);
      data.set(bytes, this.#tail.length);
    }
    // A line break byte is never inside a multi-byte UTF-8 sequence, so the
    // complete lines decode on their own.
    let end = data.length;
    while (end > 0 && data[end - 1] !== 0x0a && data[end - 1] !== 0x0d) end--;
    this.#tail = data.slice(end);
    this.#addLines(data.subarray(0, end));
  }

  /**
   * Adds the last line and checks the input as a whole.
   * @returns {TextStats}
   */
  finish() {
    this.#addLines(this.#tail);
    this.#tail = new Uint8Array(0);
    this.#judge(true);
    if (this.#stats.tokens === 0) throw new Error(`${this.#label} is empty: ${this.#stats.bytes === 0 ? 'no bytes' : 'no tokens, only white space'}`);
    return { ...this.#stats };
  }

  /** @param {Uint8Array} bytes whole lines */
  #addLines(bytes) {
    if (bytes.length === 0) return;
    this.#stats.invalidBytes += countInvalidUtf8(bytes);
    this.#judge(false);
    // stream: true keeps the decoder's BOM handling to the input's start.
    const text = this.#decoder.decode(bytes, { stream: true });
    for (const line of text.split(/\r\n|\n|\r/)) {
      const tokens = this.#split(line);
      if (tokens.length === 0) continue;
      this.#corpus.addSentence(tokens);
      this.#stats.sentences++;
      this.#stats.tokens += tokens.length;
    }
  }

  /** @param {boolean} atEnd */
  #judge(atEnd) {
    const { bytes, invalidBytes } = this.#stats;
    if (invalidBytes > 0 && (atEnd || bytes >= MIN_BYTES_TO_JUDGE) && invalidBytes > MAX_INVALID_SHARE * bytes) {
      const of = atEnd ? `its ${bytes}` : `its first ${bytes}`;
      throw new Error(`${this.#label}: ${invalidBytes} of ${of} bytes are not UTF-8: this is binary data or another encoding, not UTF-8 text`);
    }
  }
}

/**
 * Adds a whole text to `corpus`.
 * @param {import('./corpus.js').Corpus} corpus
 * @param {Uint8Array | string} text bytes (checked as UTF-8) or a string
 * @param {string} label names the input in errors
 * @param {{ tokenize?: boolean }} [options]
 * @returns {TextStats}
 */
export function addText(corpus, text, label, options) {
  const reader = new TextReader(corpus, label, options);
  reader.push(typeof text === 'string' ? new TextEncoder().encode(text) : text);
  return reader.finish();
}
