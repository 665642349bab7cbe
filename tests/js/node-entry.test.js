/** The package's `elmo-wasm/node` entry point (package.json "exports") resolves and exports the tools. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('elmo-wasm/node exports the Node tools', async () => {
  const node = await import('elmo-wasm/node');
  for (const name of ['convertModel', 'fetchModel', 'embedFile', 'writeVocabEmbeddings', 'tokenVectors', 'describeModel', 'defaultCacheDir']) {
    assert.equal(typeof node[name], 'function', name);
  }
});
