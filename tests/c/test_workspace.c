/*
 * test_workspace.c — elmo_context_set_workspace_limit(): under a limit the
 * token encoder and the LSTM input products run in chunks (down to one
 * token and one step per row), and the outputs are the very bits of the
 * unlimited run — stateless and stateful, both directions, with and without
 * the token cache. Below the least workspace a batch needs, the call fails
 * with OUT_OF_MEMORY and changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "model_builder.h"
#include "test_util.h"

enum { N_SENT = 5, MAX_TOKENS = 120 };

typedef struct batch {
    uint8_t bytes[N_SENT * MAX_TOKENS * 16];
    uint32_t offsets[N_SENT * MAX_TOKENS + 1];
    int32_t lengths[N_SENT];
} batch;

/* Words that repeat (cache hits and pending misses) and some longer than max_chars. */
static void make_batch(batch *b, const int32_t *lengths, uint32_t seed) {
    static const char *words[] = {"the", "bank", "é", "数", "river", "a", "verylongtokenindeed", "🙂", "."};
    uint32_t rng = seed, at = 0;
    size_t token = 0;
    b->offsets[0] = 0;
    for (int s = 0; s < N_SENT; s++) {
        b->lengths[s] = lengths[s];
        for (int32_t i = 0; i < lengths[s]; i++) {
            const char *w = words[(int)((test_random(&rng) + 1.0f) * 4.49f)];
            memcpy(b->bytes + at, w, strlen(w));
            at += (uint32_t)strlen(w);
            if (test_random(&rng) > 0.5f) b->bytes[at++] = (uint8_t)('a' + (i % 26)); /* many distinct tokens */
            b->offsets[++token] = at;
        }
    }
}

static float *run(elmo_context *ctx, const elmo_model *model, const batch *b, int flags, size_t *n,
                  elmo_status *status) {
    *n = elmo_output_floats(model, b->lengths, N_SENT, flags);
    float *out = calloc(*n, sizeof(float));
    *status = elmo_embed(ctx, b->bytes, b->offsets, b->lengths, N_SENT, flags, out, *n);
    return out;
}

/* The smallest limit the batch runs under, by bisection: the chunks of one token and one step. */
static size_t least_limit(elmo_context *ctx, const elmo_model *model, const batch *b) {
    size_t lo = 1, hi = (size_t)1 << 22, n;
    elmo_status st;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        elmo_context_set_workspace_limit(ctx, mid);
        free(run(ctx, model, b, 0, &n, &st));
        if (st == ELMO_STATUS_OK) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static void test_limits(int cache) {
    test_model_spec spec = {.char_dim = 4, .n_characters = 262, .max_chars = 12, .n_filters = 3,
                            .filter_width = {1, 2, 3}, .filter_count = {8, 10, 14}, .n_highway = 2,
                            .activation = "relu", .lstm_dim = 24, .proj_dim = 12, .n_layers = 2,
                            .cell_clip = 3, .proj_clip = 3, .use_skip_connections = 1, .seed = 21,
                            .weight_scale = 0.4f};
    test_model tm;
    elmo_model *model = test_model_build_and_load(&spec, &tm);
    CHECK(model != NULL, "build and load the test model");
    if (!model) return;
    static batch b1, b2;
    const int32_t lengths1[N_SENT] = {7, MAX_TOKENS, 0, 31, 2}, lengths2[N_SENT] = {40, 3, 100, 1, 0};
    make_batch(&b1, lengths1, 3);
    make_batch(&b2, lengths2, 4);

    elmo_context *free_ctx = elmo_context_create(model), *tight = elmo_context_create(model);
    elmo_context_set_token_cache(free_ctx, cache ? 64 : 0);
    elmo_context_set_token_cache(tight, cache ? 64 : 0);
    CHECK(elmo_context_set_workspace_limit(NULL, 1) == ELMO_STATUS_INVALID_ARGUMENT, "NULL context");
    const size_t least = least_limit(tight, model, &b1);
    CHECK(least > 1 && least < ((size_t)1 << 22), "least workspace %zu", least);

    size_t n_ref, n;
    elmo_status st;
    float *ref = run(free_ctx, model, &b1, 0, &n_ref, &st);
    CHECK(st == ELMO_STATUS_OK, "unlimited: %s", elmo_context_last_error(free_ctx));
    /* The least limit (one token, one step per row), a few in between, and one the whole batch fits. */
    const size_t limits[] = {least, least + 3000, least + 20000, least * 3, (size_t)1 << 28};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        elmo_context_set_workspace_limit(tight, limits[i]);
        elmo_status st_want;
        float *got = run(tight, model, &b1, ELMO_EMBED_KEEP_BOUNDARIES, &n, &st);
        float *want = run(free_ctx, model, &b1, ELMO_EMBED_KEEP_BOUNDARIES, &n, &st_want);
        CHECK(st == ELMO_STATUS_OK && st_want == ELMO_STATUS_OK, "limit %zu: %s", limits[i],
              elmo_context_last_error(tight));
        CHECK(memcmp(got, want, n * sizeof(float)) == 0, "cache %d, limit %zu: not the same bits", cache, limits[i]);
        free(got), free(want);
    }

    /* Stateful: two carrying calls, a refused one in between must leave the kept state alone. */
    const size_t least2 = least_limit(tight, model, &b2);
    for (int round = 0; round < 2; round++) {
        const batch *b = round ? &b2 : &b1;
        elmo_context_set_workspace_limit(tight, round ? least2 : least);
        elmo_status st_want;
        float *want = run(free_ctx, model, b, ELMO_EMBED_STATEFUL, &n, &st_want);
        float *got = run(tight, model, b, ELMO_EMBED_STATEFUL, &n, &st);
        CHECK(st == ELMO_STATUS_OK && st_want == ELMO_STATUS_OK, "stateful round %d: %s", round, elmo_context_last_error(tight));
        CHECK(memcmp(got, want, n * sizeof(float)) == 0, "cache %d, stateful round %d: not the same bits", cache,
              round);
        free(got), free(want);
        elmo_context_set_workspace_limit(tight, 64);
        free(run(tight, model, &b2, ELMO_EMBED_STATEFUL, &n, &st));
        CHECK(st == ELMO_STATUS_OUT_OF_MEMORY, "below the least: %s", elmo_status_to_string(st));
        CHECK(strstr(elmo_context_last_error(tight), "the limit is") != NULL, "message: %s",
              elmo_context_last_error(tight));
    }
    elmo_context_set_workspace_limit(tight, 0);
    float *again = run(tight, model, &b1, 0, &n, &st);
    CHECK(st == ELMO_STATUS_OK && n == n_ref && memcmp(again, ref, n * sizeof(float)) == 0, "no limit again");
    free(again), free(ref);
    elmo_context_free(free_ctx);
    elmo_context_free(tight);
    elmo_model_free(model);
    test_model_free(&tm);
}

int main(void) {
    test_limits(0);
    test_limits(1);
    return test_report("test_workspace");
}
