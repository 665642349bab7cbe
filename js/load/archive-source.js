/**
 * A model archive (models/FORMAT.md) as a model source: its header is read
 * and checked, then its files are slices of the Blob or buffer (a Blob's
 * slice reads nothing until it is streamed) given to filesSource.
 */
import { ARCHIVE_PREFIX_BYTES, parseArchiveHeader, parseArchivePrefix } from '../format/model-archive.js';
import { asBytes, filesSource } from './files-source.js';

/**
 * @param {Blob | ArrayBuffer | ArrayBufferView} archive
 * @param {string} location names the archive in messages
 * @returns {Promise<import('./model-sources.js').ModelSource>}
 */
export async function archiveSource(archive, location) {
  const blob = archive instanceof Blob ? archive : null;
  const bytes = blob ? null : asBytes(/** @type {ArrayBuffer | ArrayBufferView} */ (archive));
  const size = blob ? blob.size : /** @type {Uint8Array} */ (bytes).length;
  /** @param {number} start @param {number} end */
  const slice = (start, end) => (blob ? blob.slice(start, end) : /** @type {Uint8Array} */ (bytes).subarray(start, end));
  /** @param {number} start @param {number} end */
  const read = async (start, end) => (blob ? new Uint8Array(await blob.slice(start, end).arrayBuffer()) : /** @type {Uint8Array} */ (bytes).subarray(start, end));

  const headerBytes = parseArchivePrefix(await read(0, ARCHIVE_PREFIX_BYTES), location);
  const header = await read(ARCHIVE_PREFIX_BYTES, ARCHIVE_PREFIX_BYTES + headerBytes);
  if (header.length < headerBytes) throw new Error(`${location}: truncated in its header (${size} bytes)`);
  const entries = parseArchiveHeader(header, size, location);
  return filesSource(new Map(entries.map((e) => [e.name, slice(e.offset, e.offset + e.byteLength)])), location);
}
