#!/usr/bin/env node
/**
 * The demo's static server, which `npm start` runs after the main job: this
 * package's web/, js/ and examples/ folders, and model directories at
 * /models/<name>/ (listed, best first, at /models/index.json), with the
 * COOP/COEP headers that make its pages cross-origin isolated — so the demo
 * runs on threads. node:http only: a demo should not need a dependency.
 *
 *   node js/node/demo/demo-server.js [--port N] [--host H] [--no-fetch] [model-dir ...]
 *
 * Model choice, best first: official models already in the elmo-wasm cache,
 * then the model this package ships (models/mini/model), then the model
 * directories given on the command line. Only when there is neither an
 * official nor a shipped model does it try `fetch small` (which fails fast
 * offline, saying what to do).
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { basename, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultCacheDir } from '../fetch/cache-dir.js';
import { fetchModel, isReadyModelDir } from '../fetch/fetch-model.js';
import { loadRegistry } from '../fetch/model-registry.js';

const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The small English ELMo this package ships (README, "The mini model"). */
export const SHIPPED_MODEL = Object.freeze({ name: 'mini', dir: join(packageRoot, 'models', 'mini', 'model') });

/** The package folders a browser needs; nothing else (package.json, src/, out/) is served. */
const SERVED = ['web', 'js', 'examples'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
};

/**
 * @typedef {object} ServedModel
 * @property {string} name its URL is /models/<name>/
 * @property {string} dir the model directory on disk
 * @property {boolean} official a released model from the elmo-wasm cache
 * @property {boolean} [shipped] the model this package ships
 */

/**
 * @param {string} base a folder
 * @param {string} rest a URL path below it, still percent-encoded
 * @returns {string | null} the file, or null when the path leaves `base`
 */
function inside(base, rest) {
  let decoded;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  const file = resolve(base, decoded);
  return file === resolve(base) || file.startsWith(resolve(base) + sep) ? file : null;
}

/**
 * Starts the server.
 * @param {{ models: ServedModel[], port?: number, host?: string }} options port 0: any free port
 * @returns {Promise<{ url: string, close: () => Promise<void> }>} url: the demo page
 */
