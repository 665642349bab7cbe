/**
 * Models from anywhere: `convert --single-file` writes a model archive that
 * Elmo.load takes as a path, Blob, File, ArrayBuffer or byte view, and the
 * CLI's info and embed take like a folder; a Map, object or list of Files
 * loads too. Each gives the folder's numbers; a broken archive or file map
 * is refused naming what is wrong.
 */
import assert from 'node:assert/strict';
import { openAsBlob } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo, listCachedModels } from '../../js/index.js';
import { ARCHIVE_PREFIX_BYTES } from '../../js/format/model-archive.js';
import { convertFixture, fixtureSentences, optionsPath, weightsPath } from './fixture.js';
import { filesOf } from './model-forms.js';
import { elmoWasm } from './run-cli.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {string} */ let archivePath;
/** @type {Uint8Array} */ let archive;
/** @type {string[][]} */ let sentences;
/** @type {Float32Array[]} */ let want;

/** @param {import('../../js/index.js').ModelInput} model */
async function embedWith(model) {
  const elmo = await Elmo.load(model, { numThreads: 1 });
  try {
    return (await elmo.embed(sentences)).map((r) => r.data);
  } finally {
    elmo.dispose();
  }
}

/** @param {import('../../js/index.js').ModelInput} model @returns {Promise<string>} */
const loadError = (model) => Elmo.load(model, { numThreads: 1 }).then((e) => (e.dispose(), 'loaded'), (e) => `${e.name}: ${e.message}`);

before(async () => {
  converted = await convertFixture({ shardBytes: 128 * 1024 });
  sentences = (await fixtureSentences())[2].slice(0, 4).map((s) => s.split(' '));
  want = await embedWith(converted.modelDir);
  archivePath = join(converted.dir, 'tiny.elmo');
  const r = await elmoWasm('convert', optionsPath, weightsPath, archivePath, '--single-file', '--shard-mb', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /in one model archive of \d+ bytes/);
  archive = new Uint8Array(await readFile(archivePath));
});
after(() => converted?.cleanup());

test('the archive: magic, header, then manifest.json and the shards, as models/FORMAT.md says', () => {
  assert.equal(Buffer.from(archive.subarray(0, 8)).toString('latin1'), 'ELMOWASM');
  const view = new DataView(archive.buffer, archive.byteOffset);
  assert.equal(view.getUint32(8, true), 1);
  const header = JSON.parse(Buffer.from(archive.subarray(16, 16 + view.getUint32(12, true))).toString('utf8'));
  assert.equal(header.format, 'elmo-wasm-archive');
  assert.deepEqual(header.files.map((/** @type {any} */ f) => f.name), ['manifest.json', 'weights-00001-of-00001.bin']);
  const manifest = JSON.parse(Buffer.from(archive.subarray(header.files[0].offset, header.files[0].offset + header.files[0].byteLength)).toString('utf8'));
  assert.equal(manifest.name, 'tiny');
});

test('Elmo.load takes the archive as a path, Blob, File, ArrayBuffer and a view into a larger buffer: the folder\'s numbers', async () => {
  const padded = new Uint8Array(archive.length + 100);
  padded.set(archive, 37);
  const forms = {
    path: archivePath,
    blob: await openAsBlob(archivePath),
    file: new File([archive], 'tiny.elmo'),
    arrayBuffer: archive.slice().buffer,
    view: padded.subarray(37, 37 + archive.length),
  };
  for (const [form, model] of Object.entries(forms)) assert.deepEqual(await embedWith(model), want, form);
});

test('Elmo.load takes the folder\'s files as a Map of Uint8Arrays, an object of ArrayBuffers and Blobs, and a list of Files', async () => {
  const map = await filesOf(converted.modelDir);
  const names = await readdir(converted.modelDir);
  assert.deepEqual(await embedWith(map), want, 'Map');
  const object = Object.fromEntries([...map].map(([n, b], i) => [n, i % 2 ? new Blob([b]) : b.slice().buffer]));
  assert.deepEqual(await embedWith(object), want, 'object');
  assert.deepEqual(await embedWith([...map].map(([n, b]) => new File([b], n))), want, 'File list');
  assert.equal(map.size, names.length);
});

test('the CLI: info and embed --model take the archive as they take the folder', async () => {
  const info = await elmoWasm('info', archivePath);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /^name\s+tiny$/m);
  await writeFile(join(converted.dir, 'in.txt'), `${sentences.map((s) => s.join(' ')).join('\n')}\n`);
  const outs = [];
  for (const model of [archivePath, converted.modelDir]) {
    const out = join(converted.dir, `out-${outs.length}.jsonl`);
    const r = await elmoWasm('embed', join(converted.dir, 'in.txt'), out, '--model', model, '--top', '--threads', '1');
    assert.equal(r.code, 0, r.stderr);
    outs.push(await readFile(out, 'utf8'));
  }
  assert.equal(outs[0], outs[1]);
});

