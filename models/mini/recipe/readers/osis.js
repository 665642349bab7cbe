/**
 * OSIS markup (the XML of SWORD modules) to plain text. Notes (footnotes,
 * cross-references) and titles (section headings) go with their content:
 * they are not running text. Structural elements — chapters, paragraphs,
 * divisions, list items — become paragraph breaks ("\n\n"), or all but
 * chapters become spaces (`paragraphs: false`); poetry's line groups,
 * lines and line breaks become spaces, since a sentence runs on across
 * them. Every other tag goes and its content stays (`<w>` words,
 * `<transChange>` added words, `<hi>`, `<q>`, `<divineName>`,
 * `<reference>`).
 */

const DROPPED = /<(note|title)\b[^>]*?(?:\/>|>[\s\S]*?<\/\1>)/g;
const BREAK = /<\/?(?:chapter|div|p|item|list|book)\b[^>]*>/g;
const SPACE = /<\/?(?:lg|l|lb|cell|row|table)\b[^>]*>/g;
const TAG = /<[^>]*>/g;
/** @type {Record<string, string>} */
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * @param {string} text
 * @returns {string}
 */
export function decodeEntities(text) {
  return text.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(\w+));/gi, (whole, dec, hex, name) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * @param {string} osis
 * @param {{ paragraphs?: boolean }} [options] paragraphs: false breaks at chapters only (a Bible's
 *   paragraph and stanza marks fall inside sentences of its poetry)
 * @returns {string} plain text, paragraphs separated by blank lines
 */
export function osisToText(osis, { paragraphs = true } = {}) {
  const text = osis
    .replace(DROPPED, ' ')
    .replace(BREAK, (tag) => (paragraphs || tag.startsWith('<chapter') ? '\n\n' : ' '))
    .replace(SPACE, ' ')
    .replace(TAG, '');
  return decodeEntities(text);
}
