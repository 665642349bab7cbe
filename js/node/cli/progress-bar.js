/** A one-line progress bar for a terminal's stderr; silent when stderr is not a terminal. */

/** @param {number} seconds */
function clock(seconds) {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * @param {{ stream?: NodeJS.WriteStream, label?: string }} [options]
 */
export function createProgressBar({ stream = process.stderr, label = '' } = {}) {
  const enabled = !!stream.isTTY;
  const started = performance.now();
  return {
    /**
     * @param {number} done
     * @param {number} total
     * @param {string} [detail]
     */
    update(done, total, detail = '') {
      if (!enabled) return;
      const elapsed = (performance.now() - started) / 1000;
      const width = 30;
      const filled = total ? Math.round((width * done) / total) : width;
      const eta = done ? (elapsed * (total - done)) / done : Infinity;
      stream.write(
        `\r${label}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${detail} ETA ${clock(eta)}\x1b[K`,
      );
    },
    end() {
      if (enabled) stream.write('\n');
    },
  };
}
