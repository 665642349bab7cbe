/**
 * The demo page: loads a model into an ElmoWorker, embeds the sentences typed
 * in, and shows what context does to a word — a token × token cosine
 * heatmap, the nearest neighbours of a chosen token, and a PCA map. All
 * inference runs in the worker; the text never leaves the page (after the
 * model's shards, the page makes no request at all).
 *
 * ?model=<url of a model directory> picks the model; without it the page
 * takes the first model that the demo server lists at ../models/index.json.
 * document.body.dataset.state ('loading' | 'ready' | 'error') and
 * dataset.runs (embeddings shown so far) are there for the tests.
 */
import { ElmoWorker, scalarMix, selectLayers } from '../js/index.js';
import { CACHE_NAME } from '../js/load/shard-cache.js';
import { drawHeatmap, repeatedWords } from './heatmap.js';
import { sentenceColor } from './palette.js';
import { pca } from './pca.js';
import { drawScatter } from './scatter.js';
import { fineTunePanel } from './fine-tune-panel.js';

/** Beyond this many tokens the heatmap shows only the first ones (it grows as n²). */
const MAX_HEATMAP_TOKENS = 60;

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const body = document.body;

/** @type {ElmoWorker | null} */
let elmo = null;
/** @type {{ texts: string[], results: import('../js/index.js').EmbedResult[] } | null} */
let embedded = null;
/** @type {import('./heatmap.js').TokenPoint[]} */
let points = [];
let selected = -1;
/** @type {(x: number, y: number) => number} */
let pointAt = () => -1;

/** @typedef {{ name: string, url: string, official?: boolean, shipped?: boolean }} ModelChoice */

/**
 * The model to run: ?model=, else the first the demo server lists, else the
 * model the package ships (for a plain static server of the repository).
 * @returns {Promise<{ url: URL, choices: ModelChoice[] }>}
 */
async function chooseModel() {
  const asked = new URLSearchParams(location.search).get('model');
  const listed = await fetch('../models/index.json')
    .then((r) => (r.ok ? r.json() : []))
    .catch(() => []);
  const fallback = listed[0]?.url ?? '../models/mini/model/';
  return { url: new URL(asked ?? fallback, location.href), choices: listed };
}

/**
 * What the running model is, in a sentence, for the page to say.
 * @param {URL} modelUrl
 * @param {ModelChoice[]} choices
 */
function aboutModel(modelUrl, choices) {
  const choice = choices.find((c) => new URL(c.url, location.href).href === modelUrl.href);
  if (choice?.official) return 'A released ELMo model (AllenNLP, trained on the 1B Word Benchmark).';
  if (choice?.shipped || /\/models\/mini\/model\/$/.test(modelUrl.pathname)) {
    return "elmo-wasm's own small English ELMo, trained on about 8 million words of openly licensed text (the Bible, Austen, Moby-Dick, State of the Union addresses, …): see the README's model card. The released models are larger and better.";
  }
  return '';
}

/** @param {URL} modelUrl @returns {Promise<number>} shards of this model already in the Cache API */
async function cachedShards(modelUrl) {
  if (typeof caches === 'undefined') return 0;
  const keys = await (await caches.open(CACHE_NAME)).keys();
  return keys.filter((request) => request.url.startsWith(modelUrl.href)).length;
}