test('convert --single-file refuses to overwrite a file that is not a model archive', async () => {
  const victim = join(converted.dir, 'notes.txt');
  await writeFile(victim, 'keep me');
  const r = await elmoWasm('convert', optionsPath, weightsPath, victim, '--single-file');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /notes\.txt exists and is not an elmo-wasm model archive; refusing to overwrite it/);
  assert.equal(await readFile(victim, 'utf8'), 'keep me');
});

/** @param {(header: any) => void} edit @returns {Uint8Array} the archive with its header edited (rewritten in place) */
function withHeader(edit) {
  const view = new DataView(archive.buffer, archive.byteOffset);
  const length = view.getUint32(12, true);
  const header = JSON.parse(Buffer.from(archive.subarray(16, 16 + length)).toString('utf8'));
  edit(header);
  const json = Buffer.from(JSON.stringify(header).padEnd(length));
  assert.equal(json.length, length, 'the edited header fits');
  const copy = archive.slice();
  copy.set(json, ARCHIVE_PREFIX_BYTES);
  return copy;
}

const archiveCases = [
  ['not an archive', () => new TextEncoder().encode('{"format":"elmo-wasm-model"}'), /not an elmo-wasm model archive \(it does not start with "ELMOWASM"/],
  ['empty', () => new Uint8Array(0), /not an elmo-wasm model archive/],
  ['another version', () => { const c = archive.slice(); c[8] = 2; return c; }, /unsupported model archive version 2/],
  ['a header length past 1 MiB', () => { const c = archive.slice(); new DataView(c.buffer).setUint32(12, 2 ** 30, true); return c; }, /header's length 1073741824 is more than 1048576 bytes/],
  ['truncated', () => archive.slice(0, archive.length - 10), /truncated: its header lists \d+ bytes, the archive has \d+/],
  ['cut inside its header', () => archive.slice(0, 40), /truncated in its header/],
  ['bytes after its last file', () => new Uint8Array([...archive, 0, 0]), /has bytes after its last file/],
  ['a file name with ..', () => withHeader((h) => { h.files[1].name = '../x.bin'; }), /archive files\[1\]\.name must be a plain file name, got "\.\.\/x\.bin"/],
  ['a file listed twice', () => withHeader((h) => { h.files[1].name = 'manifest.json'; }), /archive files\[1\]: manifest\.json is listed twice/],
  ['overlapping files', () => withHeader((h) => { h.files[1].offset -= 1; }), /archive files\[1\] \(weights-00001-of-00001\.bin\): offset must be \d+, where the previous file ends/],
  ['no manifest first', () => withHeader((h) => { h.files[0].name = 'options.json'; }), /the archive's first file must be manifest\.json, got options\.json/],
  ['a header that is not JSON', () => withHeader((h) => { h.files = '}'; }), /the archive header must be \{"format": "elmo-wasm-archive", "files": \[\.\.\.\]\}/],
];

for (const [name, make, expected] of archiveCases) {
  test(`archive: ${name} → refused naming what is wrong`, async () => {
    const bytes = /** @type {() => Uint8Array} */ (make)();
    assert.match(await loadError(new File([bytes], 'bad.elmo')), new RegExp(`^Error: model archive bad\\.elmo: .*${/** @type {RegExp} */ (expected).source}`));
    assert.match(await loadError(bytes), /** @type {RegExp} */ (expected));
  });
}

test('files: a missing shard, a value that is not bytes, a nameless file and a number are refused naming them', async () => {
  const map = await filesOf(converted.modelDir);
  map.delete('weights-00003-of-00004.bin');
  assert.equal(await loadError(map), 'Error: the 4 model files given: has no file weights-00003-of-00004.bin (it has manifest.json, weights-00001-of-00004.bin, weights-00002-of-00004.bin, weights-00004-of-00004.bin)');
  assert.equal(await loadError({ 'manifest.json': 'text' }), 'TypeError: model files: "manifest.json" must be a Blob, File, ArrayBuffer or Uint8Array, got string');
  assert.match(await loadError([new Blob([])]), /^TypeError: model files: entry 0 has no file name/);
  assert.match(await loadError(/** @type {any} */ (42)), /^TypeError: Elmo\.load takes a model folder or URL, a model archive \(Blob, File, ArrayBuffer, Uint8Array\) or a map of its files; got number/);
});

test('listCachedModels: none in Node (no Cache API)', async () => {
  assert.deepEqual(await listCachedModels(), []);
});
