/**
 * models/mini/ship.js's reading of a run's train-log.txt: a session
 * lasts from its start or resume line to its last checkpoint, and the last
 * checkpoint gives the steps, tokens and loss.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainingSummary } from '../../models/mini/ship.js';

test('training hours add up the sessions; the last checkpoint gives steps and tokens', () => {
  const log = [
    '2026-12-03T05:00:00.000Z start: step 0',
    '2026-12-03T05:30:00.000Z checkpoint: step 100, 256000 tokens, loss 6.000',
    '2026-12-03T06:00:00.000Z checkpoint: step 200, 512000 tokens, loss 5.500, held-out perplexity 300.000 (forward 310.000, backward 290.000)',
    // killed here; 30 minutes of a dead process do not count
    '2026-12-03T07:00:00.000Z resume: step 200',
    '2026-12-03T07:45:00.000Z checkpoint: step 300, 768000 tokens, loss 5.250, held-out perplexity 280.000 (forward 281.000, backward 279.000)',
  ].join('\n');
  assert.deepEqual(trainingSummary(log), { steps: 300, tokens: 768000, trainingLoss: 5.25, hours: 1.75 });
  assert.deepEqual(trainingSummary('2026-12-03T07:00:00.000Z start: step 0\n'), { steps: 0, tokens: 0, trainingLoss: NaN, hours: 0 });
});
