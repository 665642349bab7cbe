/**
 * Generates random-weight models of the official shapes as a released model
 * ships (options.json + a bilm-tf-layout weight HDF5), converts them with the
 * project's converter, and caches the converted directories under
 * out/bench-models/<name>/ so reruns skip all of it. Nothing is downloaded.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertModel } from '../../js/node/convert/convert.js';
import { ensureParentGroups, openHdf5 } from '../../js/node/io/hdf5.js';
import { expectedTensors } from '../../js/format/tensor-plan.js';
import { releasedOptions } from './models.js';

export const modelsRoot = fileURLToPath(new URL('../../out/bench-models/', import.meta.url));

/** A fast deterministic generator of uniform floats in [-scale, scale). */
class Random {
  /** @param {number} seed a non-zero 32-bit integer */
  constructor(seed) {
    this.state = seed >>> 0 || 1;
  }

  /**
   * @param {number} count
   * @param {number} scale
   */
  floats(count, scale) {
    const out = new Float32Array(count);
    let s = this.state;
    for (let i = 0; i < count; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * scale;
    }
    this.state = s >>> 0;
    return out;
  }
}

/**
 * Weights of a plausible magnitude: 1/sqrt(fan-in) for matrices (so values
 * neither vanish into denormals nor saturate every gate), 0.1 for vectors.
 * @param {number[]} shape
 */
function scaleFor(shape) {
  if (shape.length === 1) return 0.1;
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return 1 / Math.sqrt(fanIn);
}

/**
 * Writes `options.json` and `weights.hdf5` of a random model in `dir`, with
 * the dataset names and shapes of the released files.
 * @param {any} options
 * @param {string} dir
 * @param {number} seed
 */
export async function writeRandomModel(options, dir, seed) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'options.json'), JSON.stringify(options));
  const random = new Random(seed);
  const file = await openHdf5(join(dir, 'weights.hdf5'), 'w');
  try {
    const written = new Set();
    for (const spec of expectedTensors(options)) {
      if (written.has(spec.source)) continue; // W_0 holds both W_x and W_h
      written.add(spec.source);
      const count = spec.sourceShape.reduce((a, b) => a * b, 1);
      const scale = spec.source === 'char_embed' ? 1 : scaleFor(spec.sourceShape);
      ensureParentGroups(file, spec.source);
      file.create_dataset({ name: spec.source, data: random.floats(count, scale), shape: spec.sourceShape, dtype: '<f' });
    }
  } finally {
    file.close();
  }
}

/**
 * What a cached conversion depends on: the options and the code that writes
 * a model (js/format/, js/node/convert/, js/node/io/), so a changed converter
 * or format converts again.
 * @param {any} options
 */
async function cacheKey(options) {
  const hash = createHash('sha256').update(JSON.stringify(options));
  for (const folder of ['format/', 'node/convert/', 'node/io/']) {
    const dir = fileURLToPath(new URL(`../../js/${folder}`, import.meta.url));
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.js')).sort()) hash.update(folder + f).update(await readFile(join(dir, f)));
  }
  return hash.digest('hex');
}

/**
 * The converted model directory of a benchmark shape, generated and converted
 * unless a previous run left it (same options, same converter) in out/bench-models/.
 * @param {import('./models.js').BenchShape} shape
 * @param {(message: string) => void} [log]
 * @param {import('../../js/format/model-format.js').GemmDtype} [dtype] of the converted GEMM weights
 * @returns {Promise<string>} the model directory
 */
export async function benchModel(shape, log = () => {}, dtype = 'float32') {
  const options = releasedOptions(shape);
  const name = dtype === 'float32' ? shape.name : `${shape.name}-${dtype}`;
  const modelDir = join(modelsRoot, name);
  const stampPath = join(modelsRoot, `${name}.key`);
  const key = `${await cacheKey(options)} ${dtype}`;
  const cached = await readFile(stampPath, 'utf8').catch(() => '');
  if (cached === key) return modelDir;
  const sourceDir = join(modelsRoot, `.source-${name}`);
  log(`generating the random ${shape.name} model (bilm-tf layout) and converting it (${dtype}) into ${modelDir}`);
  const t0 = performance.now();
  await writeRandomModel(options, sourceDir, 0x5eed + shape.lstmDim);
  await convertModel(join(sourceDir, 'options.json'), join(sourceDir, 'weights.hdf5'), modelDir, { name: `random-${name}`, dtype });
  await rm(sourceDir, { recursive: true, force: true });
  await writeFile(stampPath, key);
  log(`  ${shape.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return modelDir;
}
