// The demo page: loads a model into a Web Worker, embeds the sentences typed
// in, and draws what ELMo's context does to a word.
import { ElmoWorker, cosine, selectLayers, tokenize } from '../js/index.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const params = new URLSearchParams(location.search);
const modelUrl = new URL(params.get('model') ?? '../model/', location.href);
const PALETTE = ['#f0a020', '#4fb3ff', '#7ee2a8', '#ff6b8b', '#c69cff', '#ffd84f', '#5fe0e0', '#ff9f5f'];

/** @type {ElmoWorker | null} */
let elmo = null;
/** @type {{ tokens: string[], sentence: number, index: number, vector: Float32Array }[]} */
let points = [];
/** @type {Array<[number, number]>} */
let projected = [];

function badge(text, on) {
  const span = document.createElement('span');
  span.className = `badge${on ? ' on' : ''}`;
  span.textContent = text;
  return span;
}

async function loadModel() {
  const started = performance.now();
  const manifest = await (await fetch(new URL('manifest.json', modelUrl))).json();
  $('model-name').textContent = `Model: ${manifest.name ?? modelUrl.pathname}`;
  const lstm = manifest.options?.lstm ?? {};
  if ((lstm.dim ?? 0) < 1024) {
    $('model-note').hidden = false;
    $('model-note').textContent =
      `This is a tiny test model (LSTM ${lstm.dim}, projection ${lstm.projection_dim}) with no real training: ` +
      'the pictures show how the pipeline works, not meaningful similarities. Load a released model ' +
      '(e.g. the small 2x1024_128) for real ones: see the README.';
  }
  elmo = await ElmoWorker.load(modelUrl, {
    onProgress: (e) => {
      $('load-progress').value = e.progress;
      $('load-status').textContent = `${e.status} ${e.file ?? ''} — ${(e.loaded / 1e6).toFixed(1)} / ${(e.total / 1e6).toFixed(1)} MB`;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  $('load-status').textContent = `Loaded ${(elmo.info.weightBytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s`;
  $('badges').append(badge(elmo.info.simd ? 'SIMD on' : 'SIMD off', elmo.info.simd));
  const threads = elmo.info.threads ?? 1;
  $('badges').append(badge(threads > 1 ? `${threads} threads` : 'single thread', threads > 1));
  $('footer-simd').textContent = elmo.info.simd ? ' SIMD' : '';
  $('embed').disabled = false;
}

/** @param {import('../js/index.js').Embedding} embedding */
function layerVectors(embedding) {
  const choice = $('layer').value;
  const [layers, n, dim] = embedding.shape;
  if (choice === 'top' || choice === 'average') return selectLayers(embedding, choice);
  const l = Math.min(Number(choice), layers - 1);
  return { shape: [n, dim], data: embedding.data.slice(l * n * dim, (l + 1) * n * dim) };
}

async function run() {
  if (!elmo) return;
  $('embed').disabled = true;
  try {
    const lines = $('sentences').value.split('\n').map((l) => l.trim()).filter(Boolean);
    const sentences = lines.map((line) => tokenize(line).tokens);
    const started = performance.now();
    const embeddings = await elmo.embed(sentences);
    const ms = performance.now() - started;
    const nTokens = sentences.reduce((a, s) => a + s.length, 0);
    $('timing').textContent = `${nTokens} tokens in ${ms.toFixed(0)} ms (${((1000 * nTokens) / ms).toFixed(0)} tokens/s)`;
    points = [];
    embeddings.forEach((embedding, s) => {
      const { shape: [n, dim], data } = layerVectors(embedding);
      for (let t = 0; t < n; t++) {
        points.push({ tokens: sentences[s], sentence: s, index: t, vector: data.slice(t * dim, (t + 1) * dim) });
      }
    });
    projected = pca2(points.map((p) => p.vector));
    const word = $('word').value.trim().toLowerCase();
    const hits = points.filter((p) => p.tokens[p.index].toLowerCase() === word);
    drawHeatmap(hits, word);
    drawScatter(word, -1);
    showNeighbours(hits[0] ?? points[0]);
  } finally {
    $('embed').disabled = false;
  }
}

/** @param {{ tokens: string[], index: number }} p */
function context(p, radius = 3) {
  const from = Math.max(0, p.index - radius);
  const words = p.tokens.slice(from, p.index + radius + 1);
  words[p.index - from] = `[${words[p.index - from]}]`;
  return `${from > 0 ? '… ' : ''}${words.join(' ')}${p.index + radius + 1 < p.tokens.length ? ' …' : ''}`;
}

/** Dark blue → amber: readable on the dark page, and monotonic in lightness. */
function heat(/** @type {number} */ v) {
  const t = Math.max(0, Math.min(1, (v + 1) / 2));
  const stops = [[15, 30, 60], [40, 90, 140], [120, 160, 120], [240, 160, 32], [255, 235, 160]];
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((a, k) => Math.round(a + f * (stops[i + 1][k] - a)));
  return `rgb(${c.join(',')})`;
}

function drawHeatmap(hits, word) {
  const canvas = $('heatmap');
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#8b98a5';
  if (hits.length < 2) {
    g.fillText(`"${word}" occurs ${hits.length === 1 ? 'once' : 'nowhere'}: type it in two sentences.`, 16, 30);
    canvas.dataset.cells = '0';
    return;
  }
  const labelWidth = 190;
  const size = Math.min((canvas.width - labelWidth - 10) / hits.length, (canvas.height - 40) / hits.length);
  hits.forEach((a, i) => {
    g.fillStyle = PALETTE[a.sentence % PALETTE.length];
    g.fillText(`S${a.sentence + 1}: ${context(a, 2)}`.slice(0, 30), 4, 20 + i * size + size / 2 + 4);
    hits.forEach((b, j) => {
      const v = cosine(a.vector, b.vector);
      g.fillStyle = heat(v);
      g.fillRect(labelWidth + j * size, 20 + i * size, size - 2, size - 2);
      g.fillStyle = v > 0.3 ? '#111' : '#e6edf3';
      g.fillText(v.toFixed(2), labelWidth + j * size + size / 2 - 12, 20 + i * size + size / 2 + 4);
    });
  });
  canvas.dataset.cells = String(hits.length * hits.length);
}

/**
 * The first two principal components, by power iteration on the centred data.
 * @param {Float32Array[]} vectors
 * @returns {Array<[number, number]>}
 */
function pca2(vectors) {
  if (vectors.length === 0) return [];
  const dim = vectors[0].length;
  const mean = new Float64Array(dim);
  for (const v of vectors) for (let i = 0; i < dim; i++) mean[i] += v[i] / vectors.length;
  const centred = vectors.map((v) => Float64Array.from(v, (x, i) => x - mean[i]));
  const components = [];
  for (let c = 0; c < 2; c++) {
    let w = Float64Array.from({ length: dim }, (_, i) => Math.sin(i * 12.9898 + c) + 0.5);
    for (let iter = 0; iter < 60; iter++) {
      const next = new Float64Array(dim);
      for (const x of centred) {
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += x[i] * w[i];
        for (let i = 0; i < dim; i++) next[i] += dot * x[i];
      }
      for (const u of components) {
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += next[i] * u[i];
        for (let i = 0; i < dim; i++) next[i] -= dot * u[i];
      }
      const norm = Math.hypot(...next) || 1;
      w = next.map((x) => x / norm);
    }
    components.push(w);
  }
  return centred.map((x) => /** @type {[number, number]} */ (components.map((u) => x.reduce((a, v, i) => a + v * u[i], 0))));
}

/** PCA coordinates -> canvas pixels, with a margin for labels. */
function scatterScale(canvas, pad = 30) {
  const xs = projected.map((p) => p[0]);
  const ys = projected.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return [
    (/** @type {number} */ x) => pad + ((x - x0) / (x1 - x0 || 1)) * (canvas.width - 2 * pad),
    (/** @type {number} */ y) => canvas.height - pad - ((y - y0) / (y1 - y0 || 1)) * (canvas.height - 2 * pad),
  ];
}

function drawScatter(word, selected) {
  const canvas = $('scatter');
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (projected.length === 0) return;
  const [sx, sy] = scatterScale(canvas);
  g.font = '11px system-ui, sans-serif';
  points.forEach((p, k) => {
    const [x, y] = [sx(projected[k][0]), sy(projected[k][1])];
    const isWord = p.tokens[p.index].toLowerCase() === word;
    g.fillStyle = PALETTE[p.sentence % PALETTE.length];
    g.globalAlpha = isWord || k === selected ? 1 : 0.65;
    g.beginPath();
    g.arc(x, y, isWord ? 6 : 3.5, 0, 2 * Math.PI);
    g.fill();
    if (isWord || k === selected) {
      g.strokeStyle = '#fff';
      g.lineWidth = 2;
      g.stroke();
      g.fillText(`${p.tokens[p.index]} (S${p.sentence + 1})`, x + 8, y - 8);
    }
  });
  g.globalAlpha = 1;
  canvas.dataset.points = String(points.length);
}

function showNeighbours(target) {
  const list = $('neighbours');
  list.replaceChildren();
  if (!target) return;
  const ranked = points
    .filter((p) => p !== target)
    .map((p) => ({ p, score: cosine(target.vector, p.vector) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 10);
  const head = document.createElement('li');
  head.style.listStyle = 'none';
  head.textContent = `Nearest to ${context(target)}:`;
  list.append(head);
  for (const { p, score } of ranked) {
    const li = document.createElement('li');
    const s = Object.assign(document.createElement('span'), { className: 'score', textContent: score.toFixed(3) });
    const c = Object.assign(document.createElement('span'), { className: 'ctx', textContent: ` S${p.sentence + 1}: ${context(p)}` });
    li.append(s, p.tokens[p.index], c);
    list.append(li);
  }
}

$('scatter').addEventListener('click', (/** @type {MouseEvent} */ e) => {
  const canvas = $('scatter');
  const rect = canvas.getBoundingClientRect();
  const x = ((e.clientX - rect.left) * canvas.width) / rect.width;
  const y = ((e.clientY - rect.top) * canvas.height) / rect.height;
  const [sx, sy] = scatterScale(canvas);
  let best = -1;
  let bestDist = 15 ** 2;
  projected.forEach(([px, py], k) => {
    const d = (sx(px) - x) ** 2 + (sy(py) - y) ** 2;
    if (d < bestDist) [best, bestDist] = [k, d];
  });
  if (best >= 0) {
    drawScatter($('word').value.trim().toLowerCase(), best);
    showNeighbours(points[best]);
  }
});
$('embed').addEventListener('click', run);
$('layer').addEventListener('change', run);
$('word').addEventListener('change', run);

loadModel()
  .then(run)
  .catch((error) => {
    $('model-name').textContent = 'The model could not be loaded';
    $('load-status').textContent = String(error.message ?? error);
    document.body.dataset.error = String(error.message ?? error);
  });