/** @param {number} bytes */
const megabytes = (bytes) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(0)} kB`);

/** @param {string} id @param {string} text @param {boolean} [on] */
function setPill(id, text, on) {
  $(id).textContent = text;
  if (on !== undefined) $(id).classList.toggle('on', on);
}

/**
 * @param {URL} modelUrl
 * @param {{ name: string, url: string }[]} choices
 */
function showModelChoice(modelUrl, choices) {
  if (choices.length < 2) return;
  const select = $('model-select');
  for (const choice of choices) {
    const option = new Option(choice.name, choice.url, false, new URL(choice.url, location.href).href === modelUrl.href);
    select.append(option);
  }
  select.hidden = false;
  select.onchange = () => location.assign(`?model=${encodeURIComponent(select.value)}`);
}

async function load() {
  const { url, choices } = await chooseModel();
  showModelChoice(url, choices);
  setPill('pill-model', `model: ${url.pathname.replace(/\/$/, '').split('/').pop()}`);
  const fromCache = (await cachedShards(url)) > 0;
  const started = performance.now();
  elmo = await ElmoWorker.load(url, {
    onProgress: (e) => {
      $('load-bar').value = e.progress;
      $('load-text').textContent = `${fromCache ? 'Reading from the browser cache' : 'Downloading'} ${megabytes(e.loaded)} of ${megabytes(e.total)}`;
    },
  });
  const ms = performance.now() - started;
  const { info } = elmo;
  setPill('pill-model', `model: ${info.name}`);
  setPill('pill-simd', info.simd ? 'SIMD on' : 'SIMD off', info.simd);
  setPill('pill-threads', `${info.threads} thread${info.threads === 1 ? '' : 's'}`, info.threads > 1);
  setPill('pill-load', `load ${ms.toFixed(0)} ms${fromCache ? ' (cached)' : ''}`);
  $('model-line').textContent = `${info.name}: ${info.nLayers} biLSTM layers, ${info.outputDim}-dim vectors, ${megabytes(info.weightBytes)} of weights, from ${url.pathname}`;
  const about = aboutModel(url, choices);
  $('model-about').textContent = about;
  $('model-about').hidden = about === '';
  tuning.enable(elmo);
  // The bilm-tf fixture's weights are random-ish: say so, or people would read meaning into noise.
  if (info.name === 'bilm-tf-tiny' || info.weightBytes < 4e6) $('tiny-note').hidden = false;
  $('loading').hidden = true;
}

/** The sentences of the text area: one per line (blank lines skipped). */
const sentences = () => $('text').value.split('\n').map((/** @type {string} */ s) => s.trim()).filter(Boolean);

/** Embeds the text in the worker (all layers once: switching the vector kind needs no new run). */
async function embed() {
  if (!elmo) return;
  const texts = sentences();
  $('run').disabled = true;
  try {
    const started = performance.now();
    const results = texts.length > 0 ? await elmo.embed(texts) : [];
    const ms = performance.now() - started;
    const tokens = results.reduce((n, r) => n + (r.tokens?.length ?? 0), 0);
    setPill('pill-embed', `embed ${ms.toFixed(0)} ms · ${tokens} tokens`);
    embedded = { texts, results };
    selected = -1;
    render();
    body.dataset.runs = String(Number(body.dataset.runs ?? 0) + 1);
  } finally {
    $('run').disabled = false;
  }
}

/**
 * Every token of every sentence as a unit vector of the chosen kind, mean-
 * centred first when asked (the mean of all the tokens shown).
 * @returns {import('./heatmap.js').TokenPoint[]}
 */
function tokenPoints() {
  if (!embedded) return [];
  const kind = $('vectors').value;
  const raw = embedded.results.flatMap((result, s) => {
    const all = /** @type {{ shape: number[], data: Float32Array }} */ (result);
    const tensor = kind === 'mix' ? scalarMix(all, {}) : selectLayers(all, kind === 'token' ? [0] : 'top');
    const dim = tensor.shape.at(-1) ?? 0;
    return (result.tokens ?? []).map((text, index) => ({ text, sentence: s, index, vector: tensor.data.slice(index * dim, (index + 1) * dim) }));
  });
  if ($('centred').checked && raw.length > 1) {
    const mean = new Float32Array(raw[0].vector.length);
    for (const { vector } of raw) vector.forEach((x, k) => (mean[k] += x / raw.length));
    for (const { vector } of raw) vector.forEach((x, k) => (vector[k] = x - mean[k]));
  }
  return raw.map((p) => {
    const norm = Math.hypot(...p.vector) || 1;
    return { ...p, vector: p.vector.map((x) => x / norm) };
  });
}

function render() {
  points = tokenPoints();
  const shown = points.slice(0, MAX_HEATMAP_TOKENS);
  if (selected < 0 || selected >= points.length) selected = defaultSelection();
  drawHeatmap($('heatmap'), shown, { selected, onSelect: select });
  $('heatmap-more').hidden = points.length <= shown.length;
  $('heatmap-more').textContent = `Showing the first ${shown.length} of ${points.length} tokens.`;
  showPairs();
  const { coords, explained } = pca(points.map((p) => p.vector));
  pointAt = drawScatter($('scatter'), points, coords, { selected, explained });
  showNeighbours();
  showLegend();
}

/** The second occurrence of the first repeated word (the "bank" of the example), else the first token. */
function defaultSelection() {
  const [pair] = repeatedWords(points);
  return pair ? points.indexOf(pair.b) : 0;
}

/** @param {number} k */
function select(k) {
  if (k < 0) return;
  selected = k;
  render();
}

/** One line per repeated word: the number the example is about. */
function showPairs() {
  const list = $('pairs');
  list.replaceChildren(
    ...repeatedWords(points).slice(0, 4).map(({ a, b, value }) => {
      const li = document.createElement('li');
      li.innerHTML = `<b></b> in sentence ${a.sentence + 1} vs ${b.sentence + 1}: cosine <span class="value"></span>`;
      /** @type {HTMLElement} */ (li.querySelector('b')).textContent = `“${a.text}”`;
      /** @type {HTMLElement} */ (li.querySelector('.value')).textContent = value.toFixed(3);
      return li;
    }),
  );
}

/**
 * @param {import('./heatmap.js').TokenPoint} p
 * @returns {HTMLElement} the token in its sentence, the token itself in bold
 */
function inContext(p) {
  const span = document.createElement('span');
  span.className = 'context';
  const words = embedded?.results[p.sentence].tokens ?? [];
  const from = Math.max(0, p.index - 4);
  const to = Math.min(words.length, p.index + 5);
  span.append(`${from > 0 ? '… ' : ''}${words.slice(from, p.index).join(' ')} `);
  const b = document.createElement('b');
  b.textContent = words[p.index];
  span.append(b, ` ${words.slice(p.index + 1, to).join(' ')}${to < words.length ? ' …' : ''}`);
  return span;
}

function showNeighbours() {
  const target = points[selected];
  $('nn-word').textContent = target ? `“${target.text}” (sentence ${target.sentence + 1})` : '—';
  const ranked = points
    .map((p, k) => ({ p, k, value: p.vector.reduce((s, v, i) => s + v * target.vector[i], 0) }))
    .filter(({ k }) => k !== selected)
    .sort((a, b) => b.value - a.value)
    .slice(0, 10);
  $('neighbours').replaceChildren(
    ...ranked.map(({ p, k, value }) => {
      const li = document.createElement('li');
      li.style.setProperty('--sentence', sentenceColor(p.sentence));
      li.style.setProperty('--score', String(Math.max(0, value)));
      const score = document.createElement('span');
      score.className = 'score';
      score.textContent = value.toFixed(3);
      li.append(score, inContext(p));
      li.onclick = () => select(k);
      return li;
    }),
  );
}

function showLegend() {
  $('legend').replaceChildren(
    ...(embedded?.texts ?? []).map((text, s) => {
      const li = document.createElement('li');
      li.style.setProperty('--sentence', sentenceColor(s));
      li.textContent = text;
      return li;
    }),
  );
}

$('run').onclick = () => embed().catch(fail);
$('text').addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) embed().catch(fail);
});
$('vectors').onchange = () => embedded && render();
$('centred').onchange = () => embedded && render();
const tuning = fineTunePanel({ $, onDone: embed });
$('scatter').addEventListener('click', (/** @type {MouseEvent} */ e) => {
  const rect = $('scatter').getBoundingClientRect();
  select(pointAt(e.clientX - rect.left, e.clientY - rect.top));
});
window.addEventListener('resize', () => embedded && render());

/** @param {unknown} error */
function fail(error) {
  const message = error instanceof Error ? error.message : String(error);
  $('loading').hidden = false;
  $('load-text').textContent = `Something went wrong: ${message}`;
  body.dataset.state = 'error';
  body.dataset.error = message;
}

body.dataset.state = 'loading';
load()
  .then(embed)
  .then(() => (body.dataset.state = 'ready'))
  .catch(fail);
