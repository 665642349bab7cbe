/**
 * The data pipeline's random generator: xoshiro128** (Blackman and Vigna),
 * seeded through splitmix32. Our own, small and fully specified, so that a
 * run's shuffles are the same in every engine and its state is four integers
 * a checkpoint can store as JSON.
 */

/**
 * @param {number} x uint32
 * @param {number} k
 */
const rotl = (x, k) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Prng {
  /** @type {Uint32Array} */
  #s;

  /**
   * @param {number} seed an integer in [0, 2^32)
   */
  constructor(seed) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
    }
    // splitmix32 spreads any seed (0 included) over the 128-bit state, which
    // must not be all zeros.
    let z = seed >>> 0;
    this.#s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let x = z;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      this.#s[i] = (x ^ (x >>> 16)) >>> 0;
    }
  }

  /**
   * A generator that continues from `state` (what `state()` returned).
   * @param {unknown} state
   * @returns {Prng}
   */
  static fromState(state) {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff) || state.every((x) => x === 0)) {
      throw new TypeError(`generator state must be 4 unsigned 32-bit integers, not all zero; got ${JSON.stringify(state)}`);
    }
    const prng = new Prng(0);
    prng.#s.set(state);
    return prng;
  }

  /** @returns {number[]} the 4 state words, plain JSON */
  state() {
    return Array.from(this.#s);
  }

  /** @returns {number} the next uint32 */
  nextUint32() {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /**
   * Uniform in [0, n), without modulo bias: draws that fall in the last,
   * incomplete multiple of n are rejected.
   * @param {number} n an integer in [1, 2^32]
   */
  below(n) {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`below(n): n must be an integer in [1, 2^32], got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /**
   * Fisher–Yates, from the last element down, in place.
   * @template {{ length: number, [i: number]: any }} T
   * @param {T} array
   * @returns {T}
   */
  shuffle(array) {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}
