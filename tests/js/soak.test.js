/**
 * Soak: 10,000 embed calls of random sizes in one process (tests/js/soak-run.js,
 * run with --expose-gc): wasm memory flat after warm-up, the JS heap with no
 * upward trend, stateless results equal to a fresh engine's, and concurrent
 * calls on one instance equal to sequential ones.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { convertFixture, fixtureSentences } from './fixture.js';

test('10,000 calls: flat wasm memory, no heap trend, the same results as a fresh engine, concurrent = sequential', async (t) => {
  const converted = await convertFixture();
  try {
    const sentencesPath = join(converted.dir, 'sentences.json');
    await writeFile(sentencesPath, JSON.stringify((await fixtureSentences()).flat().map((s) => s.split(' '))));
    const script = fileURLToPath(new URL('./soak-run.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script, converted.modelDir, sentencesPath], { maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    const mb = (/** @type {number} */ x) => (x / 2 ** 20).toFixed(2);
    t.diagnostic(`${r.calls} calls, ${r.tokens} tokens in ${r.seconds.toFixed(1)} s; wasm memory ${mb(r.memoryAfterWarmUp)} → ${mb(r.memoryAtEnd)} MB; ` +
      `heap after gc: first quarter ${mb(r.heapFirstQuarter)} MB, last quarter ${mb(r.heapLastQuarter)} MB; ${r.spotChecks} spot checks`);
    assert.equal(r.calls, 10_000);
    assert.equal(r.memoryAtEnd, r.memoryAfterWarmUp, 'wasm memory grew after warm-up');
    assert.ok(r.heapLastQuarter <= r.heapFirstQuarter * 1.1 + 2 ** 20, 'the JS heap grows');
    assert.ok(r.spotChecks >= 5);
    assert.equal(r.mismatches, 0, 'a stateless result differs from a fresh engine\'s');
    assert.equal(r.concurrentSame, true, 'concurrent calls differ from sequential ones');
  } finally {
    await converted.cleanup();
  }
});
