/**
 * Starting this package's module workers in a browser wherever the package
 * is served from. A page may start a worker only from a script of its own
 * origin: when the library itself comes from another one (a CDN), the worker
 * is started from a one-line module of the page's origin (a blob: URL) that
 * imports the real script, which that origin serves with CORS.
 *
 * The callers keep the literal `new Worker(new URL('…', import.meta.url),
 * { type: 'module' })` for the usual case, the form bundlers (Vite, webpack)
 * follow; this module handles the two others: a script URL given as an
 * option, and a library on another origin.
 */

/**
 * The URL of a script beside `base` (a module's `import.meta.url`) when a
 * page could not start it directly, because it is on another origin; else
 * null (same origin, or a bundle whose `import.meta.url` is not http(s)).
 * @param {string} path relative to `base`
 * @param {string} base
 * @returns {URL | null}
 */
export function foreignScript(path, base) {
  const url = new URL(path, base);
  return isForeign(url) ? url : null;
}

/**
 * @param {URL} url
 * @returns {boolean} whether `url` is an http(s) URL of another origin than this context's
 */
function isForeign(url) {
  const here = globalThis.location?.origin;
  return /^https?:$/.test(url.protocol) && here !== undefined && url.origin !== here;
}

/**
 * Starts a module worker from `url`: directly when it is on this context's
 * origin (or a blob:/data: URL), else through a blob: module that imports it.
 * A page whose Content-Security-Policy forbids blob: workers must give a
 * script URL of its own origin (see the README, "Another origin").
 * @param {URL} url
 * @param {string} name the worker's name
 * @returns {Worker}
 */
export function startModuleWorker(url, name) {
  if (!isForeign(url)) return new Worker(url, { type: 'module', name });
  const shim = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' }));
  try {
    return new Worker(shim, { type: 'module', name });
  } finally {
    // The worker holds the blob from here on (the URL was resolved when it was constructed).
    URL.revokeObjectURL(shim);
  }
}
