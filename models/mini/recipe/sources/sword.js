/**
 * Paragraphs of a SWORD module installed by a Debian `sword-*` package:
 * a Bible (verses run on within a chapter: its paragraph and stanza marks
 * fall inside the sentences of its poetry) or a commentary (each comment
 * its own paragraphs), OSIS markup removed, verse numbers and
 * verse headings stripped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConf, testamentEntries } from '../readers/sword.js';
import { osisToText } from '../readers/osis.js';
import { stripVerseNumbers } from '../text/clean.js';

export const SWORD_ROOT = '/usr/share/sword';

/**
 * @param {string} module its name, which is its .conf file's name (`engWEB2015eb`)
 * @param {'bible' | 'commentary'} kind
 * @returns {Generator<string>}
 */
export function* swordParagraphs(module, kind) {
  const conf = parseConf(readFileSync(join(SWORD_ROOT, 'mods.d', `${module}.conf`), 'utf8'));
  for (const [key, wanted] of [['SourceType', 'OSIS'], ['CompressType', 'ZIP'], ['Encoding', 'UTF-8']]) {
    if (conf[key] !== wanted) throw new Error(`SWORD module ${module}: ${key}=${conf[key]}, only ${wanted} is read`);
  }
  const dir = join(SWORD_ROOT, conf.DataPath);
  for (const testament of /** @type {const} */ (['ot', 'nt'])) {
    const parts = [...testamentEntries(dir, testament, conf.ModDrv)].map((osis) => osisToText(osis, { paragraphs: kind === 'commentary' }));
    for (const paragraph of parts.join(kind === 'bible' ? ' ' : '\n\n').split(/\n\s*\n/)) {
      const text = stripVerseNumbers(paragraph.replace(/\s+/g, ' ').trim());
      if (text) yield text;
    }
  }
}
