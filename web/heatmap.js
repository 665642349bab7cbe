/**
 * The word-in-context heatmap: the cosine of every token with every other,
 * across all the sentences, as a grid of DOM cells (text stays selectable,
 * each cell says its pair and value on hover, and tests can count cells).
 */
import { sentenceColor } from './palette.js';

/**
 * @typedef {object} TokenPoint
 * @property {string} text
 * @property {number} sentence index of its sentence
 * @property {number} index index in its sentence
 * @property {Float32Array} vector unit length
 */

/** Words too common to make a word-in-context example. */
const STOPWORDS = new Set(['the', 'and', 'for', 'are', 'was', 'were', 'with', 'that', 'this', 'from', 'his', 'her', 'its', 'you', 'they', 'but', 'not', 'has', 'had', 'have']);

/**
 * A perceptually even ramp (pale to deep blue), so that darker always means more similar.
 * @param {number} t 0..1
 */
export function heatColor(t) {
  t = Math.min(1, Math.max(0, t));
  const stops = [[247, 251, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107]];
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return `rgb(${stops[i].map((a, c) => Math.round(a + f * (stops[i + 1][c] - a))).join(' ')})`;
}

/** @param {TokenPoint} a @param {TokenPoint} b */
const dot = (a, b) => a.vector.reduce((s, v, i) => s + v * b.vector[i], 0);

/**
 * @param {string} tag
 * @param {string} className
 * @param {string} [text]
 */
function el(tag, className, text = '') {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/**
 * Draws the grid into `container`.
 * @param {HTMLElement} container
 * @param {TokenPoint[]} points
 * @param {{ selected: number, onSelect: (k: number) => void }} options
 */
export function drawHeatmap(container, points, { selected, onSelect }) {
  const n = points.length;
  // Cells shrink with the token count, down to a size that still takes a click.
  const cell = Math.max(12, Math.min(34, Math.floor(520 / Math.max(n, 1))));
  const values = points.map((a, i) => points.map((b, j) => (i === j ? 1 : dot(a, b))));
  // The colour scale spans the off-diagonal range, so that a model whose cosines all sit
  // near 0.9 (the small test model, or any top layer) still shows its differences.
  const off = values.flatMap((row, i) => row.filter((_, j) => j !== i));
  const lo = off.length ? Math.min(...off) : 0;
  const hi = off.length ? Math.max(...off) : 1;
  const scale = (/** @type {number} */ v) => (hi > lo ? (v - lo) / (hi - lo) : 1);
  // Outline only the pairs the caption lists, not every repeated "the" or ".".
  const pairKeys = new Set(repeatedWords(points).flatMap(({ a, b }) => {
    const [i, j] = [points.indexOf(a), points.indexOf(b)];
    return [`${i} ${j}`, `${j} ${i}`];
  }));
  const grid = el('div', 'heatmap-grid');
  grid.style.gridTemplateColumns = `max-content repeat(${n}, ${cell}px)`;
  grid.style.gridTemplateRows = `max-content repeat(${n}, ${cell}px)`;
  grid.append(el('div', 'corner'));
  points.forEach((p, j) => {
    const label = el('button', `col-label${j === selected ? ' selected' : ''}`, p.text);
    label.style.setProperty('--sentence', sentenceColor(p.sentence));
    label.title = `${p.text} (sentence ${p.sentence + 1})`;
    label.onclick = () => onSelect(j);
    grid.append(label);
  });
  points.forEach((a, i) => {
    const label = el('button', `row-label${i === selected ? ' selected' : ''}`, a.text);
    label.style.setProperty('--sentence', sentenceColor(a.sentence));
    label.dataset.token = a.text;
    label.onclick = () => onSelect(i);
    grid.append(label);
    points.forEach((b, j) => {
      const value = values[i][j];
      const same = pairKeys.has(`${i} ${j}`);
      const c = el('div', `cell${same ? ' same-word' : ''}${i === selected || j === selected ? ' in-selection' : ''}`);
      c.style.background = heatColor(scale(value));
      c.title = `${a.text} (S${a.sentence + 1}) · ${b.text} (S${b.sentence + 1}): ${value.toFixed(3)}`;
      c.dataset.value = value.toFixed(4);
      c.onclick = () => onSelect(i);
      grid.append(c);
    });
  });
  const legend = el('div', 'heat-legend');
  legend.append(el('span', '', lo.toFixed(3)), el('span', 'ramp'), el('span', '', `${hi.toFixed(3)} cosine`));
  container.replaceChildren(grid, legend);
}

/**
 * The pairs that make the point: one word in two different places, with its cosine.
 * @param {TokenPoint[]} points
 * @returns {{ a: TokenPoint, b: TokenPoint, value: number }[]} highest first
 */
export function repeatedWords(points) {
  const pairs = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const [a, b] = [points[i], points[j]];
      const word = a.text.toLowerCase();
      // Punctuation and function words repeat everywhere; a content word in two sentences tells the story.
      if (word === b.text.toLowerCase() && a.sentence !== b.sentence && /\p{L}{3,}/u.test(word) && !STOPWORDS.has(word)) {
        pairs.push({ a, b, value: dot(a, b) });
      }
    }
  }
  return pairs;
}
