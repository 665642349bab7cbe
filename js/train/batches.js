/**
 * bilm-tf's training batches (bilm/data.py, _get_batch and
 * BidirectionalLMDataset) as a deterministic, seeded stream that a checkpoint
 * can stop and resume bit-identically.
 *
 * Every sentence becomes the stream `<S> w1 .. wn </S>`. Batch rows are
 * filled one after another, each from its own unfinished sentence first and
 * then from the next sentences of the shared order, so a row runs on across
 * batch boundaries (the trainer carries each row's LSTM state). A sentence
 * gives n + 1 steps: inputs `<S> w1 .. wn`, targets `w1 .. wn </S>`; its last
 * token is a target only. The backward direction reads the same rows with
 * each sentence reversed, `</S> wn .. w1 <S>`, inputs `</S> wn .. w1`, targets
 * `wn .. w1 <S>`.
 *
 * Differences from bilm-tf, all deliberate:
 * - bilm-tf's two directions are two datasets that each shuffle with
 *   Python's global generator, so their sentence orders differ. Here both
 *   read one order: the rows then hold the same sentences in both
 *   directions, the batches share one table of distinct tokens (the token
 *   layer runs once for both), and the order comes from our own generator.
 * - bilm-tf loops over its files forever and stops after a token budget;
 *   here `epochs` passes end the stream (with a budget, `maxTokens`, too).
 *   As in bilm-tf a batch the data cannot fill is dropped, and epochs follow
 *   each other seamlessly (rows carry over, the order is reshuffled).
 */
import { Prng } from './prng.js';

/**
 * @typedef {object} BatchOptions
 * @property {number} batchSize rows per batch
 * @property {number} unroll steps per row (bilm-tf's unroll_steps)
 * @property {number} [seed] of the sentence order, an integer in [0, 2^32) (default 0)
 * @property {boolean} [shuffle] a fresh random order of the sentences each epoch (default true; false: text order)
 * @property {number} [epochs] passes over the text (default 1, or unlimited when maxTokens is given)
 * @property {number} [maxTokens] stop after floor(maxTokens / (batchSize × unroll)) batches in all
 */

/**
 * The distinct tokens of a batch, in the form elmo_embed takes tokens: token i
 * is bytes[offsets[i] .. offsets[i + 1]). Entries 0 and 1 are always `<S>` and
 * `</S>` and have no bytes: the token layer gives them their BOS/EOS character
 * pattern. (A literal `<S>` or `</S>` in the text is that boundary too, as in
 * bilm-tf, whose character vocabulary maps these words to the boundary pattern.)
 * @typedef {object} TokenTable
 * @property {Uint8Array} bytes
 * @property {Uint32Array} offsets count + 1
 * @property {number} count
 */

/**
 * One direction of a batch, each batchSize × unroll, row-major (row r, step t at r × unroll + t).
 * @typedef {object} DirectionBatch
 * @property {Int32Array} inputs indices into the batch's token table
 * @property {Int32Array} targets vocabulary ids of the next token; `<UNK>` for a word outside the vocabulary
 */

/**
 * @typedef {object} Batch
 * @property {number} index 0 for the first batch of the run
 * @property {number} epoch the epoch (from 1) of the last sentence the batch started
 * @property {TokenTable} tokens
 * @property {DirectionBatch} forward
 * @property {DirectionBatch} backward
 */

/**
 * Where a stream is, between two batches; plain JSON. The settings that
 * shape the stream are in it so that a resume with other ones is refused.
 * @typedef {object} BatchPosition
 * @property {1} version
 * @property {string} corpus the corpus fingerprint
 * @property {number} sentences the corpus's sentence count
 * @property {number} batchSize
 * @property {number} unroll
 * @property {number} seed
 * @property {boolean} shuffle
 * @property {number} batches batches given so far
 * @property {number} epoch epochs started (0 before the first sentence)
 * @property {number} cursor sentences of this epoch's order already taken
 * @property {number[]} rng the generator's state before this epoch's order was drawn
 * @property {Array<[number, number] | null>} rows per row, its unfinished sentence and the stream position its next input is at (0 is `<S>`), or null
 */

/**
 * @param {unknown} x
 * @returns {x is number}
 */
