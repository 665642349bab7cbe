/**
 * `elmo-wasm convert --softmax --vocab`: a model folder that carries its
 * softmax (shards of W [V, P] and b [V]) and vocabulary for fine-tuning,
 * listed and sha256-checked in the manifest like the weights, the weights
 * themselves unchanged; mismatched files refused by name; hostile softmax
 * and vocab entries refused at load, before anything is read.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { parseManifest } from '../../js/format/model-format.js';
import { readSoftmax } from '../../js/node/train/bilm-hdf5.js';
import { convertFixture, convertFixtureForFineTune, modelRegion, optionsPath, weightsPath } from './fixture.js';
import { elmoWasm } from './run-cli.js';

/** @type {Awaited<ReturnType<typeof convertFixtureForFineTune>>} */
let fixture;
before(async () => {
  fixture = await convertFixtureForFineTune();
});
after(() => fixture?.cleanup());

describe('the converter with --softmax and --vocab', () => {
  test('lists the softmax shards and vocab.txt in the manifest, sha256 and all; the weights are those of a plain conversion', async () => {
    const manifest = JSON.parse(await readFile(join(fixture.modelDir, 'manifest.json'), 'utf8'));
    const V = fixture.vocab.size;
    assert.deepEqual(manifest.softmax.tensors, [
      { name: 'W', shape: [V, 16], dtype: 'float32', offset: 0 },
      { name: 'b', shape: [V], dtype: 'float32', offset: Math.ceil((4 * V * 16) / 64) * 64 },
    ]);
    assert.equal(manifest.vocab.words, V);
    assert.equal(await readFile(join(fixture.modelDir, 'vocab.txt'), 'utf8'), await readFile(fixture.vocabPath, 'utf8'));
    for (const file of [...manifest.softmax.shards, manifest.vocab]) {
      assert.equal(createHash('sha256').update(await readFile(join(fixture.modelDir, file.path))).digest('hex'), file.sha256, file.path);
    }
    const softmax = await readFile(join(fixture.modelDir, manifest.softmax.shards[0].path));
    const W = new Float32Array(softmax.buffer, softmax.byteOffset, V * 16);
    assert.deepEqual(W, (await readSoftmax(fixture.softmaxPath)).W.data);

    const plain = await convertFixture();
    try {
      const a = await modelRegion(plain.modelDir);
      const b = await modelRegion(fixture.modelDir);
      assert.deepEqual(b.region, a.region);
      assert.deepEqual(b.manifest.weights, a.manifest.weights);
    } finally {
      await plain.cleanup();
    }
  });

  test('the CLI takes --softmax with --vocab; mismatched files are refused by name', async () => {
    const out = join(fixture.dir, 'cli-model');
    const r = await elmoWasm('convert', optionsPath, weightsPath, out, '--softmax', fixture.softmaxPath, '--vocab', fixture.vocabPath);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`softmax and vocabulary of ${fixture.vocab.size} words`));
    const info = await elmoWasm('info', out);
    assert.match(info.stdout, new RegExp(`^fine-tuning +softmax and vocabulary of ${fixture.vocab.size} words$`, 'm'));
    const alone = await elmoWasm('convert', optionsPath, weightsPath, join(fixture.dir, 'x'), '--softmax', fixture.softmaxPath);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--softmax and --vocab go together/);
    const short = join(fixture.dir, 'short-vocab.txt');
    await writeFile(short, '<S>\n</S>\n<UNK>\nthe\n');
    const fewer = await elmoWasm('convert', optionsPath, weightsPath, join(fixture.dir, 'y'), '--softmax', fixture.softmaxPath, '--vocab', short);
    assert.equal(fewer.code, 1);
    assert.match(fewer.stderr, new RegExp(`softmax\\.hdf5: W has ${fixture.vocab.size} rows, but short-vocab\\.txt has 4 words`));
    const noSpecials = join(fixture.dir, 'no-specials.txt');
    await writeFile(noSpecials, 'the\ncat\n');
    const bad = await elmoWasm('convert', optionsPath, weightsPath, join(fixture.dir, 'z'), '--softmax', fixture.softmaxPath, '--vocab', noSpecials);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /no-specials\.txt: missing the special tokens <S>, <\/S>, <UNK>/);
  });
});

test('hostile softmax and vocab entries: the load is refused naming the field, before anything is read', async (t) => {
  const text = await readFile(join(fixture.modelDir, 'manifest.json'), 'utf8');
  const V = fixture.vocab.size;
  /** @type {Array<[string, (m: any) => void, RegExp]>} */
  const cases = [
    ['a softmax without vocab', (m) => { delete m.vocab; }, /softmax without vocab; a model for fine-tuning carries both/],
    ['a vocab without softmax', (m) => { delete m.softmax; }, /vocab without softmax/],
    ['a vocab path outside the folder', (m) => { m.vocab.path = '../vocab.txt'; }, /vocab\.path must be a plain file name, got "\.\.\/vocab\.txt"/],
    ['a softmax shard on another origin', (m) => { m.softmax.shards[0].path = 'https://evil/x.bin'; }, /softmax\.shards\[0\]\.path must be a plain file name/],
    ['a softmax shard without its hash', (m) => { delete m.softmax.shards[0].sha256; }, /softmax\.shards\[0\]\.sha256 must be 64 lowercase hex digits/],
    ['W of another width', (m) => { m.softmax.tensors[0].shape = [V, 8]; }, new RegExp(`softmax\\.tensors must be .* for a vocabulary of ${V} words and projection_dim 16`)],
    ['b at another offset', (m) => { m.softmax.tensors[1].offset += 64; }, /softmax\.tensors must be/],
    ['a vocabulary size that is not W\'s', (m) => { m.vocab.words = V + 1; }, /softmax\.tensors must be/],
    ['too few words', (m) => { m.vocab.words = 2; }, /vocab\.words must be an integer of at least 3/],
    ['a region that is not W and b', (m) => {
      m.softmax.byteLength += 64;
      m.softmax.shards[0].byteLength += 64;
    }, /softmax\.byteLength is \d+, but W \[\d+, 16\] and b \[\d+\] take \d+/],
    ['shards that do not add up', (m) => { m.softmax.shards[0].byteLength -= 4; }, /softmax\.shards hold \d+ bytes but softmax\.byteLength is \d+/],
    ['a file listed twice', (m) => { m.vocab.path = m.shards[0].path; }, /the file name "weights-00001-of-00001\.bin" is listed twice/],
  ];
  for (const [what, edit, expected] of cases) {
    const m = JSON.parse(text);
    edit(m);
    assert.throws(() => parseManifest(JSON.stringify(m)), expected, what);
  }
  // Through the loader: refused before a shard is read, and the same model with a sound manifest loads.
  const m = JSON.parse(text);
  m.softmax.shards[0].path = '../../etc/passwd';
  const dir = join(fixture.dir, 'hostile-softmax');
  await cp(fixture.modelDir, dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
  await assert.rejects(Elmo.load(dir), /softmax\.shards\[0\]\.path must be a plain file name, got "\.\.\/\.\.\/etc\/passwd"/);
  t.diagnostic(`${cases.length} manifest faults refused`);
});

