/**
 * The demo's fine-tuning card: trains the loaded model's language models on
 * the pasted text in the worker (ElmoWorker.fineTune), with a progress bar and
 * a stop button, then asks the page to embed again. An aborted or refused run
 * leaves the model with the weights it had (fineTune's contract), and the
 * card says so.
 */

/**
 * @typedef {object} FineTunePanel
 * @property {(elmo: import('../js/index.js').ElmoWorker) => void} enable the model is loaded
 */

/**
 * @param {{ $: (id: string) => any, onDone: () => Promise<void> }} page
 *   $: the page's element lookup; onDone: re-embed and redraw with the adapted weights
 * @returns {FineTunePanel}
 */
export function fineTunePanel({ $, onDone }) {
  /** @type {import('../js/index.js').ElmoWorker | null} */
  let elmo = null;
  /** @type {AbortController | null} */
  let running = null;
  const status = (/** @type {string} */ text) => ($('tune-status').textContent = text);

  async function run() {
    if (!elmo || running) return;
    const sentences = $('tune-text').value.split('\n').map((/** @type {string} */ s) => s.trim()).filter(Boolean);
    const steps = Number($('tune-steps').value);
    if (sentences.length === 0) return status('Paste some text first: one sentence per line.');
    if (!Number.isInteger(steps) || steps < 1) return status('Steps must be a whole number of at least 1.');
    running = new AbortController();
    $('tune-run').disabled = true;
    $('tune-stop').disabled = false;
    $('tune-bar').value = 0;
    document.body.dataset.tune = 'running';
    /** @type {number | null} */
    let firstLoss = null;
    status('Starting: reading the model’s softmax and vocabulary…');
    try {
      const result = await elmo.fineTune(sentences, {
        steps,
        signal: running.signal,
        onProgress: (p) => {
          firstLoss ??= p.loss;
          $('tune-bar').value = p.step / p.steps;
          status(`Step ${p.step} of ${p.steps} · loss ${p.loss.toFixed(3)} · ${Math.round(p.tokensPerSecond)} tokens/s`);
        },
      });
      const last = result.losses.at(-1) ?? NaN;
      status(`Fine-tuned: ${result.steps} steps, ${result.tokens} tokens in ${result.seconds.toFixed(1)} s; loss ${firstLoss?.toFixed(3)} → ${last.toFixed(3)}. Embedding again with the adapted weights…`);
      await onDone();
      status(`Fine-tuned: ${result.steps} steps in ${result.seconds.toFixed(1)} s, loss ${firstLoss?.toFixed(3)} → ${last.toFixed(3)}. The views show the adapted model.`);
      document.body.dataset.tune = 'done';
    } catch (error) {
      const aborted = error instanceof Error && error.name === 'AbortError';
      status(aborted ? 'Stopped: the model keeps the weights it had before.' : `Could not fine-tune: ${error instanceof Error ? error.message : String(error)}`);
      document.body.dataset.tune = aborted ? 'stopped' : 'error';
    } finally {
      running = null;
      $('tune-run').disabled = false;
      $('tune-stop').disabled = true;
    }
  }

  $('tune-run').onclick = () => run();
  $('tune-stop').onclick = () => running?.abort();
  return {
    enable(loaded) {
      elmo = loaded;
      $('tune-run').disabled = false;
    },
  };
}