const isCount = (x) => Number.isSafeInteger(x) && /** @type {number} */ (x) >= 0;

/**
 * @param {string} name
 * @param {unknown} value
 */
function positiveInteger(name, value) {
  if (!Number.isSafeInteger(value) || /** @type {number} */ (value) < 1) throw new RangeError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return /** @type {number} */ (value);
}

/**
 * The token table of a batch whose words (corpus word indices) are entries
 * 2, 3, …, after the two boundaries.
 * @param {readonly number[]} words
 * @param {{ bytes: Uint8Array, offsets: Uint32Array }} utf8 the corpus's (`corpus.utf8()`)
 * @returns {TokenTable}
 */
export function packTokenTable(words, utf8) {
  let size = 0;
  for (const w of words) size += utf8.offsets[w + 1] - utf8.offsets[w];
  const bytes = new Uint8Array(size);
  const offsets = new Uint32Array(words.length + 3);
  let at = 0;
  words.forEach((w, i) => {
    bytes.set(utf8.bytes.subarray(utf8.offsets[w], utf8.offsets[w + 1]), at);
    at += utf8.offsets[w + 1] - utf8.offsets[w];
    offsets[i + 3] = at;
  });
  return { bytes, offsets, count: words.length + 2 };
}

export class BatchStream {
  #corpus;
  #vocab;
  #batchSize;
  #unroll;
  #seed;
  #shuffle;
  #epochs;
  #maxBatches;
  /** corpus word → vocabulary id */
  #targetOf;
  /** corpus word → table entry (0 for a literal `<S>`, 1 for `</S>`, -1 for other words) */
  #fixedEntry;
  #fingerprint;

  /** @type {Prng} */
  #prng;
  /** @type {number[]} */
  #rngAtEpoch = [];
  /** @type {Uint32Array} */
  #order = new Uint32Array(0);
  #epoch = 0;
  #cursor = 0;
  #batches = 0;
  #done = false;
  #rowSentence;
  #rowOffset;

  /** batch number that last used each corpus word, and the entry it got */
  #stamp;
  #entry;

  /**
   * @param {import('./corpus.js').Corpus} corpus the text; do not add to it afterwards
   * @param {import('./vocab.js').Vocabulary} vocab
   * @param {BatchOptions} options
   * @param {BatchPosition} [position] where to continue (from `position()`), else the start
   */
  constructor(corpus, vocab, options, position) {
    const { batchSize, unroll, seed = 0, shuffle = true, maxTokens, epochs = maxTokens === undefined ? 1 : Infinity } = options;
    this.#batchSize = positiveInteger('batchSize', batchSize);
    this.#unroll = positiveInteger('unroll', unroll);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
    if (typeof shuffle !== 'boolean') throw new TypeError(`shuffle must be true or false, got ${JSON.stringify(shuffle)}`);
    if (epochs !== Infinity) positiveInteger('epochs', epochs);
    const perBatch = this.#batchSize * this.#unroll;
    if (maxTokens !== undefined) {
      positiveInteger('maxTokens', maxTokens);
      if (maxTokens < perBatch) throw new RangeError(`maxTokens ${maxTokens} is less than one batch (batchSize × unroll = ${perBatch} tokens)`);
    }
    if (corpus.sentenceCount === 0) throw new Error('the text has no sentences');
    this.#seed = seed;
    this.#shuffle = shuffle;
    this.#epochs = epochs;
    this.#maxBatches = maxTokens === undefined ? Infinity : Math.floor(maxTokens / perBatch);
    this.#corpus = corpus;
    this.#vocab = vocab;
    this.#fingerprint = corpus.fingerprint();

    const nWords = corpus.words.length;
    this.#targetOf = Int32Array.from(corpus.words, (w) => vocab.idOf(w));
    this.#fixedEntry = new Int32Array(nWords).fill(-1);
    for (const [word, entry] of /** @type {const} */ ([['<S>', 0], ['</S>', 1]])) {
      const w = corpus.wordIndex(word);
      if (w >= 0) this.#fixedEntry[w] = entry;
    }
    this.#stamp = new Float64Array(nWords).fill(-1);
    this.#entry = new Int32Array(nWords);
    this.#rowSentence = new Int32Array(this.#batchSize).fill(-1);
    this.#rowOffset = new Int32Array(this.#batchSize);

    if (position === undefined) {
      this.#prng = new Prng(seed);
      this.#rngAtEpoch = this.#prng.state();
    } else {
      this.#prng = this.#restore(position);
    }
  }

