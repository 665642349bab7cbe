import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from '../../js/api/text-tokenizer.js';

const cases = [
  ['splits punctuation and keeps U.S. and numbers', 'The U.S. spent $1,000.50 (3.14%) in 2009, he said.',
    ['The', 'U.S.', 'spent', '$', '1,000.50', '(', '3.14', '%', ')', 'in', '2009', ',', 'he', 'said', '.']],
  ['splits contractions as the Treebank does', "I can't say they're sure it's John's or we'd've",
    ['I', 'ca', "n't", 'say', 'they', "'re", 'sure', 'it', "'s", 'John', "'s", 'or', 'we', "'d", "'ve"]],
  ['keeps titles, initials, hyphenated words and times', 'Dr. J. Smith met bio-identical fans at 10:30.',
    ['Dr.', 'J.', 'Smith', 'met', 'bio-identical', 'fans', 'at', '10:30', '.']],
  ['splits quotes, ellipses and stacked marks', '"Really?!" ... (yes)',
    ['"', 'Really', '?', '!', '"', '...', '(', 'yes', ')']],
  ['keeps URLs and e-mail addresses whole, less a final period', 'See https://a.org/x?y=1. Or mail me@x.org.',
    ['See', 'https://a.org/x?y=1', '.', 'Or', 'mail', 'me@x.org', '.']],
  ['handles non-ASCII text and curly quotes', '“Zürich’s” café — naïve 東京!',
    ['“', 'Zürich', '’s', '”', 'café', '—', 'naïve', '東京', '!']],
  ['gives nothing for blank text', '  \n\t ', []],
];

for (const [what, text, expected] of cases) {
  test(what, () => {
    const { tokens, offsets } = tokenize(text);
    assert.deepEqual(tokens, expected);
    assert.equal(offsets.length, tokens.length);
    tokens.forEach((token, i) => assert.equal(text.slice(...offsets[i]), token, `offset of token ${i}`));
  });
}
