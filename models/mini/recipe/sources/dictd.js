/**
 * Paragraphs of two dictd dictionaries, the entries' prose without their
 * headwords: The Jargon File (dict-jargon; an entry is the headword, a line
 * of pronunciation and part of speech, then paragraphs that may open with a
 * sense number and a usage tag such as `[Usenet]`) and Ambrose Bierce's
 * The Devil's Dictionary (dict-devil; an entry opens `WORD, n.` and runs on).
 */
import { readDictd } from '../readers/dictd.js';
import { linesToParagraphs } from '../text/paragraphs.js';

const DICTD_ROOT = '/usr/share/dictd';
/** A sense number (`2.`) and a usage tag (`[Usenet]`, `[techspeak]`) opening a paragraph. */
const SENSE_AND_TAG = /^(?:\d+\.\s+)?(?:\[[^\]]{1,40}\]\s*)?/;
/** `ABNORMAL, adj.`, `LORD, n.`, `AB, n. pl.` */
const DEVIL_HEADWORD = /^[\p{Lu}][\p{Lu}\p{N}'’ .,-]*,\s*(?:(?:[a-z]+\.\s*)+|\s)/u;

/**
 * @param {string} entry a Jargon File entry
 * @returns {string[]}
 */
export function jargonEntryParagraphs(entry) {
  return [...linesToParagraphs(entry.split('\n'))].slice(1).map((p) => p.replace(SENSE_AND_TAG, ''));
}

/**
 * @param {string} entry a Devil's Dictionary entry
 * @returns {string[]}
 */
export function devilEntryParagraphs(entry) {
  return [...linesToParagraphs(entry.split('\n'))].map((p, i) => (i === 0 ? p.replace(DEVIL_HEADWORD, '') : p));
}

/** @returns {Generator<string>} */
export function* jargonParagraphs() {
  for (const { text } of readDictd(`${DICTD_ROOT}/jargon`)) yield* jargonEntryParagraphs(text);
}

/** @returns {Generator<string>} */
export function* devilParagraphs() {
  for (const { text } of readDictd(`${DICTD_ROOT}/devil`)) yield* devilEntryParagraphs(text);
}
