/**
 * The trainer's vocabulary (js/train/vocab.js) and the corpus it is counted
 * from (js/train/corpus.js), and the data generator (js/train/prng.js).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Corpus } from '../../js/train/corpus.js';
import { Prng } from '../../js/train/prng.js';
import { buildVocabulary, formatVocabulary, parseVocabulary, Vocabulary } from '../../js/train/vocab.js';

/** @param {string[]} lines */
function corpusOf(lines) {
  const corpus = new Corpus();
  for (const line of lines) corpus.addSentence(line.split(' ').filter(Boolean));
  return corpus;
}

test('corpus: distinct tokens once, sentences as indices, counts', () => {
  const corpus = corpusOf(['a b a', '', 'c a']);
  assert.deepEqual(corpus.words, ['a', 'b', 'c']);
  assert.equal(corpus.sentenceCount, 3);
  assert.equal(corpus.tokenCount, 5);
  assert.deepEqual([...corpus.sentence(0)], [0, 1, 0]);
  assert.deepEqual([...corpus.sentence(1)], []);
  assert.deepEqual([...corpus.sentence(2)], [2, 0]);
  assert.deepEqual([...corpus.counts()], [3, 1, 1]);
  const { bytes, offsets } = corpusOf(['é x']).utf8();
  assert.deepEqual([...bytes], [0xc3, 0xa9, 0x78]);
  assert.deepEqual([...offsets], [0, 2, 3]);
  assert.throws(() => corpus.addSentence(['ok', '']), /token 1 must be a non-empty string/);
  assert.equal(corpus.tokenCount, 5, 'a refused sentence adds nothing');
});

test('corpus fingerprint: the same text gives the same one; a changed token or a moved line break another', () => {
  const f = corpusOf(['a b', 'c']).fingerprint();
  assert.match(f, /^[0-9a-f]{8}$/);
  assert.equal(corpusOf(['a b', 'c']).fingerprint(), f);
  assert.notEqual(corpusOf(['a b', 'd']).fingerprint(), f);
  assert.notEqual(corpusOf(['a', 'b c']).fingerprint(), f);
});

test('vocabulary: specials first, then by descending count, ties by first occurrence', () => {
  const corpus = corpusOf(['the cat sat', 'the dog sat', 'a dog <UNK> the']);
  const vocab = buildVocabulary(corpus);
  // the: 3; sat, dog: 2 (sat occurs first); cat, a: 1 (cat first); a literal <UNK> is no word.
  assert.deepEqual(vocab.words, ['<S>', '</S>', '<UNK>', 'the', 'sat', 'dog', 'cat', 'a']);
  assert.deepEqual([vocab.bos, vocab.eos, vocab.unk], [0, 1, 2]);
  assert.equal(vocab.idOf('dog'), 5);
  assert.equal(vocab.idOf('zebra'), 2);
  assert.deepEqual(buildVocabulary(corpus, { maxSize: 5 }).words, ['<S>', '</S>', '<UNK>', 'the', 'sat']);
  assert.deepEqual(buildVocabulary(corpus, { minCount: 2 }).words, ['<S>', '</S>', '<UNK>', 'the', 'sat', 'dog']);
  assert.throws(() => buildVocabulary(corpus, { maxSize: 2 }), /at least 3/);
  assert.throws(() => buildVocabulary(corpus, { minCount: 0 }), /positive integer/);
});

test('vocab.txt: one token per line, read back identically', () => {
  const vocab = buildVocabulary(corpusOf(['b a b ü']));
  const text = formatVocabulary(vocab);
  assert.equal(text, '<S>\n</S>\n<UNK>\nb\na\nü\n');
  assert.deepEqual(parseVocabulary(text).words, vocab.words);
});

test('vocab.txt as bilm-tf writes and reads it: specials anywhere, lines stripped, no final newline, CRLF, lm_1b marker', () => {
  // tests/test_data.py of bilm-tf writes '\n'.join(words) with the specials last.
  const v = parseVocabulary(['the', '.', 'āt', '<S>', '</S>', '<UNK>'].join('\n'));
  assert.deepEqual([v.bos, v.eos, v.unk, v.size], [3, 4, 5, 6]);
  assert.deepEqual(parseVocabulary('<S>\r\n</S>\r\n  <UNK> \r\nx\r\n').words, ['<S>', '</S>', '<UNK>', 'x']);
  assert.deepEqual(parseVocabulary('</S>\n<S>\n!!!MAXTERMID\n<UNK>\nthe\n').words, ['</S>', '<S>', '<UNK>', 'the']);
});

test('vocab.txt without a special, with a duplicate or an empty line is refused, naming the problem', () => {
  assert.throws(() => parseVocabulary('<S>\n</S>\nthe\n', 'v.txt'), /^Error: v\.txt: missing the special token <UNK>/);
  assert.throws(() => parseVocabulary('the\ncat\n', 'v.txt'), /missing the special tokens <S>, <\/S>, <UNK>/);
  assert.throws(() => parseVocabulary('<S>\n</S>\n<UNK>\nthe\ncat\nthe\n', 'v.txt'), /v\.txt: token "the" appears twice \(lines 4 and 6\)/);
  assert.throws(() => parseVocabulary('<S>\n!!!MAXTERMID\n</S>\n<UNK>\nx\nx\n', 'v.txt'), /appears twice \(lines 5 and 6\)/);
  assert.throws(() => parseVocabulary('<S>\n</S>\n\n<UNK>\n', 'v.txt'), /v\.txt: line 3 is empty/);
  assert.throws(() => parseVocabulary('', 'v.txt'), /v\.txt is empty/);
  assert.throws(() => new Vocabulary(['<S>', '</S>', '<UNK>', 'a b\nc']), /line break/);
});

test('prng: xoshiro128** known answers, state round trip, unbiased range, shuffle', () => {
  // From the reference algorithm by hand, state {1, 2, 3, 4}.
  const p = Prng.fromState([1, 2, 3, 4]);
  assert.deepEqual([p.nextUint32(), p.nextUint32(), p.nextUint32()], [11520, 0, 5927040]);
  const a = new Prng(42);
  for (let i = 0; i < 10; i++) a.nextUint32();
  const b = Prng.fromState(JSON.parse(JSON.stringify(a.state())));
  assert.deepEqual(Array.from({ length: 5 }, () => a.nextUint32()), Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(new Prng(1).state(), new Prng(2).state());
  const seen = new Uint32Array(3);
  const r = new Prng(7);
  for (let i = 0; i < 3000; i++) seen[r.below(3)]++;
  assert.ok(seen.every((n) => n > 800 && n < 1200), `below(3) counts ${seen}`);
  const items = [0, 1, 2, 3, 4, 5, 6, 7];
  const shuffled = new Prng(3).shuffle([...items]);
  assert.deepEqual([...shuffled].sort(), items);
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual(new Prng(3).shuffle([...items]), shuffled);
  assert.throws(() => new Prng(-1), /seed must be an integer/);
  assert.throws(() => Prng.fromState([0, 0, 0, 0]), /not all zero/);
});
