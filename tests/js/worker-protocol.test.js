/**
 * Errors between ElmoWorker and its worker keep their kind, name and message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ElmoError, Status } from '../../js/index.js';
import { errorFromWire, errorToWire } from '../../js/worker/worker-protocol.js';

/** @param {unknown} error */
const roundTrip = (error) => errorFromWire(structuredClone(errorToWire(error)));

test('TypeError, RangeError and Error come back as themselves', () => {
  for (const Class of [TypeError, RangeError, Error]) {
    const back = roundTrip(new Class('sentence 0, token 1 is bad'));
    assert.equal(back.constructor, Class);
    assert.equal(back.message, 'sentence 0, token 1 is bad');
  }
});

test('AbortError and TimeoutError come back as DOMExceptions of that name', () => {
  for (const name of ['AbortError', 'TimeoutError']) {
    const back = roundTrip(new DOMException('stopped', name));
    assert.ok(back instanceof DOMException);
    assert.equal(back.name, name);
    assert.equal(back.message, 'stopped');
  }
  assert.equal(roundTrip(AbortSignal.abort().reason).name, 'AbortError');
});

test('ElmoError keeps its status; other names and thrown non-errors are kept as Errors', () => {
  const back = roundTrip(new ElmoError('lstm/0/0/W_h: wrong shape', Status.INVALID_WEIGHTS));
  assert.ok(back instanceof ElmoError);
  assert.equal(/** @type {ElmoError} */ (back).status, Status.INVALID_WEIGHTS);
  const custom = new Error('x');
  custom.name = 'TransientError';
  assert.deepEqual([roundTrip(custom).name, roundTrip(custom).message], ['TransientError', 'x']);
  const thrown = roundTrip('a string');
  assert.ok(thrown instanceof Error);
  assert.equal(thrown.message, 'a string');
});