  /**
   * The stream that continues from `position` with these settings.
   * @param {import('./corpus.js').Corpus} corpus
   * @param {import('./vocab.js').Vocabulary} vocab
   * @param {BatchOptions} options
   * @param {BatchPosition} position
   */
  static resume(corpus, vocab, options, position) {
    return new BatchStream(corpus, vocab, options, position);
  }

  /**
   * An upper bound of the batches the whole run gives (the earlier part of
   * a resumed run included): all steps of all epochs, or the token budget.
   * Rows that the end of the data leaves unfinished make the count lower.
   */
  plannedBatches() {
    const stepsPerEpoch = this.#corpus.tokenCount + this.#corpus.sentenceCount;
    const byEpochs = this.#epochs === Infinity ? Infinity : Math.floor((this.#epochs * stepsPerEpoch) / (this.#batchSize * this.#unroll));
    return Math.min(byEpochs, this.#maxBatches);
  }

  /** @returns {BatchPosition} where the stream is now: resuming from it gives the batches that `next()` would */
  position() {
    return {
      version: 1,
      corpus: this.#fingerprint,
      sentences: this.#corpus.sentenceCount,
      batchSize: this.#batchSize,
      unroll: this.#unroll,
      seed: this.#seed,
      shuffle: this.#shuffle,
      batches: this.#batches,
      epoch: this.#epoch,
      cursor: this.#cursor,
      rng: this.#rngAtEpoch.slice(),
      rows: Array.from(this.#rowSentence, (s, r) => (s < 0 ? null : /** @type {[number, number]} */ ([s, this.#rowOffset[r]]))),
    };
  }

  /** @returns {Batch | null} the next batch, or null at the end of the stream */
  next() {
    if (this.#done || this.#batches >= this.#maxBatches) return null;
    const B = this.#batchSize;
    const U = this.#unroll;
    const { bos, eos } = this.#vocab;
    const corpus = this.#corpus;
    // Stream values: -1 is <S>, -2 is </S>, w >= 0 a corpus word.
    const fwd = new Int32Array(B * U);
    const bwd = new Int32Array(B * U);
    const fwdNext = new Int32Array(B * U);
    const bwdNext = new Int32Array(B * U);
    let lastEpoch = this.#epoch;
    for (let r = 0; r < B; r++) {
      for (let t = 0; t < U; ) {
        let s = this.#rowSentence[r];
        if (s < 0 || this.#rowOffset[r] > corpus.sentence(s).length) {
          s = this.#nextSentence();
          if (s < 0) {
            // bilm-tf drops the batch the data cannot fill, and stops.
            this.#done = true;
            return null;
          }
          lastEpoch = this.#epoch;
          this.#rowSentence[r] = s;
          this.#rowOffset[r] = 0;
        }
        const words = corpus.sentence(s);
        const n = words.length;
        const offset = this.#rowOffset[r];
        const take = Math.min(n + 1 - offset, U - t);
        // Forward stream position p: 0 <S>, 1..n words, n + 1 </S>; the
        // backward stream at p is the forward one at n + 1 - p.
        const at = (/** @type {number} */ p) => (p === 0 ? -1 : p === n + 1 ? -2 : words[p - 1]);
        for (let k = 0; k < take; k++) {
          const p = offset + k;
          const i = r * U + t + k;
          fwd[i] = at(p);
          fwdNext[i] = at(p + 1);
          bwd[i] = at(n + 1 - p);
          bwdNext[i] = at(n - p);
        }
        this.#rowOffset[r] = offset + take;
        t += take;
      }
    }
    const index = this.#batches++;
    const toTarget = (/** @type {Int32Array} */ values) => values.map((v) => (v === -1 ? bos : v === -2 ? eos : this.#targetOf[v]));
    const { table, inputs } = this.#tokenTable(index, fwd, bwd);
    return {
      index,
      epoch: lastEpoch,
      tokens: table,
      forward: { inputs: inputs[0], targets: toTarget(fwdNext) },
      backward: { inputs: inputs[1], targets: toTarget(bwdNext) },
    };
  }

  *[Symbol.iterator]() {
    for (let batch = this.next(); batch !== null; batch = this.next()) yield batch;
  }

  /** @returns {number} the next sentence of the order, or -1 after the last epoch */
  #nextSentence() {
    if (this.#cursor === this.#order.length) {
      if (this.#epoch >= this.#epochs) return -1;
      this.#rngAtEpoch = this.#prng.state();
      this.#order = this.#drawOrder();
      this.#epoch++;
      this.#cursor = 0;
    }
    return this.#order[this.#cursor++];
  }

  #drawOrder() {
    const order = new Uint32Array(this.#corpus.sentenceCount);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return this.#shuffle ? this.#prng.shuffle(order) : order;
  }

  /**
   * @param {number} index the batch's number, which marks the words it has seen
   * @param {Int32Array[]} streams stream values of each direction
   */
  #tokenTable(index, ...streams) {
    /** @type {number[]} */
    const words = [];
    const inputs = streams.map((values) =>
      values.map((v) => {
        if (v < 0) return -1 - v;
        if (this.#fixedEntry[v] >= 0) return this.#fixedEntry[v];
        if (this.#stamp[v] !== index) {
          this.#stamp[v] = index;
          this.#entry[v] = 2 + words.length;
          words.push(v);
        }
        return this.#entry[v];
      }),
    );
    return { table: packTokenTable(words, this.#corpus.utf8()), inputs };
  }

  /**
   * Checks `position` against this stream and the corpus, sets the stream
   * there, and returns the generator as it was after that epoch's order.
   * @param {BatchPosition} position
   * @returns {Prng}
   */
  #restore(position) {
    /** @type {(why: string) => never} */
    const fail = (why) => {
      throw new Error(`cannot resume the data stream: ${why}`);
    };
    if (position === null || typeof position !== 'object' || position.version !== 1) fail(`not a version 1 data position: ${JSON.stringify(position)?.slice(0, 80)}`);
    if (position.corpus !== this.#fingerprint || position.sentences !== this.#corpus.sentenceCount) {
      fail(`it was saved for another text (fingerprint ${position.corpus}, ${position.sentences} sentences; this text: ${this.#fingerprint}, ${this.#corpus.sentenceCount})`);
    }
    for (const [name, value] of /** @type {const} */ ([['batchSize', this.#batchSize], ['unroll', this.#unroll], ['seed', this.#seed], ['shuffle', this.#shuffle]])) {
      if (position[name] !== value) fail(`it was saved with ${name} ${JSON.stringify(position[name])}, not ${JSON.stringify(value)}`);
    }
    const n = this.#corpus.sentenceCount;
    if (!isCount(position.batches) || !isCount(position.epoch) || !isCount(position.cursor) || position.cursor > n || (position.epoch === 0 && position.cursor !== 0)) {
      fail(`batches ${position.batches}, epoch ${position.epoch}, cursor ${position.cursor} are not a place in a text of ${n} sentences`);
    }
    if (!Array.isArray(position.rows) || position.rows.length !== this.#batchSize) fail(`it has ${position.rows?.length} rows, not ${this.#batchSize}`);
    position.rows.forEach((row, r) => {
      if (row === null) return;
      const [s, offset] = Array.isArray(row) ? row : [];
      if (!isCount(s) || s >= n || !isCount(offset) || offset > this.#corpus.sentence(s).length + 1) fail(`row ${r} is ${JSON.stringify(row)}, not [sentence, stream position] in this text`);
      this.#rowSentence[r] = s;
      this.#rowOffset[r] = offset;
    });
    this.#prng = Prng.fromState(position.rng);
    this.#rngAtEpoch = this.#prng.state();
    this.#epoch = position.epoch;
    this.#cursor = position.cursor;
    this.#batches = position.batches;
    // Drawing the epoch's order again leaves the generator where it was.
    if (this.#epoch > 0) this.#order = this.#drawOrder();
    return this.#prng;
  }
}
