/*
 * bench_train.c — training tokens/s of the native trainer (batch × unroll
 * positions per step) on issue 11's target shape: char 16, filters [1,32]
 * [2,32] [3,64] [4,128] [5,256], 1 highway, projection 128, LSTM 512, 2
 * layers, batch 64 × 20, vocabulary 50,000, 4,096 negatives. Random tokens
 * and targets (the speed does not depend on what they are). Prints; asserts
 * nothing. Usage: bench_train [steps]
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "elmo.h"

static const char *OPTIONS =
    "{\"char_cnn\":{\"embedding\":{\"dim\":16},\"filters\":[[1,32],[2,32],[3,64],[4,128],[5,256]],"
    "\"n_highway\":1,\"n_characters\":261,\"max_characters_per_token\":50,\"activation\":\"relu\"},"
    "\"lstm\":{\"dim\":512,\"projection_dim\":128,\"n_layers\":2,\"use_skip_connections\":true,"
    "\"cell_clip\":3,\"proj_clip\":3}}";

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    const int steps = argc > 1 ? atoi(argv[1]) : 5;
    const int32_t V = 50000, B = 64, T = 20, N = B * T;
    elmo_trainer_params p = elmo_trainer_default_params();
    p.batch_size = B, p.unroll_steps = T, p.n_negatives = 4096;
    elmo_trainer *t = elmo_trainer_create();
    if (elmo_trainer_init(t, OPTIONS, strlen(OPTIONS), V, &p)) {
        fprintf(stderr, "%s\n", elmo_trainer_last_error(t));
        return 1;
    }
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
    elmo_trainer_step(t, &batch, &loss); /* warm-up */
    const double t0 = now();
    for (int s = 0; s < steps; s++) elmo_trainer_step(t, &batch, &loss);
    const double secs = now() - t0;
    printf("bench_train: %d steps of %d x %d, %.3f s/step, %.0f tokens/s (1 thread), loss %.3f\n", steps, B, T,
           secs / steps, steps * (double)N / secs, loss);
    elmo_trainer_free(t);
    return 0;
}
