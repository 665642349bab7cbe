/**
 * The mini corpus's readers of package formats (models/mini/recipe/readers/)
 * on tiny files made here: SWORD zText/zCom modules, OSIS markup, R's
 * serialization and lazy-load databases, dictd databases, fortune files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { parseConf, testamentEntries } from '../../models/mini/recipe/readers/sword.js';
import { osisToText } from '../../models/mini/recipe/readers/osis.js';
import { readLazyLoadDb, unserialize } from '../../models/mini/recipe/readers/r-lazyload.js';
import { decodeNumber, readDictd } from '../../models/mini/recipe/readers/dictd.js';
import { parseFortunes } from '../../models/mini/recipe/readers/fortune.js';
import { jargonEntryParagraphs, devilEntryParagraphs } from '../../models/mini/recipe/sources/dictd.js';

/** @param {(dir: string) => void} body */
function inTempDir(body) {
  const dir = mkdtempSync(join(tmpdir(), 'elmo-corpus-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A SWORD testament of one block: entries [text, or a number to repeat (link to) an earlier entry].
 * @param {string} dir @param {Array<string | number>} entries @param {10 | 12} entryBytes
 */
function writeTestament(dir, entries, entryBytes) {
  const texts = entries.map((e) => (typeof e === 'string' ? Buffer.from(e) : null));
  const block = Buffer.concat(texts.filter((t) => t !== null));
  const compressed = deflateSync(block);
  const blockIndex = Buffer.alloc(12);
  blockIndex.writeUInt32LE(0, 0);
  blockIndex.writeUInt32LE(compressed.length, 4);
  blockIndex.writeUInt32LE(block.length, 8);
  const index = Buffer.alloc(entries.length * entryBytes);
  /** @type {Array<[number, number]>} */
  const places = [];
  let offset = 0;
  entries.forEach((entry, i) => {
    const [at, size] = typeof entry === 'number' ? places[entry] : [offset, Buffer.byteLength(entry)];
    places.push([at, size]);
    if (typeof entry === 'string') offset += size;
    index.writeUInt32LE(0, i * entryBytes);
    index.writeUInt32LE(at, i * entryBytes + 4);
    if (entryBytes === 10) index.writeUInt16LE(size, i * entryBytes + 8);
    else index.writeUInt32LE(size, i * entryBytes + 8);
  });
  writeFileSync(join(dir, 'ot.bzs'), blockIndex);
  writeFileSync(join(dir, 'ot.bzv'), index);
  writeFileSync(join(dir, 'ot.bzz'), compressed);
}

test('SWORD: entries in index order, empty ones and linked repeats read once, 10- or 12-byte indexes', () => {
  const entries = ['', '<chapter n="1"/>', 'In the beginning.', 'Linked comment.', 3, 'The end.'];
  for (const [bytes, driver] of /** @type {const} */ ([[10, 'zText'], [12, 'zCom4'], [10, 'zCom4']])) {
    inTempDir((dir) => {
      writeTestament(dir, entries, bytes);
      assert.deepEqual([...testamentEntries(dir, 'ot', driver)], ['<chapter n="1"/>', 'In the beginning.', 'Linked comment.', 'The end.'], `${bytes} bytes, ${driver}`);
      assert.deepEqual([...testamentEntries(dir, 'nt', driver)], [], 'a testament the module lacks');
    });
  }
  assert.deepEqual(parseConf('[KJV]\nModDrv=zText\nDataPath=./modules/texts/ztext/kjv/\nLang=en\n'), { ModDrv: 'zText', DataPath: './modules/texts/ztext/kjv/', Lang: 'en' });
});

test('OSIS: notes and titles go with their content, words stay, structure becomes paragraph breaks; no verse numbers', () => {
  const osis =
    '<chapter n="1" osisID="Gen.1" sID="Gen.1"/><verse osisID="Gen.1.1" n="1"/><title type="x-s">The Creation</title>' +
    '<w lemma="strong:H7225">In</w> the <w lemma="strong:H0430">beginning</w>, God<note placement="foot"><reference>1:1 </reference>Hebrew “Elohim”.</note><w>created</w> ' +
    '<transChange type="added">the</transChange> heavens &amp; the earth.<div type="x-p" sID="p2"/>“Let there be <l level="1"/>light,” <hi type="italic">he</hi> said.';
  const paragraphsOf = (/** @type {string} */ text) => text.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean);
  assert.deepEqual(paragraphsOf(osisToText(osis)), ['In the beginning, God created the heavens & the earth.', '“Let there be light,” he said.']);
  assert.deepEqual(paragraphsOf(osisToText(`${osis}<chapter n="2"/>Thus.`, { paragraphs: false })), ['In the beginning, God created the heavens & the earth. “Let there be light,” he said.', 'Thus.'], 'breaks at chapters only');
});

/** Writes R's XDR serialization, version 2, of strings, integer vectors and named lists. */
class XdrWriter {
  /** @type {Buffer[]} */
  parts = [Buffer.from('X\n')];
  constructor() {
    this.int(2).int(0x040201).int(0x020300);
  }
  /** @param {number} n */
  int(n) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    this.parts.push(b);
    return this;
  }
  /** @param {string | null} s */
  char(s) {
    if (s === null) return this.int(9).int(-1);
    const bytes = Buffer.from(s, 'utf8');
    this.int(9 | (8 << 12)).int(bytes.length);
    this.parts.push(bytes);
    return this;
  }
  /** @param {Array<string | null>} values @param {string[]} [names] */
  strings(values, names) {
    this.int(16 | (names ? 512 : 0)).int(values.length);
    for (const v of values) this.char(v);
    return names ? this.names(names) : this;
  }
  /** @param {number[]} values */
  ints(values) {
    this.int(13).int(values.length);
    for (const v of values) this.int(v);
    return this;
  }
  /** @param {Array<(w: XdrWriter) => void>} items @param {string[]} names */
  list(items, names) {
    this.int(19 | 512).int(items.length);
    for (const item of items) item(this);
    return this.names(names);
  }
  /** The attribute pairlist names = c(...), then its end. @param {string[]} names */
  names(names) {
    this.int(2 | 1024).int(1).char('names');
    this.strings(names);
    return this.int(254);
  }
  bytes() {
    return Buffer.concat(this.parts);
  }
}

test('R serialization: character vectors with NA and names, integer vectors, named lists', () => {
  const value = /** @type {any} */ (unserialize(new XdrWriter().strings(['Emma', null, 'Hé'], ['a', 'b', 'c']).bytes()));
  assert.deepEqual(value.values, ['Emma', null, 'Hé']);
  assert.deepEqual(value.attributes.get('names').values, ['a', 'b', 'c']);
  assert.throws(() => unserialize(Buffer.from('A\n')), /not R's XDR/);
  assert.throws(() => unserialize(new XdrWriter().int(3).bytes()), /type 3 .*not supported/);
});

test('R lazy-load database: the index names each object and where its zlib record is', () => {
  inTempDir((dir) => {
    const objects = [new XdrWriter().strings(['It is a truth', '', 'universally acknowledged.']).bytes(), new XdrWriter().strings(['Call me Ishmael.']).bytes()];
    const records = objects.map((o) => {
      const size = Buffer.alloc(4);
      size.writeUInt32BE(o.length);
      return Buffer.concat([size, deflateSync(o)]);
    });
    const offsets = [0, records[0].length];
    const index = new XdrWriter().list(
      [(w) => w.list(records.map((r, i) => (/** @type {XdrWriter} */ x) => x.ints([offsets[i], r.length])), ['austen', 'melville']), (w) => w.int(254), (w) => w.ints([1])],
      ['variables', 'references', 'compressed'],
    );
    writeFileSync(join(dir, 'Rdata.rdx'), gzipSync(index.bytes()));
    writeFileSync(join(dir, 'Rdata.rdb'), Buffer.concat(records));
    const db = readLazyLoadDb(join(dir, 'Rdata'));
    assert.deepEqual([...db.keys()], ['austen', 'melville']);
    assert.deepEqual(/** @type {any} */ (db.get('austen')).values, ['It is a truth', '', 'universally acknowledged.']);
    assert.deepEqual(/** @type {any} */ (db.get('melville')).values, ['Call me Ishmael.']);
  });
});

test('dictd: base-64 offsets, entries once each in data order, without the 00-database entries', () => {
  assert.equal(decodeNumber('Uz'), 20 * 64 + 51);
  assert.throws(() => decodeNumber('a-b'), /not a dictd number/);
  inTempDir((dir) => {
    const data = '00-database-info\nThis file is in the public domain.\n\nABNORMAL, adj.  Not conforming.\n\nPIRACY, n.  Commerce.\n';
    const at = (/** @type {string} */ s) => data.indexOf(s);
    const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const enc = (/** @type {number} */ n) => digits[Math.floor(n / 64)] + digits[n % 64];
    const line = (/** @type {string} */ head, /** @type {string} */ text) => `${head}\t${enc(at(text))}\t${enc(text.length)}`;
    writeFileSync(join(dir, 'd.index'), [line('00-database-info', '00-database-info\nThis file is in the public domain.\n'), line('piracy', 'PIRACY, n.  Commerce.\n'), line('abnormal', 'ABNORMAL, adj.  Not conforming.\n'), line('abnormality', 'ABNORMAL, adj.  Not conforming.\n')].join('\n') + '\n');
    writeFileSync(join(dir, 'd.dict.dz'), gzipSync(data));
    assert.deepEqual(readDictd(join(dir, 'd')), [
      { headword: 'abnormal', text: 'ABNORMAL, adj.  Not conforming.\n' },
      { headword: 'piracy', text: 'PIRACY, n.  Commerce.\n' },
    ]);
  });
});

test('fortune files: cookies between % lines, attribution lines left out', () => {
  const file = 'A bird in the hand\nmakes it hard to blow your nose.\n%\nA nickel ain\'t worth a dime anymore.\n\t\t-- Yogi Berra\n%\n  "Quoted," he said.\n    ― Somebody, "A Book"\n%\n';
  assert.deepEqual(parseFortunes(file), ['A bird in the hand makes it hard to blow your nose.', "A nickel ain't worth a dime anymore.", '"Quoted," he said.']);
});

test('dictionary entries: headwords, parts of speech, sense numbers and usage tags go, the prose stays', () => {
  assert.deepEqual(jargonEntryParagraphs('feeping creature\n n.\n\n    [from {feeping creaturism}] An unnecessary\n    feature.\n\n    2. [common] A second sense.\n'), [
    'An unnecessary feature.',
    'A second sense.',
  ]);
  assert.deepEqual(devilEntryParagraphs('ABNORMAL, adj.  Not conforming to standard.  In matters of\nthought, to be independent is to be abnormal.\n\n    Verse of it.\n'), [
    'Not conforming to standard.  In matters of thought, to be independent is to be abnormal.',
    'Verse of it.',
  ]);
});
