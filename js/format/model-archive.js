/**
 * The model archive (models/FORMAT.md, "The model archive"): a model
 * directory as one file. A fixed 16-byte start, a JSON header listing the
 * files with their offsets and sizes, then the files' bytes one after
 * another in the header's order, manifest.json first. Browser-safe: the
 * converter writes it with archiveHeader, the loader reads it with
 * parseArchivePrefix and parseArchiveHeader.
 */
import { isPlainFileName } from './model-format.js';

/** The archive's first 8 bytes. */
export const ARCHIVE_MAGIC = 'ELMOWASM';
export const ARCHIVE_VERSION = 1;
/** Bytes before the JSON header: magic, version (uint32 LE), header length (uint32 LE). */
export const ARCHIVE_PREFIX_BYTES = 16;
/** The most a header may take: far above any model's file list, far below what would hurt to read. */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * @typedef {object} ArchiveEntry
 * @property {string} name a plain file name of the model directory
 * @property {number} offset bytes from the start of the archive
 * @property {number} byteLength
 */

/**
 * The bytes before the files: the prefix and the JSON header for files of
 * these sizes, laid out in this order (manifest.json must come first).
 * @param {Array<{ name: string, byteLength: number }>} files
 * @returns {{ bytes: Uint8Array, entries: ArchiveEntry[] }}
 */
export function archiveHeader(files) {
  if (files[0]?.name !== 'manifest.json') throw new Error('a model archive starts with manifest.json');
  // The offsets depend on the header's length, which depends on the offsets' digits: settle it.
  let headerBytes = 0;
  for (;;) {
    let at = ARCHIVE_PREFIX_BYTES + headerBytes;
    const entries = files.map(({ name, byteLength }) => ({ name, offset: (at += byteLength) - byteLength, byteLength }));
    const json = new TextEncoder().encode(JSON.stringify({ format: 'elmo-wasm-archive', files: entries }));
    if (json.length === headerBytes) {
      const bytes = new Uint8Array(ARCHIVE_PREFIX_BYTES + json.length);
      bytes.set(new TextEncoder().encode(ARCHIVE_MAGIC));
      const view = new DataView(bytes.buffer);
      view.setUint32(8, ARCHIVE_VERSION, true);
      view.setUint32(12, json.length, true);
      bytes.set(json, ARCHIVE_PREFIX_BYTES);
      return { bytes, entries };
    }
    headerBytes = json.length;
  }
}

/**
 * Checks an archive's first 16 bytes.
 * @param {Uint8Array} prefix
 * @param {string} location names the archive in messages
 * @returns {number} the JSON header's length
 */
export function parseArchivePrefix(prefix, location) {
  const magic = new TextDecoder().decode(prefix.subarray(0, 8));
  if (prefix.length < ARCHIVE_PREFIX_BYTES || magic !== ARCHIVE_MAGIC) {
    throw new Error(`${location}: not an elmo-wasm model archive (it does not start with "${ARCHIVE_MAGIC}"; write one with \`elmo-wasm convert … --single-file\`)`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, ARCHIVE_PREFIX_BYTES);
  const version = view.getUint32(8, true);
  if (version !== ARCHIVE_VERSION) throw new Error(`${location}: unsupported model archive version ${version} (this library reads ${ARCHIVE_VERSION})`);
  const headerBytes = view.getUint32(12, true);
  if (headerBytes > MAX_HEADER_BYTES) throw new Error(`${location}: the archive header's length ${headerBytes} is more than ${MAX_HEADER_BYTES} bytes`);
  return headerBytes;
}

/**
 * Checks the JSON header against the archive's size: plain file names, each
 * once, manifest.json first, the files one after another from the header's
 * end to the archive's end.
 * @param {Uint8Array} json the header's bytes
 * @param {number} archiveBytes the archive's size
 * @param {string} location
 * @returns {ArchiveEntry[]}
 */
export function parseArchiveHeader(json, archiveBytes, location) {
  /** @type {any} */
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(json));
  } catch (e) {
    throw new Error(`${location}: the archive header is not valid JSON: ${/** @type {Error} */ (e).message}`);
  }
  if (header?.format !== 'elmo-wasm-archive' || !Array.isArray(header.files) || header.files.length === 0) {
    throw new Error(`${location}: the archive header must be {"format": "elmo-wasm-archive", "files": [...]} with at least manifest.json`);
  }
  let at = ARCHIVE_PREFIX_BYTES + json.length;
  const seen = new Set();
  const entries = header.files.map((/** @type {any} */ f, /** @type {number} */ i) => {
    const where = `${location}: archive files[${i}]`;
    if (!isPlainFileName(f?.name)) throw new Error(`${where}.name must be a plain file name, got ${JSON.stringify(f?.name)}`);
    if (seen.has(f.name)) throw new Error(`${where}: ${f.name} is listed twice`);
    seen.add(f.name);
    if (f.offset !== at) throw new Error(`${where} (${f.name}): offset must be ${at}, where the previous file ends, got ${JSON.stringify(f.offset)}`);
    if (!Number.isSafeInteger(f.byteLength) || f.byteLength < 0) throw new Error(`${where} (${f.name}): byteLength must be a non-negative integer, got ${JSON.stringify(f.byteLength)}`);
    at += f.byteLength;
    return { name: f.name, offset: f.offset, byteLength: f.byteLength };
  });
  if (entries[0].name !== 'manifest.json') throw new Error(`${location}: the archive's first file must be manifest.json, got ${entries[0].name}`);
  if (at !== archiveBytes) {
    throw new Error(`${location}: ${at > archiveBytes ? 'truncated' : 'has bytes after its last file'}: its header lists ${at} bytes, the archive has ${archiveBytes}`);
  }
  return entries;
}
