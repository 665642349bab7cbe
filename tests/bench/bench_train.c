/*
 * bench_train.c — training tokens/s of the native trainer (batch × unroll
 * positions per step, batch 64 × 20, vocabulary 50,000) on the model an
 * options JSON describes, with the given number of sampled negatives. Random
 * tokens and targets (the speed does not depend on what they are). Prints
 * "bench_train <tokens/s> <s/step> <loss>"; asserts nothing. Usage:
 * bench_train <options json> <negatives> [steps] [threads]. tests/bench/train-bench.js
 * holds the shapes, runs it and prints the table.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "elmo.h"
#include "../c/pool_helpers.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_train <options json> <negatives> [steps] [threads]\n");
        return 2;
    }
    const char *options = argv[1];
    const int32_t negatives = atoi(argv[2]);
    const int steps = argc > 3 ? atoi(argv[3]) : 5;
    const int32_t threads = argc > 4 ? atoi(argv[4]) : 1;
    if (negatives < 1 || steps < 1 || threads < 1 || threads > 8) {
        fprintf(stderr, "bench_train: negatives and steps must be >= 1, threads in 1..8\n");
        return 2;
    }
    const int32_t V = 50000, B = 64, T = 20, N = B * T;
    elmo_trainer_params p = elmo_trainer_default_params();
    p.batch_size = B, p.unroll_steps = T, p.n_negatives = negatives;
    elmo_trainer *t = elmo_trainer_create();
    if (elmo_trainer_init(t, options, strlen(options), V, &p)) {
        fprintf(stderr, "%s\n", elmo_trainer_last_error(t));
        return 1;
    }
    elmo_thread_pool *pool = threads > 1 ? elmo_thread_pool_create(threads) : NULL;
    pool_helpers helpers;
    if (pool) pool_helpers_start(&helpers, pool, threads);
    elmo_trainer_set_thread_pool(t, pool);
    /* a token table of N distinct 3..9-letter words */
    uint8_t *bytes = malloc((size_t)N * 10);
    uint32_t *offsets = malloc(((size_t)N + 1) * sizeof *offsets);
    int32_t *tok[2], *tgt[2];
    uint32_t at = 0, seed = 1;
    for (int32_t u = 0; u < N; u++) {
        offsets[u] = at;
        seed = seed * 1664525u + 1013904223u;
        const uint32_t len = 3 + (seed >> 16) % 7;
        for (uint32_t i = 0; i < len; i++) bytes[at++] = (uint8_t)('a' + (u * 7 + i * 13) % 26);
    }
    offsets[N] = at;
    for (int d = 0; d < 2; d++) {
        tok[d] = malloc((size_t)N * sizeof(int32_t));
        tgt[d] = malloc((size_t)N * sizeof(int32_t));
        for (int32_t n = 0; n < N; n++) {
            seed = seed * 1664525u + 1013904223u;
            tok[d][n] = (int32_t)((seed >> 8) % (uint32_t)N);
            tgt[d][n] = (int32_t)((seed >> 4) % (uint32_t)V);
        }
    }
    const elmo_trainer_batch batch = {bytes, offsets, N, {tok[0], tok[1]}, {tgt[0], tgt[1]}};
    float loss = 0;
    if (elmo_trainer_step(t, &batch, &loss)) { /* warm-up */
        fprintf(stderr, "%s\n", elmo_trainer_last_error(t));
        return 1;
    }
    const double t0 = now();
    for (int s = 0; s < steps; s++) elmo_trainer_step(t, &batch, &loss);
    const double secs = now() - t0;
    printf("bench_train %.1f %.3f %.3f\n", steps * (double)N / secs, secs / steps, loss);
    elmo_trainer_free(t);
    if (pool) {
        pool_helpers_join(&helpers);
        elmo_thread_pool_free(pool);
    }
    return 0;
}
