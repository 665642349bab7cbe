/**
 * A paragraph into tokenized sentences, and which sentences are kept.
 *
 * Tokens come from the project's tokenizer (js/api/text-tokenizer.js), which
 * already keeps abbreviations (`Mr.`, `U.S.`, `e.g.`) whole, so a `.`, `!`,
 * `?`, `...` or `…` token ends a sentence — with the closing quotes and
 * brackets written right after it — unless the next word starts in lower
 * case (`"Stop!" he cried.` is one sentence).
 */
import { tokenize } from '../../../../js/api/text-tokenizer.js';

const ENDS = new Set(['.', '!', '?', '...', '…']);
const CLOSERS = new Set(['"', "'", "''", ')', ']', '»']);

/**
 * @param {string} paragraph
 * @returns {string[][]} its sentences as token lists
 */
export function splitSentences(paragraph) {
  const { tokens, offsets } = tokenize(paragraph);
  /** @type {string[][]} */
  const sentences = [];
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (!ENDS.has(tokens[i])) continue;
    let end = i + 1;
    while (end < tokens.length && CLOSERS.has(tokens[end]) && offsets[end][0] === offsets[end - 1][1]) end++;
    const next = tokens.slice(end).find((t) => /\p{L}/u.test(t));
    if (next !== undefined && /^\p{Ll}/u.test(next) && !CLOSERS.has(tokens[end])) continue;
    sentences.push(tokens.slice(start, end));
    start = end;
    i = end - 1;
  }
  if (start < tokens.length) sentences.push(tokens.slice(start));
  // A dash that opens a sentence (Austen's `.—But`, an attribution's `— Name`) is not part of it.
  return sentences.map((s) => (s[0] === '—' ? s.slice(1) : s)).filter((s) => s.length > 0);
}

/** The bounds a kept sentence lies within. */
export const LIMITS = Object.freeze({
  /** fewer tokens are headings, list items, fragments */
  minTokens: 3,
  /** more are run-on lists or text without sentence punctuation */
  maxTokens: 100,
  /** at least this share of the tokens that are not punctuation has a letter (not tables, numbers, references) */
  minWordShare: 0.5,
  /** at most this share of the letters is upper case (not headings in capitals) */
  maxUpperShare: 0.5,
  /** up to this many tokens, a sentence of capitalized words only is a name or a title */
  maxNameTokens: 6,
});

/**
 * Why a sentence is dropped, or null when it is kept: too short, too long,
 * not starting with a capital letter or digit (a fragment), not ending in
 * `.`, `!`, `?`, `...` or `…` (a heading, a verse line cut off), mostly
 * non-words, mostly capitals, or a few capitalized words alone (a name, an
 * attribution: `H. Hammond .`).
 * @param {string[]} tokens
 * @returns {null | 'short' | 'long' | 'fragment' | 'unfinished' | 'non-words' | 'capitals' | 'names'}
 */
export function dropReason(tokens) {
  if (tokens.length < LIMITS.minTokens) return 'short';
  if (tokens.length > LIMITS.maxTokens) return 'long';
  const first = tokens.find((t) => /[\p{L}\p{N}]/u.test(t)) ?? '';
  if (!/^[\p{Lu}\p{N}]/u.test(first.replace(/^[^\p{L}\p{N}]+/u, ''))) return 'fragment';
  let last = tokens.length - 1;
  while (last > 0 && CLOSERS.has(tokens[last])) last--;
  if (!ENDS.has(tokens[last])) return 'unfinished';
  const words = tokens.filter((t) => /\p{L}/u.test(t));
  if (words.length < LIMITS.minWordShare * tokens.filter((t) => /[\p{L}\p{N}]/u.test(t)).length) return 'non-words';
  const letters = tokens.join('').replace(/[^\p{L}]/gu, '');
  if (letters.replace(/[^\p{Lu}]/gu, '').length > LIMITS.maxUpperShare * letters.length) return 'capitals';
  if (tokens.length <= LIMITS.maxNameTokens && words.every((t) => /^\p{Lu}/u.test(t))) return 'names';
  return null;
}