export async function startDemoServer({ models, port = 8080, host = '127.0.0.1' }) {
  const byName = new Map(models.map((m) => [m.name, m]));
  const index = JSON.stringify(models.map(({ name, official, shipped = false }) => ({ name, url: `/models/${encodeURIComponent(name)}/`, official, shipped })));
  const headers = {
    // Cross-origin isolation gives the page SharedArrayBuffer, so the model runs on threads.
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    // Revalidate every time, so an edited file shows; shards are kept by the Cache API anyway.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  };

  /** @param {string} pathname @returns {string | null} the file to send */
  function fileFor(pathname) {
    const model = /^\/models\/([^/]+)\/(.*)$/.exec(pathname);
    if (model) {
      const served = byName.get(decodeURIComponent(model[1]));
      return served ? inside(served.dir, model[2]) : null;
    }
    const top = pathname.split('/')[1];
    return SERVED.includes(top) ? inside(packageRoot, pathname.slice(1)) : null;
  }

  const server = createServer(async (req, res) => {
    try {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'GET' && req.method !== 'HEAD') return res.writeHead(405, { ...headers, allow: 'GET, HEAD' }).end();
      if (pathname === '/') return res.writeHead(302, { ...headers, location: '/web/' }).end();
      if (pathname === '/models/index.json') {
        return res.writeHead(200, { ...headers, 'content-type': TYPES['.json'] }).end(req.method === 'HEAD' ? undefined : index);
      }
      let file = fileFor(pathname);
      let info = file ? await stat(file).catch(() => null) : null;
      if (file && info?.isDirectory()) {
        // A folder without its final slash would resolve the page's relative URLs one level too high.
        if (!pathname.endsWith('/')) return res.writeHead(301, { ...headers, location: `${pathname}/` }).end();
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!file || !info?.isFile()) return res.writeHead(404, { ...headers, 'content-type': TYPES['.txt'] }).end('not found\n');
      const type = TYPES[/** @type {keyof TYPES} */ (extname(file))] ?? 'application/octet-stream';
      res.writeHead(200, { ...headers, 'content-type': type, 'content-length': info.size });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', (e) => res.destroy(e)).pipe(res);
    } catch (error) {
      res.destroy(/** @type {Error} */ (error));
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host}:${address.port}/web/`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The models to serve, best first (see the top of this file).
 * @param {object} options
 * @param {string[]} [options.dirs] converted model directories to offer last
 * @param {string} [options.cacheDir] default: defaultCacheDir()
 * @param {{ name: string, dir: string } | null} [options.shipped] default: SHIPPED_MODEL (when its files are there)
 * @param {boolean} [options.fetch] try `fetch small` when there is neither an official nor a shipped model
 * @param {(name: string, options: { cacheDir: string }) => Promise<{ modelDir: string }>} [options.fetchModel]
 * @param {(line: string) => void} [options.log]
 * @returns {Promise<ServedModel[]>}
 */
export async function chooseModels({ dirs = [], cacheDir = defaultCacheDir(), shipped = SHIPPED_MODEL, fetch = true, fetchModel: fetcher = fetchModel, log = () => {} } = {}) {
  const registry = await loadRegistry();
  /** @type {ServedModel[]} */
  const models = [];
  for (const name of Object.keys(registry.models)) {
    const dir = join(cacheDir, 'models', name);
    if (await isReadyModelDir(dir)) models.push({ name, dir, official: true });
  }
  const ownModel = shipped && (await isReadyModelDir(shipped.dir)) ? { name: shipped.name, dir: resolve(shipped.dir), official: false, shipped: true } : null;
  if (models.length === 0 && !ownModel && fetch) {
    log('No official model in the cache yet: fetching "small" (~54 MB)…');
    try {
      models.push({ name: 'small', dir: (await fetcher('small', { cacheDir })).modelDir, official: true });
    } catch (error) {
      log(`Could not fetch it: ${/** @type {Error} */ (error).message}`);
      log('So the demo runs the local model(s) below. For meaningful similarities, get the small model as said above (`npx elmo-wasm fetch small`), then `npm start` again.');
    }
  }
  if (ownModel) models.push(ownModel);
  const taken = new Set(models.map((m) => m.name));
  for (const dir of dirs) {
    if (ownModel && resolve(dir) === ownModel.dir) continue;
    if (!(await isReadyModelDir(dir))) continue;
    let name = basename(resolve(dir));
    while (taken.has(name)) name += '-local';
    taken.add(name);
    models.push({ name, dir: resolve(dir), official: false });
  }
  return models;
}

/**
 * Converted models under a folder such as out/models/, for the command line's default.
 * @param {string} folder
 * @returns {Promise<string[]>}
 */
async function subfolders(folder) {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => join(folder, e.name));
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-fetch': { type: 'boolean', default: false },
    },
  });
  const dirs = positionals.length > 0 ? positionals : await subfolders(join(packageRoot, 'out', 'models'));
  const models = await chooseModels({ dirs, fetch: !values['no-fetch'], log: (line) => console.log(line) });
  if (models.length === 0) {
    console.error(`No model to serve: ${SHIPPED_MODEL.dir} is missing; give a converted model directory or run \`npx elmo-wasm fetch small\`.`);
    process.exit(1);
  }
  const server = await startDemoServer({ models, port: Number(values.port), host: values.host });
  const [best] = models;
  const what = best.official
    ? 'a released ELMo model'
    : best.shipped
      ? "elmo-wasm's own small English ELMo"
      : best.name === 'bilm-tf-tiny'
        ? "bilm-tf's tiny test model: random-ish similarities"
        : 'a converted local model';
  console.log(`\nDemo: ${server.url}   (model: ${best.name}, ${what}, from ${best.dir})`);
  if (models.length > 1) console.log(`Also served: ${models.slice(1).map((m) => m.name).join(', ')} (choose in the page)`);
  console.log(`Examples: ${server.url.replace('/web/', '/examples/worker/')}?model=/models/${encodeURIComponent(best.name)}/`);
  console.log('Cross-origin isolated (threads on). Stop with Ctrl-C.');
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`demo-server: ${error.message}`);
    process.exit(1);
  });
}
