// The app itself, the same under every bundler: load a model in an
// ElmoWorker on 2 threads and embed what is typed. The model is a converted
// model directory served as static files: put it in public/models/small/
// (e.g. `npx elmo-wasm fetch small`, then copy the printed folder there) or
// pass ?model=<its URL>. Threads need a cross-origin isolated page: serve it
// with COOP/COEP (vite.config.js does for the dev server and the preview).
import { ElmoWorker } from 'elmo-wasm';

/**
 * @param {import('elmo-wasm').WorkerLoadOptions} [where] where the worker, the
 *   helper threads' script and the .wasm files are, for a bundler that does not
 *   follow them (esbuild); Vite and webpack find them in the library
 */
export async function startApp(where = {}) {
  const out = /** @type {HTMLElement} */ (document.getElementById('out'));
  const run = /** @type {HTMLButtonElement} */ (document.getElementById('run'));
  const text = /** @type {HTMLInputElement} */ (document.getElementById('text'));
  const model = new URLSearchParams(location.search).get('model') ?? './models/small/';
  try {
    const elmo = await ElmoWorker.load(new URL(model, location.href), {
      ...where,
      numThreads: 2,
      onProgress: (e) => (out.textContent = `loading the model: ${e.progress.toFixed(0)}%`),
    });
    run.onclick = async () => {
      const [r] = await elmo.embed(text.value, { layers: 'top', normalize: true });
      out.textContent = `${elmo.info.name}, ${elmo.info.threads} thread(s): ${r.tokens.length} tokens × ${r.shape[1]} dims\n`
        + r.tokens.map((t, i) => `${t.padEnd(10)} ${r.data[i * r.shape[1]].toFixed(4)} …`).join('\n');
    };
    run.disabled = false;
    run.click();
  } catch (e) {
    out.textContent = `failed: ${e}`;
  }
}
