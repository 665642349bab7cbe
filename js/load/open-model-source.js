/**
 * What `Elmo.load` is given, made a model source: a folder (Node) or its
 * URL, a model archive (a Blob or File, an ArrayBuffer or byte view, or in
 * Node an archive file's path), or a map of the model's files. Every kind
 * then goes through the same loader and the same checks.
 */
import { isNode } from '../core/runtime.js';
import { fileSource, hasScheme, httpSource } from './model-sources.js';
import { filesSource, isByteBuffer, namedFiles } from './files-source.js';
import { archiveSource } from './archive-source.js';

/**
 * @typedef {string | URL | Blob | ArrayBuffer | ArrayBufferView | import('./files-source.js').ModelFiles} ModelInput
 */

/**
 * A path on disk: the model folder, or an archive file (read through a Blob
 * of the file, which reads only the parts asked for).
 * @param {string} path
 */
async function diskSource(path) {
  const { openAsBlob, promises } = await import('node:fs');
  const isFile = await promises.stat(path).then((s) => s.isFile(), () => false);
  return isFile ? archiveSource(await openAsBlob(path), path) : fileSource(path);
}

/**
 * @param {ModelInput} where
 * @returns {Promise<import('./model-sources.js').ModelSource>}
 */
export async function openModelSource(where) {
  if (typeof where === 'string' || where instanceof URL) {
    const text = String(where);
    if (isNode && text.startsWith('file:')) {
      const { fileURLToPath } = await import('node:url');
      return diskSource(fileURLToPath(text));
    }
    if (isNode && !hasScheme(text)) return diskSource(text);
    return httpSource(where);
  }
  if (where instanceof Blob) {
    const name = /** @type {File} */ (where).name;
    return archiveSource(where, name ? `model archive ${name}` : `the model archive (a Blob of ${where.size} bytes)`);
  }
  if (isByteBuffer(where)) return archiveSource(where, `the model archive (${where.byteLength} bytes)`);
  if (where !== null && typeof where === 'object') {
    const files = namedFiles(where);
    return filesSource(files, `the ${files.size} model files given`);
  }
  throw new TypeError(`Elmo.load takes a model folder or URL, a model archive (Blob, File, ArrayBuffer, Uint8Array) or a map of its files; got ${where === null ? 'null' : typeof where}`);
}
