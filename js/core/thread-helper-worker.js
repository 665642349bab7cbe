/**
 * A helper thread of the threaded core: another instance of the same wasm
 * module on the same shared memory, serving the pool's jobs
 * (elmo_thread_pool_work) until the pool stops. Runs as a module Web Worker
 * or a Node worker thread; started by thread-helpers.js.
 *
 * Message in: { module, memory, pool, index, stackTop }.
 * Messages out: { type: 'ready' } before serving, { type: 'stopped', status } after.
 */
const nodePort =
  typeof process !== 'undefined' && process.versions?.node
    ? (await import('node:worker_threads')).parentPort
    : null;

/** @param {any} message */
const post = (message) => (nodePort ? nodePort.postMessage(message) : self.postMessage(message));

/** @param {{ module: WebAssembly.Module, memory: WebAssembly.Memory, pool: number, index: number, stackTop: number }} start */
function serve({ module, memory, pool, index, stackTop }) {
  const instance = new WebAssembly.Instance(module, { env: { memory, emscripten_notify_memory_growth() {} } });
  const fn = /** @type {any} */ (instance.exports);
  // Every instance has its own stack pointer; this one's stack is a block the main thread allocated.
  fn.stackRestore(stackTop);
  post({ type: 'ready' });
  const status = fn.elmo_thread_pool_work(pool, index); // blocks until elmo_thread_pool_stop
  post({ type: 'stopped', status });
}

if (nodePort) nodePort.once('message', serve);
else self.addEventListener('message', (event) => serve(event.data), { once: true });
