/** The last line `elmo-wasm embed` prints: what it wrote, and how fast. */

/**
 * @param {string} output
 * @param {import('../output/embed-file.js').EmbedFileResult} result
 * @param {string} [shard] the --shard flag as given
 * @returns {string}
 */
export function embedSummary(output, { sentences, tokens, seconds, total, resumedFrom, alreadyComplete }, shard) {
  const what = shard === undefined ? '' : ` (shard ${shard})`;
  if (alreadyComplete) return `${output}${what} was already complete (${total} sentences): nothing to do`;
  const resumed = resumedFrom > 0 ? ` (resumed after ${resumedFrom}; this run ${sentences})` : '';
  const rate = seconds > 0 ? tokens / seconds : 0;
  return `wrote ${output}${what}: ${total} sentences${resumed}, ${tokens} tokens in ${seconds.toFixed(2)} s (${rate.toFixed(0)} tokens/s)`;
}
