/**
 * Paragraphs of two dictd dictionaries, the entries' prose without their
 * headwords: The Jargon File (dict-jargon; an entry is the headword, a line
 * of pronunciation and part of speech, then paragraphs that may open with a
 * usage tag such as `[Usenet]`) and Ambrose Bierce's The Devil's Dictionary
 * (dict-devil; an entry opens `WORD, n.` and runs on).
 */
import { readDictd } from '../readers/dictd.js';
import { linesToParagraphs } from '../text/paragraphs.js';

const DICTD_ROOT = '/usr/share/dictd';
const USAGE_TAG = /^\[[^\]]{1,40}\]\s*/;
const DEVIL_HEADWORD = /^[\p{Lu}][\p{Lu}\p{N}'’ .,-]*,\s*(?:(?:[a-z]+\.\s*)+|\s)/u;

/** @returns {Generator<string>} */
export function* jargonParagraphs() {
  for (const { text } of readDictd(`${DICTD_ROOT}/jargon`)) {
    const paragraphs = [...linesToParagraphs(text.split('\n'))];
    for (const paragraph of paragraphs.slice(1)) yield paragraph.replace(USAGE_TAG, '');
  }
}

/** @returns {Generator<string>} */
export function* devilParagraphs() {
  for (const { text } of readDictd(`${DICTD_ROOT}/devil`)) {
    let first = true;
    for (const paragraph of linesToParagraphs(text.split('\n'))) {
      yield first ? paragraph.replace(DEVIL_HEADWORD, '') : paragraph;
      first = false;
    }
  }
}
