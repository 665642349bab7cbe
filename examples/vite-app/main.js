// elmo-wasm from npm in a bundled app. Vite bundles the worker (`?worker&url`)
// with the library inside it and emits the .wasm files it refers to as
// assets. The model is a converted model directory, served as static files:
// put it in public/models/ (e.g. `npx elmo-wasm fetch small`, then copy the
// printed folder to public/models/small/) or pass ?model=<its URL>.
import { ElmoWorker } from 'elmo-wasm';
import workerUrl from 'elmo-wasm/web/elmo-worker.js?worker&url';

const out = document.getElementById('out');
const run = document.getElementById('run');
const model = new URLSearchParams(location.search).get('model') ?? './models/small/';

const elmo = await ElmoWorker.load(new URL(model, location.href), {
  workerUrl,
  // Threads need helper workers that a bundler cannot follow into the library
  // (and a cross-origin isolated page): a bundled app runs on one thread.
  numThreads: 1,
  onProgress: (e) => (out.textContent = `loading the model: ${e.progress.toFixed(0)}%`),
});

run.onclick = async () => {
  const [r] = await elmo.embed(document.getElementById('text').value, { layers: 'top', normalize: true });
  out.textContent = `${elmo.info.name}, ${elmo.info.threads} thread(s): ${r.tokens.length} tokens × ${r.shape[1]} dims\n`
    + r.tokens.map((t, i) => `${t.padEnd(10)} ${r.data[i * r.shape[1]].toFixed(4)} …`).join('\n');
};
run.disabled = false;
run.click();
