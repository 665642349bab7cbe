/*
 * test_train_threads.c — the trainer on a pool (elmo_trainer_set_thread_pool)
 * gives the same bits as on one thread: after steps with dropout, the sampled
 * and the full softmax, weights, Adagrad accumulators, losses, LSTM states and
 * evaluations are equal on pools of 2 and 3 threads (the third idles). The
 * token table is long enough that the token layer's rows are split.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "pool_helpers.h"
#include "test_util.h"
#include "trainer_buffers.h"

static const char *OPTIONS =
    "{\"char_cnn\":{\"embedding\":{\"dim\":4},\"filters\":[[1,4],[2,8],[3,8]],\"n_highway\":2,"
    "\"n_characters\":261,\"max_characters_per_token\":10,\"activation\":\"tanh\"},"
    "\"lstm\":{\"dim\":24,\"projection_dim\":8,\"n_layers\":2,\"use_skip_connections\":true,"
    "\"cell_clip\":1,\"proj_clip\":1}}";

enum { VOCAB = 50, BATCH = 5, UNROLL = 7, N = BATCH * UNROLL, STEPS = 12, MAX_THREADS = 3 };

typedef struct batch_buf {
    uint8_t bytes[N * 8];
    uint32_t offsets[N + 1];
    int32_t tokens[2][N], targets[2][N];
    elmo_trainer_batch b;
} batch_buf;

/* A table of N distinct words (> 16: the token layer splits its rows) and random targets. */
static void make_batch(batch_buf *bb, uint32_t seed) {
    uint32_t at = 0;
    for (int u = 0; u < N; u++) {
        bb->offsets[u] = at;
        seed = seed * 1664525u + 1013904223u;
        const uint32_t len = 2 + (seed >> 20) % 6;
        for (uint32_t i = 0; i < len; i++) bb->bytes[at++] = (uint8_t)('a' + (u * 5 + i * 11 + (seed >> 8)) % 26);
    }
    bb->offsets[N] = at;
    for (int d = 0; d < 2; d++)
        for (int n = 0; n < N; n++) {
            seed = seed * 1664525u + 1013904223u;
            bb->tokens[d][n] = (int32_t)((seed >> 8) % N);
            bb->targets[d][n] = (seed >> 4) % 9 == 0 ? -1 : (int32_t)((seed >> 12) % VOCAB);
        }
    bb->b = (elmo_trainer_batch){bb->bytes, bb->offsets, N, {bb->tokens[0], bb->tokens[1]},
                                 {bb->targets[0], bb->targets[1]}};
}

typedef struct run_result {
    float loss[STEPS];
    double nll[2];
    float *weights, *accum, *state;
    size_t floats, state_floats;
} run_result;

static run_result train(elmo_thread_pool *pool, int32_t negatives) {
    elmo_trainer_params p = elmo_trainer_default_params();
    p.batch_size = BATCH, p.unroll_steps = UNROLL, p.n_negatives = negatives, p.seed = 11, p.dropout = 0.2f;
    p.learning_rate = 0.3f;
    elmo_trainer *t = elmo_trainer_create();
    run_result r;
    memset(&r, 0, sizeof r);
    CHECK(elmo_trainer_init(t, OPTIONS, strlen(OPTIONS), VOCAB, &p) == ELMO_STATUS_OK, "init: %s",
          elmo_trainer_last_error(t));
    CHECK(elmo_trainer_set_thread_pool(t, pool) == ELMO_STATUS_OK, "set pool");
    batch_buf bb;
    for (int step = 0; step < STEPS; step++) {
        make_batch(&bb, 7u + (uint32_t)(step % 2)); /* two batches in turn: the loss can go down */
        CHECK(elmo_trainer_step(t, &bb.b, &r.loss[step]) == ELMO_STATUS_OK, "step: %s", elmo_trainer_last_error(t));
    }
    int64_t count[2];
    CHECK(elmo_trainer_eval(t, &bb.b, 0, r.nll, count) == ELMO_STATUS_OK, "eval");
    r.floats = trainer_total_floats(t);
    r.weights = trainer_snapshot(t, ELMO_TRAINER_WEIGHTS);
    r.accum = trainer_snapshot(t, ELMO_TRAINER_ACCUMULATORS);
    const float *state = elmo_trainer_state(t, &r.state_floats);
    r.state = malloc(r.state_floats * sizeof(float));
    memcpy(r.state, state, r.state_floats * sizeof(float));
    elmo_trainer_free(t);
    return r;
}

static void free_result(run_result *r) { free(r->weights), free(r->accum), free(r->state); }

static void compare_on_pool(int32_t n_threads, int32_t negatives, const run_result *alone) {
    elmo_thread_pool *pool = elmo_thread_pool_create(n_threads);
    CHECK(pool != NULL, "pool of %d", (int)n_threads);
    if (!pool) return;
    pool_helpers helpers;
    pool_helpers_start(&helpers, pool, n_threads);
    run_result r = train(pool, negatives);
    pool_helpers_join(&helpers);
    elmo_thread_pool_free(pool);
    CHECK(memcmp(r.loss, alone->loss, sizeof r.loss) == 0, "%d threads, %d negatives: the same losses", (int)n_threads,
          (int)negatives);
    CHECK(r.floats == alone->floats && memcmp(r.weights, alone->weights, r.floats * sizeof(float)) == 0,
          "%d threads, %d negatives: the same weights", (int)n_threads, (int)negatives);
    CHECK(memcmp(r.accum, alone->accum, r.floats * sizeof(float)) == 0, "%d threads: the same accumulators",
          (int)n_threads);
    CHECK(memcmp(r.state, alone->state, r.state_floats * sizeof(float)) == 0, "%d threads: the same LSTM states",
          (int)n_threads);
    CHECK(r.nll[0] == alone->nll[0] && r.nll[1] == alone->nll[1], "%d threads: the same evaluation", (int)n_threads);
    free_result(&r);
}

int main(void) {
    const int32_t negatives[] = {12, VOCAB}; /* sampled, then the full softmax */
    for (int i = 0; i < 2; i++) {
        run_result alone = train(NULL, negatives[i]);
        CHECK(alone.loss[STEPS - 1] < alone.loss[0], "%d negatives: the loss goes down (%.4f -> %.4f)",
              (int)negatives[i], alone.loss[0], alone.loss[STEPS - 1]);
        for (int32_t n = 2; n <= MAX_THREADS; n++) compare_on_pool(n, negatives[i], &alone);
        free_result(&alone);
    }
    return test_report("test_train_threads");
}
