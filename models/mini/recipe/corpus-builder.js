/**
 * Sources' paragraphs into the corpus's three splits: each paragraph is
 * normalized and cut into tokenized sentences; a sentence is dropped when
 * `dropReason` says so or it is boilerplate, skipped when an earlier one had
 * the same tokens, and otherwise goes to the split its hash chooses.
 */
import { normalizeText, isBoilerplate } from './text/clean.js';
import { splitSentences, dropReason } from './text/sentences.js';
import { splitOf, SPLITS } from './text/split.js';

/**
 * @typedef {object} SourceStats
 * @property {number} paragraphs read
 * @property {number} sentences found
 * @property {Record<string, number>} dropped sentences, by reason
 * @property {number} duplicates sentences an earlier one already had
 * @property {number} keptSentences
 * @property {number} keptTokens
 * @property {Record<string, { sentences: number, tokens: number }>} splits
 */

export class CorpusBuilder {
  /** @type {Set<string>} */
  #seen = new Set();
  /** @type {Record<string, string[]>} each split's lines, in the order they came */
  lines = Object.fromEntries(SPLITS.map(([name]) => [name, []]));

  /**
   * @param {Iterable<string>} paragraphs
   * @returns {SourceStats}
   */
  add(paragraphs) {
    /** @type {SourceStats} */
    const stats = {
      paragraphs: 0, sentences: 0, dropped: {}, duplicates: 0, keptSentences: 0, keptTokens: 0,
      splits: Object.fromEntries(SPLITS.map(([name]) => [name, { sentences: 0, tokens: 0 }])),
    };
    for (const paragraph of paragraphs) {
      stats.paragraphs++;
      for (const tokens of splitSentences(normalizeText(paragraph))) {
        stats.sentences++;
        const line = tokens.join(' ');
        const reason = dropReason(tokens) ?? (isBoilerplate(line) ? 'boilerplate' : null);
        if (reason !== null) {
          stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
        } else if (this.#seen.has(line)) {
          stats.duplicates++;
        } else {
          this.#seen.add(line);
          const split = splitOf(line);
          this.lines[split].push(line);
          stats.keptSentences++;
          stats.keptTokens += tokens.length;
          stats.splits[split].sentences++;
          stats.splits[split].tokens += tokens.length;
        }
      }
    }
    return stats;
  }
}
