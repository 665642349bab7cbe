/**
 * A loopback HTTP server for download tests: serves byte buffers by path,
 * answers `Range: bytes=N-` with 206 (or ignores it, like servers without
 * range support), and can drop the connection after N bytes of a response.
 */
import { createServer } from 'node:http';

/**
 * @typedef {object} RangeServer
 * @property {string} baseUrl "http://127.0.0.1:<port>/"
 * @property {Array<{ path: string, range: string | null }>} requests every request, in order
 * @property {(path: string, bytes: number) => void} dropNext the next response for `path`
 *   sends its headers (full Content-Length) and `bytes` body bytes, then closes the socket
 * @property {boolean} ranges whether Range requests are honoured (default true)
 * @property {() => Promise<void>} close
 */

/**
 * @param {Record<string, Uint8Array>} files URL path -> body
 * @returns {Promise<RangeServer>}
 */
export async function startRangeServer(files) {
  /** @type {Map<string, number>} */
  const drops = new Map();
  /** @type {RangeServer['requests']} */
  const requests = [];
  const state = { ranges: true };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const range = req.headers.range ?? null;
    requests.push({ path, range });
    const body = files[path];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    const asked = /^bytes=(\d+)-$/.exec(range ?? '');
    if (asked && state.ranges) {
      start = Number(asked[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
    }
    const slice = body.subarray(start);
    const partial = asked && state.ranges;
    res.writeHead(partial ? 206 : 200, {
      'content-length': slice.length,
      'accept-ranges': 'bytes',
      etag: '"fixture-v1"',
      ...(partial && { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` }),
    });
    const drop = drops.get(path);
    if (drop === undefined) {
      res.end(slice);
      return;
    }
    drops.delete(path);
    // end() closes with a FIN after the bytes: destroy() could reset the
    // connection before the client read them, and the kernel drops unread
    // bytes on a reset, so the test would see fewer bytes than it sent.
    res.write(slice.subarray(0, drop), () => res.socket?.end());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    requests,
    dropNext: (path, bytes) => drops.set(path, bytes),
    get ranges() {
      return state.ranges;
    },
    set ranges(value) {
      state.ranges = value;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** @returns {Promise<number>} a loopback port nothing listens on */
export async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return port;
}
