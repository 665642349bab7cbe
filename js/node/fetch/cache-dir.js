/** Where downloaded models live, by the XDG convention other tools follow. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * $ELMO_WASM_CACHE, else $XDG_CACHE_HOME/elmo-wasm, else ~/.cache/elmo-wasm.
 * @param {Record<string, string | undefined>} [env]
 * @param {string} [home]
 * @returns {string}
 */
export function defaultCacheDir(env = process.env, home = homedir()) {
  if (env.ELMO_WASM_CACHE) return env.ELMO_WASM_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'elmo-wasm');
  return join(home, '.cache', 'elmo-wasm');
}
