/**
 * examples/bundler-app built by each bundler (devDependencies) into a folder
 * of the test's, with 'elmo-wasm' resolved to this repository, as the app's
 * `file:../..` dependency would; and the Vite dev server on the app.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createServer } from 'vite';
import webpack from 'webpack';
import { buildWithEsbuild } from '../../examples/bundler-app/esbuild.build.js';
import webpackConfig from '../../examples/bundler-app/webpack.config.js';

export const repo = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
export const app = join(repo, 'examples', 'bundler-app');

/** Vite's alias: elmo-wasm and its subpaths to this repository. */
const viteAlias = [{ find: /^elmo-wasm(?=\/|$)/, replacement: repo }];

/**
 * @param {string} outDir
 * @param {string} cacheDir
 */
export async function buildWithVite(outDir, cacheDir) {
  await build({
    root: app,
    configFile: join(app, 'vite.config.js'),
    cacheDir,
    // The library's Node-only branches import node: modules; Vite says so for each one.
    logLevel: 'error',
    resolve: { alias: viteAlias },
    build: { outDir, emptyOutDir: true },
  });
}

/**
 * @param {string} outDir
 * @returns {Promise<import('webpack').Stats>}
 */
export function buildWithWebpack(outDir) {
  const config = {
    ...webpackConfig,
    output: { ...webpackConfig.output, path: outDir },
    resolve: { alias: { 'elmo-wasm$': join(repo, 'js', 'index.js') } },
  };
  return new Promise((resolve, reject) => {
    webpack(config, (error, stats) => {
      if (error) return reject(error);
      if (!stats || stats.hasErrors()) return reject(new Error(stats?.toString('errors-only') ?? 'webpack failed'));
      resolve(stats);
    });
  });
}

/** @param {string} outDir */
export function buildEsbuildApp(outDir) {
  return buildWithEsbuild({ outDir, alias: { 'elmo-wasm': repo } });
}

/**
 * The Vite dev server on the app, listening on 127.0.0.1 (a free port).
 * @param {string} cacheDir
 * @returns {Promise<{ origin: string, close: () => Promise<void> }>}
 */
export async function startViteDev(cacheDir) {
  const server = await createServer({
    root: app,
    configFile: join(app, 'vite.config.js'),
    cacheDir,
    logLevel: 'error',
    resolve: { alias: viteAlias },
    server: { host: '127.0.0.1', port: 0, strictPort: false, fs: { allow: [repo] }, hmr: false, watch: null },
  });
  await server.listen();
  const address = /** @type {import('node:net').AddressInfo} */ (server.httpServer?.address());
  return { origin: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
