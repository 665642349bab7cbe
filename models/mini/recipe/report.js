/**
 * The corpus's manifest (sources.json) as tables: the summary printed at the
 * end of a build, and SOURCES.md.
 */

/**
 * @typedef {object} ManifestSource
 * @property {string} id
 * @property {string} title
 * @property {string} manager
 * @property {string} package
 * @property {string} version
 * @property {string} license
 * @property {string} licenseSource
 * @property {number} keptSentences
 * @property {number} keptTokens
 * @property {number} duplicates
 * @property {Record<string, number>} dropped
 */

/**
 * @typedef {object} Manifest
 * @property {ManifestSource[]} sources
 * @property {Record<string, { sentences: number, tokens: number }>} totals
 * @property {Record<string, number>} limits
 * @property {Record<string, number>} splits
 * @property {string} tokenizer
 */

const n = (/** @type {number} */ x) => x.toLocaleString('en-US');

/** @param {string[][]} rows the first is the header */
function markdownTable(rows) {
  const [header, ...body] = rows;
  return [header, header.map(() => '---'), ...body].map((row) => `| ${row.join(' | ')} |`).join('\n') + '\n';
}

/** @param {Manifest} manifest */
export function summaryTable(manifest) {
  const { sources, totals } = manifest;
  const all = Object.values(totals).reduce((a, t) => ({ sentences: a.sentences + t.sentences, tokens: a.tokens + t.tokens }), { sentences: 0, tokens: 0 });
  const rows = [
    ['source', 'package', 'version', 'license', 'sentences', 'tokens'],
    ...sources.map((s) => [s.id, `${s.manager}:${s.package}`, s.version, s.license, n(s.keptSentences), n(s.keptTokens)]),
    ['**all**', '', '', '', n(all.sentences), n(all.tokens)],
  ];
  const splits = Object.entries(totals).map(([name, t]) => `${name}: ${n(t.sentences)} sentences, ${n(t.tokens)} tokens`);
  return `${markdownTable(rows)}\n${splits.join('\n')}\n`;
}

/** @param {Manifest} manifest */
export function sourcesMarkdown(manifest) {
  const { limits, splits, tokenizer } = manifest;
  const dropped = manifest.sources.map((s) => [
    s.id,
    n(s.duplicates),
    Object.entries(s.dropped)
      .sort((a, b) => b[1] - a[1])
      .map(([reason, count]) => `${reason} ${n(count)}`)
      .join(', '),
  ]);
  return [
    '# The mini corpus: sources',
    '',
    'Built by `npm run corpus:mini` (models/mini/recipe/build-corpus.js). One sentence a line,',
    `tokenized by ${tokenizer}, tokens joined by single spaces; exact duplicates removed (the first source keeps a sentence);`,
    `kept: ${limits.minTokens} to ${limits.maxTokens} tokens, starting with a capital or a digit, ending in . ! ? ... or …,`,
    `at least ${limits.minWordShare * 100}% of the non-punctuation tokens containing a letter, at most ${limits.maxUpperShare * 100}% of letters in capitals, no boilerplate.`,
    `Split by the SHA-256 of the sentence: ${Object.entries(splits).map(([name, share]) => `${name} ${share * 100}%`).join(', ')}.`,
    '',
    summaryTable(manifest),
    '## Titles and licences',
    '',
    markdownTable([['source', 'title', 'license', 'read in'], ...manifest.sources.map((s) => [s.id, s.title, s.license, s.licenseSource])]),
    '## Dropped',
    '',
    markdownTable([['source', 'duplicates', 'dropped sentences, by reason'], ...dropped]),
  ].join('\n');
}
