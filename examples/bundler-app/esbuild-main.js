// esbuild's entry: esbuild does not follow workers or `new URL(…, import.meta.url)`,
// so esbuild.build.js bundles the worker as an entry of its own, copies the
// helper thread's script and the .wasm files, and the app says where they are.
import { startApp } from './app.js';

startApp({ workerUrl: './elmo-worker.js', threadWorkerUrl: './thread-helper-worker.js', wasmUrl: './wasm/' });
