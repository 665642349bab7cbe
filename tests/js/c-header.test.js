/**
 * What JS restates of include/elmo.h (a wasm module exports functions, not
 * enums or macros) is checked against the header itself: the status codes,
 * the embed flags, the trainer's evaluation flags, and the limits in
 * js/defaults.js.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { DEFAULTS } from '../../js/defaults.js';
import { EMBED_FLAGS, Status } from '../../js/core/wasm-core.js';
import { EVAL_FLAGS } from '../../js/train/trainer.js';

const header = await readFile(new URL('../../include/elmo.h', import.meta.url), 'utf8');

/**
 * The `NAME = value` members of a C enum body, comments dropped.
 * @param {string} body
 * @returns {Record<string, number>}
 */
function enumMembers(body) {
  const members = body.replace(/\/\*[\s\S]*?\*\//g, '').split(',').map((m) => m.trim()).filter(Boolean);
  return Object.fromEntries(members.map((m) => {
    const [, name, value] = /^(\w+)\s*=\s*(-?\d+)$/.exec(m) ?? assert.fail(`cannot read enum member ${JSON.stringify(m)}`);
    return [name, Number(value)];
  }));
}

/** @param {string} name @returns {number} a #define's value: a number or (1 << k) */
function defined(name) {
  const match = new RegExp(`^#define ${name}\\s+(.+)$`, 'm').exec(header);
  assert.ok(match, `${name} is not #defined in elmo.h`);
  const value = match[1].trim();
  const shift = /^\((\d+)\s*<<\s*(\d+)\)$/.exec(value);
  if (shift) return Number(shift[1]) * 2 ** Number(shift[2]);
  assert.match(value, /^\d+$/, `${name} is ${value}`);
  return Number(value);
}

test('Status has exactly the codes of enum elmo_status', () => {
  const body = /typedef enum elmo_status \{([\s\S]*?)\} elmo_status;/.exec(header)?.[1];
  assert.ok(body, 'enum elmo_status not found');
  const codes = Object.fromEntries(Object.entries(enumMembers(body)).map(([name, value]) => [name.replace(/^ELMO_STATUS_/, ''), value]));
  assert.ok(Object.keys(codes).length >= 6, `only ${Object.keys(codes).length} codes read`);
  assert.deepEqual({ ...Status }, codes);
});

test('EMBED_FLAGS are the ELMO_EMBED_* flags', () => {
  const body = /\/\* Flags of elmo_embed\(\)\. \*\/\s*enum \{([\s\S]*?)\};/.exec(header)?.[1];
  assert.ok(body, 'the elmo_embed flags enum not found');
  const flags = Object.fromEntries(Object.entries(enumMembers(body)).map(([name, value]) => [name.replace(/^ELMO_EMBED_/, ''), value]));
  assert.deepEqual({ ...EMBED_FLAGS }, flags);
});

test('EVAL_FLAGS are the ELMO_TRAINER_EVAL_* flags', () => {
  const body = /\/\* Flags of elmo_trainer_eval\(\)\. \*\/\s*enum \{([\s\S]*?)\};/.exec(header)?.[1];
  assert.ok(body, 'the elmo_trainer_eval flags enum not found');
  const flags = Object.fromEntries(Object.entries(enumMembers(body)).map(([name, value]) => [name.replace(/^ELMO_TRAINER_EVAL_/, ''), value]));
  assert.deepEqual({ ...EVAL_FLAGS }, flags);
});

test('the limits in js/defaults.js are the core\'s', () => {
  assert.equal(DEFAULTS.numThreads.max, defined('ELMO_MAX_THREADS'));
  assert.equal(DEFAULTS.tokenCache.default, defined('ELMO_DEFAULT_TOKEN_CACHE'));
  assert.equal(DEFAULTS.tokenCache.max, defined('ELMO_MAX_TOKEN_CACHE'));
});

test('the defaults table cannot be changed', () => {
  assert.ok(Object.isFrozen(DEFAULTS));
  for (const [name, entry] of Object.entries(DEFAULTS)) assert.ok(Object.isFrozen(entry), name);
});
