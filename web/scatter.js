/**
 * The token map: every token's vector projected on its first two principal
 * components, drawn on a canvas with its label, coloured by sentence.
 */
import { sentenceColor } from './palette.js';

const PAD = 28;

/**
 * @param {HTMLCanvasElement} canvas
 * @param {number[][]} coords (x, y) per point
 * @returns {(p: number[]) => [number, number]} PCA coordinates -> CSS pixels
 */
function scaler(canvas, coords) {
  const xs = coords.map((c) => c[0] ?? 0);
  const ys = coords.map((c) => c[1] ?? 0);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const { clientWidth: w, clientHeight: h } = canvas;
  return ([x = 0, y = 0]) => [PAD + ((x - x0) / (x1 - x0 || 1)) * (w - 2 * PAD), h - PAD - ((y - y0) / (y1 - y0 || 1)) * (h - 2 * PAD)];
}

/**
 * Draws the points; returns a function that finds the point under a click.
 * @param {HTMLCanvasElement} canvas
 * @param {{ text: string, sentence: number }[]} points
 * @param {number[][]} coords
 * @param {{ selected: number, explained: number[] }} options
 * @returns {(x: number, y: number) => number} CSS pixels in the canvas -> point index, or -1
 */
export function drawScatter(canvas, points, coords, { selected, explained }) {
  // Draw at the screen's resolution, so labels stay sharp on high-DPI displays.
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * ratio);
  canvas.height = Math.round(canvas.clientHeight * ratio);
  const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.clientWidth, canvas.clientHeight);
  const place = scaler(canvas, coords);

  // Axes through the mean (0, 0), labelled with the share of variance each shows.
  const [ox, oy] = place([0, 0]);
  g.strokeStyle = '#e3e7ee';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(PAD / 2, oy);
  g.lineTo(canvas.clientWidth - PAD / 2, oy);
  g.moveTo(ox, PAD / 2);
  g.lineTo(ox, canvas.clientHeight - PAD / 2);
  g.stroke();
  g.fillStyle = '#8a94a6';
  g.font = '11px system-ui, sans-serif';
  g.fillText(`PC1 ${(100 * (explained[0] ?? 0)).toFixed(0)}%`, canvas.clientWidth - PAD - 40, oy - 6);
  g.fillText(`PC2 ${(100 * (explained[1] ?? 0)).toFixed(0)}%`, ox + 6, PAD / 2 + 8);

  const order = points.map((_, k) => k).sort((a, b) => Number(a === selected) - Number(b === selected));
  for (const k of order) {
    const p = points[k];
    const [x, y] = place(coords[k]);
    const color = sentenceColor(p.sentence);
    g.beginPath();
    g.arc(x, y, k === selected ? 7 : 4.5, 0, 2 * Math.PI);
    g.fillStyle = color;
    g.fill();
    if (k === selected) {
      g.lineWidth = 2.5;
      g.strokeStyle = '#111827';
      g.stroke();
    }
    g.font = k === selected ? 'bold 13px system-ui, sans-serif' : '12px system-ui, sans-serif';
    g.fillStyle = k === selected ? '#111827' : color;
    g.fillText(p.text, x + 7, y - 6);
  }

  return (cx, cy) => {
    let best = -1;
    let bestDistance = 14 ** 2;
    coords.forEach((c, k) => {
      const [x, y] = place(c);
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (d < bestDistance) [best, bestDistance] = [k, d];
    });
    return best;
  };
}
