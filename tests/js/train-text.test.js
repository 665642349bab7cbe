/**
 * The trainer's text input: js/train/text.js (lines, tokens, binary and
 * empty input) and js/node/train/text-files.js (a file or a folder of .txt).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTrainingText } from '../../js/node/train/text-files.js';
import { Corpus } from '../../js/train/corpus.js';
import { addText, countInvalidUtf8, TextReader } from '../../js/train/text.js';

/** @param {Corpus} corpus */
const sentencesOf = (corpus) => Array.from({ length: corpus.sentenceCount }, (_, i) => Array.from(corpus.sentence(i), (w) => corpus.words[w]));

test('one sentence per line, split on any white space; blank lines skipped; CRLF, CR and a BOM handled', () => {
  const corpus = new Corpus();
  const text = '\ufeffThe  cat\tsat .\r\n\r\n   \nDon\'t stop\rend';
  const stats = addText(corpus, text, 'in.txt');
  assert.deepEqual(sentencesOf(corpus), [['The', 'cat', 'sat', '.'], ["Don't", 'stop'], ['end']]);
  assert.deepEqual(stats, { bytes: Buffer.byteLength(text), sentences: 3, tokens: 7, invalidBytes: 0 });
});

test('tokenize: the built-in tokenizer splits punctuation and clitics', () => {
  const corpus = new Corpus();
  addText(corpus, "Don't stop, Mr. Smith.\n", 'in.txt', { tokenize: true });
  assert.deepEqual(sentencesOf(corpus), [['Do', "n't", 'stop', ',', 'Mr.', 'Smith', '.']]);
});

test('pieces of any size, even cutting a character, give the same corpus as the whole', () => {
  const text = new TextEncoder().encode('ünïcödé wörds 😀 here\nsecond line €\r\nthird');
  const whole = new Corpus();
  addText(whole, text, 'x');
  for (const size of [1, 2, 3, 7]) {
    const corpus = new Corpus();
    const reader = new TextReader(corpus, 'x');
    for (let i = 0; i < text.length; i += size) reader.push(text.subarray(i, i + size));
    reader.finish();
    assert.deepEqual(sentencesOf(corpus), sentencesOf(whole), `pieces of ${size}`);
  }
  assert.deepEqual(sentencesOf(whole)[0], ['ünïcödé', 'wörds', '😀', 'here']);
});

test('invalid UTF-8 is counted per byte: overlong, surrogate, past U+10FFFF, cut sequences', () => {
  const count = (/** @type {number[]} */ b) => countInvalidUtf8(Uint8Array.from(b));
  assert.equal(count([0x61, 0xf0, 0x9f, 0x98, 0x80, 0xe2, 0x82, 0xac, 0xc3, 0xa9]), 0);
  assert.equal(count([0xc0, 0x80]), 2);
  assert.equal(count([0xe0, 0x80, 0x80]), 3);
  assert.equal(count([0xed, 0xa0, 0x80]), 3);
  assert.equal(count([0xf4, 0x90, 0x80, 0x80]), 4);
  assert.equal(count([0x61, 0xe2, 0x82]), 2);
  assert.equal(count([0xff, 0x61]), 1);
});

test('binary input is refused naming the input: a NUL byte, or more than 1% invalid UTF-8; a stray byte is tolerated', () => {
  assert.throws(() => addText(new Corpus(), Uint8Array.from([0x61, 0x20, 0x62, 0, 0x63]), 'data.bin'), /^Error: data\.bin: NUL byte at offset 3: this is binary data, not text$/);
  const random = new Uint8Array(8192);
  for (let i = 0; i < random.length; i++) random[i] = 1 + ((i * 2654435761) >>> 24) % 255;
  assert.throws(() => addText(new Corpus(), random, 'image.png'), /^Error: image\.png: \d+ of its first \d+ bytes are not UTF-8/);
  assert.throws(() => addText(new Corpus(), Uint8Array.from([0x61, 0x20, 0xe9, 0x0a]), 'latin1.txt'), /latin1\.txt: 1 of its 4 bytes are not UTF-8/);
  const ascii = new TextEncoder().encode(`${'word '.repeat(300)}\n`);
  const stray = new Uint8Array(ascii.length + 2);
  stray.set(ascii);
  stray.set([0xff, 0x61], ascii.length);
  const corpus = new Corpus();
  assert.equal(addText(corpus, stray, 'mostly.txt').invalidBytes, 1);
  assert.deepEqual(sentencesOf(corpus)[1], ['\ufffda']);
});

test('empty input is refused naming it', () => {
  assert.throws(() => addText(new Corpus(), '', 'empty.txt'), /^Error: empty\.txt is empty: no bytes$/);
  assert.throws(() => addText(new Corpus(), ' \n\t\r\n', 'blank.txt'), /^Error: blank\.txt is empty: no tokens, only white space$/);
});

test('files: a file, or a folder of .txt files in name order; missing, empty and binary files named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-train-text-'));
  try {
    await mkdir(join(dir, 'corpus', 'sub'), { recursive: true });
    await writeFile(join(dir, 'corpus', 'b.txt'), 'second file\n');
    await writeFile(join(dir, 'corpus', 'a.txt'), 'first file\nline two');
    await writeFile(join(dir, 'corpus', 'notes.md'), 'not read\n');
    await writeFile(join(dir, 'corpus', 'sub', 'c.txt'), 'not read either\n');
    const { corpus, files } = await readTrainingText(join(dir, 'corpus'));
    assert.deepEqual(sentencesOf(corpus), [['first', 'file'], ['line', 'two'], ['second', 'file']]);
    assert.deepEqual(files.map((f) => [f.path, f.sentences, f.tokens]), [[join(dir, 'corpus', 'a.txt'), 2, 4], [join(dir, 'corpus', 'b.txt'), 1, 2]]);

    await writeFile(join(dir, 'corpus', 'c.txt'), '');
    await assert.rejects(readTrainingText(join(dir, 'corpus')), new RegExp(`^Error: ${join(dir, 'corpus', 'c.txt')} is empty`));
    await writeFile(join(dir, 'bin.txt'), Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]));
    await assert.rejects(readTrainingText(join(dir, 'bin.txt')), /bin\.txt: NUL byte at offset 4/);
    await assert.rejects(readTrainingText(join(dir, 'nothing.txt')), /nothing\.txt: no such file or folder/);
    await mkdir(join(dir, 'none'));
    await assert.rejects(readTrainingText(join(dir, 'none')), /none: the folder has no \.txt files/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('files larger than a read chunk: lines and characters across chunk boundaries come out whole', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-train-text-'));
  try {
    // 9 MiB of lines of 3-byte characters, so the 8 MiB chunk cuts one.
    const line = `${'€'.repeat(33)} x\n`;
    const lines = Math.ceil((9 * 1024 * 1024) / Buffer.byteLength(line));
    await writeFile(join(dir, 'big.txt'), line.repeat(lines));
    const { corpus, files } = await readTrainingText(join(dir, 'big.txt'));
    assert.equal(files[0].sentences, lines);
    assert.deepEqual(corpus.words, ['€'.repeat(33), 'x']);
    assert.equal(files[0].invalidBytes, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
