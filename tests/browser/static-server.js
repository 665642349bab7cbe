/**
 * A static file server on 127.0.0.1 for the loader and browser tests: the
 * repository at `/`, converted model folders at `/models/<name>/`. It counts
 * requests, tracks how many shard responses are in flight, and damages a
 * file's response on demand (see `Fault`). Nothing is cacheable by the
 * browser's HTTP cache, so a load without requests can only come from the
 * Cache API.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
};

/**
 * What to do to one path's responses; each fault applies to the first
 * `times` requests (default: all of them).
 * @typedef {object} Fault
 * @property {number} [times]
 * @property {number} [status] answer with this HTTP status and no body
 * @property {boolean} [corrupt] flip one byte in the middle
 * @property {number} [truncateTo] send only this many bytes (with a matching content-length)
 * @property {number} [extraBytes] send this many more bytes than the file has
 * @property {number} [dropAfter] send this many bytes of the announced length, then cut the connection
 * @property {number} [stallAfter] send this many bytes, then nothing until the client goes away
 * @property {number} [delayMs] wait this long before answering
 */

/**
 * @param {{ models?: Record<string, string>, isolated?: boolean, headers?: Record<string, string> }} [options]
 *   models: URL name -> folder on disk; isolated: send the COOP/COEP headers that make pages
 *   cross-origin isolated (SharedArrayBuffer, so threads); headers: more headers on every
 *   response (CORS, a Content-Security-Policy)
 */
export async function startServer({ models = {}, isolated = false, headers: extraHeaders = {} } = {}) {
  /** @type {string[]} */
  const requests = [];
  /** @type {Map<string, Fault>} */
  const faults = new Map();
  const shardsInFlight = { now: 0, max: 0 };
  /** @type {Set<() => void>} called when a request stalls */
  const stallWaiters = new Set();

  /** @param {string} pathname @returns {string | null} */
  function fileFor(pathname) {
    const model = /^\/models\/([^/]+)\/(.+)$/.exec(pathname);
    const [base, rest] = model ? [models[model[1]], model[2]] : [repoRoot, pathname.slice(1)];
    if (!base) return null;
    const file = resolve(base, decodeURIComponent(rest));
    return file.startsWith(resolve(base) + sep) ? file : null;
  }

  /** @param {string} pathname */
  function takeFault(pathname) {
    const fault = faults.get(pathname);
    if (!fault) return undefined;
    if (fault.times !== undefined && --fault.times <= 0) faults.delete(pathname);
    return fault;
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(pathname);
    const fault = takeFault(pathname);
    const headers = {
      'cache-control': 'no-store',
      'content-type': TYPES[/** @type {keyof TYPES} */ (extname(pathname))] ?? 'application/octet-stream',
      ...(isolated && { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }),
      ...extraHeaders,
    };
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status) return res.writeHead(fault.status, headers).end();
    const file = fileFor(pathname);
    const info = file && (await stat(file).catch(() => null));
    if (!file || !info?.isFile()) return res.writeHead(404, headers).end('not found');
    const damaging = ['corrupt', 'truncateTo', 'extraBytes', 'dropAfter', 'stallAfter'].some(
      (k) => fault?.[/** @type {keyof Fault} */ (k)] !== undefined,
    );
    if (!fault || !damaging) {
      res.writeHead(200, { ...headers, 'content-length': info.size });
      return createReadStream(file).pipe(res);
    }
    let body = await readFile(file);
    if (fault.corrupt) body[body.length >> 1] ^= 0xff;
    if (fault.truncateTo !== undefined) body = body.subarray(0, fault.truncateTo);
    if (fault.extraBytes) body = Buffer.concat([body, Buffer.alloc(fault.extraBytes, 7)]);
    res.writeHead(200, { ...headers, 'content-length': body.length });
    const cut = fault.stallAfter ?? fault.dropAfter;
    if (cut === undefined) return res.end(body);
    res.write(body.subarray(0, cut));
    if (fault.dropAfter !== undefined) {
      // Let the bytes go out first, then reset the connection mid-body.
      return void setTimeout(() => res.socket?.destroy(), 20);
    }
    for (const notify of stallWaiters) notify();
  }

  const server = createServer((req, res) => {
    const shard = req.url?.endsWith('.bin');
    if (shard) {
      shardsInFlight.max = Math.max(shardsInFlight.max, ++shardsInFlight.now);
      res.on('close', () => shardsInFlight.now--);
    }
    handle(req, res).catch((error) => res.destroy(error));
  });
  await new Promise((/** @type {(v?: unknown) => void} */ r) => server.listen(0, '127.0.0.1', r));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const origin = `http://127.0.0.1:${address.port}`;

  return {
    origin,
    requests,
    shardsInFlight,
    /** @param {string} name @returns {string} the URL of a served model folder */
    modelUrl: (name) => `${origin}/models/${name}/`,
    /** @param {string} pathname @param {Fault} fault */
    fault(pathname, fault) {
      faults.set(pathname, { ...fault });
    },
    clearFaults() {
      faults.clear();
    },
    /** @param {RegExp} pattern @returns {number} requests whose path matches */
    count: (pattern) => requests.filter((p) => pattern.test(p)).length,
    /** @returns {Promise<void>} resolves when a response next stalls */
    nextStall: () =>
      new Promise((resolveStall) => {
        const done = () => {
          stallWaiters.delete(done);
          resolveStall();
        };
        stallWaiters.add(done);
      }),
    /** @param {string} name @param {string} dir serve another model folder */
    addModel(name, dir) {
      models[name] = dir;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
