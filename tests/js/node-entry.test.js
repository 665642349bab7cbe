/** The package's entry points (package.json "exports"): `elmo-wasm/node` and `elmo-wasm` resolve and export their tools. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('elmo-wasm/node exports the Node tools', async () => {
  const node = await import('elmo-wasm/node');
  for (const name of ['convertModel', 'fetchModel', 'embedFile', 'writeVocabEmbeddings', 'tokenVectors', 'describeModel', 'defaultCacheDir']) {
    assert.equal(typeof node[name], 'function', name);
  }
});

test("elmo-wasm's browser-safe entry exports the engines and the Trainer", async () => {
  const lib = await import('elmo-wasm');
  for (const name of ['Elmo', 'ElmoWorker', 'Trainer']) assert.equal(typeof lib[name], 'function', name);
  assert.equal(typeof lib.Elmo.prototype.fineTune, 'function');
  assert.equal(typeof lib.ElmoWorker.prototype.exportWeights, 'function');
  assert.equal(typeof lib.Trainer.create, 'function');
});
