/**
 * The JS API's contract: shapes, bad input, disposal, loading errors, progress.
 */
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Elmo, ElmoError, Status } from '../../js/index.js';
import { convertFixture, maxAbsDiff } from './fixture.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Elmo} */
let elmo;
before(async () => {
  converted = await convertFixture({ shardBytes: 64 * 1024 });
  elmo = await Elmo.load(converted.modelDir);
});
after(async () => {
  elmo.dispose();
  await converted.cleanup();
});

describe('embed', () => {
  test('shapes: all layers, tokens, 2 * projection_dim', async () => {
    const out = await elmo.embed([['The', 'cat', 'sat', '.'], ['Hi']]);
    assert.equal(out.length, 2);
    assert.deepEqual(out[0].shape, [3, 4, 32]);
    assert.deepEqual(out[1].shape, [3, 1, 32]);
    assert.equal(out[0].data.length, 3 * 4 * 32);
    assert.ok(out[0].data instanceof Float32Array);
    assert.ok(out[0].data.every(Number.isFinite));
  });

  test('layer 0 is the context-free token vector twice', async () => {
    const [a] = await elmo.embed([['bank', 'of', 'the', 'river']]);
    const [b] = await elmo.embed([['the', 'bank', 'closed']]);
    const token = (e, t) => e.data.subarray(t * 32, t * 32 + 32);
    assert.deepEqual(token(a, 0).subarray(0, 16), token(a, 0).subarray(16));
    assert.deepEqual(token(a, 0), token(b, 1));
    // Layer 1 is contextual: the same word differs in another sentence.
    const layer1 = (e, n, t) => e.data.subarray((n + t) * 32, (n + t + 1) * 32);
    assert.ok(maxAbsDiff(layer1(a, 4, 0), layer1(b, 3, 1)) > 1e-4);
  });

  test('an empty sentence gives (n_layers+1, 0, 2P); an empty batch gives []', async () => {
    const out = await elmo.embed([[], ['word']]);
    assert.deepEqual(out[0].shape, [3, 0, 32]);
    assert.equal(out[0].data.length, 0);
    assert.deepEqual(out[1].shape, [3, 1, 32]);
    assert.deepEqual(await elmo.embed([]), []);
  });

  test('keepBoundaries adds <S> and </S> around the same token outputs', async () => {
    const tokens = ['Stay', 'open', ',', 'please'];
    const [plain] = await elmo.embed([tokens]);
    const [kept] = await elmo.embed([tokens], { keepBoundaries: true });
    assert.deepEqual(kept.shape, [3, 6, 32]);
    for (let l = 0; l < 3; l++) {
      const inner = kept.data.subarray((l * 6 + 1) * 32, (l * 6 + 5) * 32);
      assert.deepEqual(inner, plain.data.subarray(l * 4 * 32, (l + 1) * 4 * 32));
    }
  });

  test('non-ASCII tokens and tokens longer than 48 bytes are embedded', async () => {
    const long = 'é'.repeat(30) + 'x'.repeat(10);
    const [out] = await elmo.embed([['naïve', '東京', long, '😀']]);
    assert.deepEqual(out.shape, [3, 4, 32]);
    assert.ok(out.data.every(Number.isFinite));
    // The cut at 48 bytes makes tokens that share their first 48 bytes equal at layer 0.
    const [other] = await elmo.embed([[long + 'tail']]);
    assert.deepEqual(other.data.subarray(0, 32), out.data.subarray(2 * 32, 3 * 32));
  });

  const badInputs = [
    ['not an array', 42, TypeError, /sentences must be an array/],
    ['a sentence that is a number', [['ok'], 5], TypeError, /sentence 1 must be an array of token strings, got number/],
    ['a number token', [['ok'], ['a', 7]], TypeError, /sentence 1, token 1 must be a string, got number/],
    ['a null token', [[null]], TypeError, /sentence 0, token 0 must be a string, got null/],
    ['an empty token', [['a', 'b', '']], RangeError, /sentence 0, token 2 is an empty string/],
  ];
  for (const [what, input, type, message] of badInputs) {
    test(`${what} is refused with ${type.name} and the engine stays usable`, async () => {
      await assert.rejects(elmo.embed(/** @type {any} */ (input)), (e) => e instanceof type && message.test(e.message));
      const [out] = await elmo.embed([['still', 'works']]);
      assert.deepEqual(out.shape, [3, 2, 32]);
    });
  }
});

describe('lifecycle', () => {
  test('dispose is safe twice and later calls throw a clear error', async () => {
    const local = await Elmo.load(converted.modelDir);
    local.dispose();
    local.dispose();
    await assert.rejects(local.embed([['x']]), /disposed/);
    assert.throws(() => local.resetState(), /disposed/);
  });

  test('progress events rise to the model-wide total, then ready', async () => {
    const events = [];
    const local = await Elmo.load(converted.modelDir, { onProgress: (e) => events.push(e) });
    local.dispose();
    const manifest = JSON.parse(await readFile(join(converted.modelDir, 'manifest.json'), 'utf8'));
    const total = manifest.weights.byteLength;
    assert.ok(manifest.shards.length > 1, 'the test model is sharded');
    let last = 0;
    for (const e of events) {
      assert.equal(e.total, total);
      assert.ok(e.loaded >= last, 'loaded never decreases');
      last = e.loaded;
    }
    assert.equal(events.filter((e) => e.status === 'done').length, manifest.shards.length);
    assert.deepEqual(events.at(-1), { status: 'ready', loaded: total, total, progress: 100 });
  });
});

describe('loading errors', () => {
  /** @param {(dir: string, manifest: any) => Promise<void> | void} damage */
  async function damagedCopy(damage) {
    const dir = join(converted.dir, `damaged-${Math.random().toString(36).slice(2)}`);
    await cp(converted.modelDir, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    await damage(dir, manifest);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    return dir;
  }

  test('a missing directory names the manifest path', async () => {
    await assert.rejects(Elmo.load(join(converted.dir, 'nope')), /manifest\.json/);
  });

  test('a corrupted shard is refused, naming the shard', async () => {
    const dir = await damagedCopy(async (d, m) => {
      const path = join(d, m.shards[1].path);
      const bytes = await readFile(path);
      bytes[100] ^= 0xff;
      await writeFile(path, bytes);
    });
    await assert.rejects(Elmo.load(dir), /weights-00002-of-\d+\.bin: sha256 mismatch/);
  });

  test('a truncated shard is refused, naming the shard', async () => {
    const dir = await damagedCopy(async (d, m) => {
      const path = join(d, m.shards[0].path);
      await writeFile(path, (await readFile(path)).subarray(0, 1000));
    });
    await assert.rejects(Elmo.load(dir), /weights-00001-of-\d+\.bin: truncated/);
  });

  test('a tensor of the wrong shape is refused by the core, naming the tensor', async () => {
    const dir = await damagedCopy((_, m) => {
      const t = m.weights.tensors.find((x) => x.name === 'lstm/1/0/W_h');
      t.shape = [t.shape[0], t.shape[1] / 2];
    });
    await assert.rejects(Elmo.load(dir), (e) => e instanceof ElmoError && e.status === Status.INVALID_WEIGHTS && /lstm\/1\/0\/W_h/.test(e.message));
  });

  test('inconsistent options are refused by the core, naming the field', async () => {
    const dir = await damagedCopy((_, m) => {
      m.options.lstm.n_layers = 0;
    });
    await assert.rejects(Elmo.load(dir), (e) => e instanceof ElmoError && e.status === Status.INVALID_CONFIG && /n_layers/.test(e.message));
  });
});
