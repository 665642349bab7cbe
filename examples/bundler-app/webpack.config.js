// webpack 5 follows the library's `new Worker(new URL('…', import.meta.url))`
// (a worker chunk, and in it the helper thread's chunk) and emits the .wasm
// files its `new URL('….wasm', import.meta.url)` name. The library's Node-only
// branches import node: modules at run time, never in a browser: ignored.
// `npx webpack` (webpack-cli) builds dist/webpack/ with index.html beside main.js.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Emits this folder's index.html, which loads ./main.js, beside the bundle. */
const indexPage = {
  /** @param {import('webpack').Compiler} compiler */
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('index.html', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'index.html', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        compilation.emitAsset('index.html', new webpack.sources.RawSource(readFileSync(`${here}index.html`)));
      });
    });
  },
};

/** @type {import('webpack').Configuration} */
export default {
  mode: 'production',
  context: here,
  entry: './main.js',
  target: 'web',
  experiments: { outputModule: true },
  output: { path: `${here}dist/webpack`, filename: 'main.js', assetModuleFilename: '[name]-[contenthash][ext]', module: true, publicPath: 'auto', clean: true },
  plugins: [new webpack.IgnorePlugin({ resourceRegExp: /^node:/ }), indexPage],
  performance: { hints: false },
};
