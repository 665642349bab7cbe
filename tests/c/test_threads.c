/*
 * test_threads.c — the thread pool: products shared among 2, 3 and 4
 * threads give the same bits as one thread (elmo_gemm on float32, float16,
 * bfloat16 and int8 weights, and whole forward passes of stateless and stateful
 * batches, whole and in workspace-bounded chunks: two teams of one, one
 * team of three, two teams of two), and the helpers return after
 * elmo_thread_pool_stop().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "kernels/gemm.h"
#include "model_builder.h"
#include "pool_helpers.h"
#include "test_util.h"
#include "thread_pool.h"

enum { MAX_TEST_THREADS = 4 };

/* elmo_gemm on the pool against one thread, for each type of weight. */
static void test_gemm(elmo_thread_pool *pool, int32_t n_threads, elmo_weight_type type) {
    /* n not a multiple of the 32-column blocks, m with a partial 4-row block. */
    const size_t m = 6, n = 203, k = 97;
    uint32_t rng = 99;
    float *a = malloc(m * k * sizeof(float)), *b = malloc(k * n * sizeof(float));
    float *packed = malloc(elmo_packed_floats(k, n) * sizeof(float)), *bias = malloc(n * sizeof(float));
    uint16_t *halves = malloc(elmo_packed_floats(k, n) * sizeof(uint16_t));
    uint16_t *bfloat16s = malloc(elmo_packed_floats(k, n) * sizeof(uint16_t));
    float *one = malloc(m * n * sizeof(float)), *many = malloc(m * n * sizeof(float));
    for (size_t i = 0; i < m * k; i++) a[i] = test_random(&rng);
    for (size_t i = 0; i < k * n; i++) b[i] = test_random(&rng);
    for (size_t i = 0; i < n; i++) bias[i] = test_random(&rng);
    elmo_f32_pack_panels(k, n, b, n, packed);
    elmo_f16_pack_panels(k, n, b, n, halves);
    elmo_bf16_pack_panels(k, n, b, n, bfloat16s);
    /* An odd k: int8 rows go in pairs, so a column block starts k + 1 bytes per column in. */
    int8_t *q = malloc(elmo_i8_packed_bytes(k, n));
    float *scale = malloc(elmo_panel_columns(n) * sizeof(float));
    elmo_i8_quantize_panels(k, n, b, n, q, scale);
    const elmo_weight w = {type,
                           type == ELMO_WEIGHT_F16    ? (const void *)halves
                           : type == ELMO_WEIGHT_BF16 ? (const void *)bfloat16s
                           : type == ELMO_WEIGHT_I8   ? (const void *)q
                                                      : packed,
                           type == ELMO_WEIGHT_I8 ? scale : NULL};
    elmo_weight_gemm(m, n, k, a, k, &w, bias, one, n, 0);
    elmo_gemm(pool, m, n, k, a, k, &w, bias, many, n, 0);
    CHECK(memcmp(one, many, m * n * sizeof(float)) == 0,
          "elmo_gemm (weight type %d) on %d threads differs from one thread", (int)type, (int)n_threads);
    free(a), free(b), free(packed), free(bias), free(halves), free(bfloat16s), free(q), free(scale), free(one), free(many);
}

/* The least workspace the batch runs in, from the refusal that names it. */
static size_t least_workspace(elmo_context *ctx, const uint8_t *bytes, const uint32_t *offsets,
                              const int32_t *lengths, float *out, size_t n_out) {
    elmo_context_set_workspace_limit(ctx, 1);
    const elmo_status st = elmo_embed(ctx, bytes, offsets, lengths, 3, 0, out, n_out);
    const char *at = strstr(elmo_context_last_error(ctx), "needs at least ");
    CHECK(st == ELMO_STATUS_OUT_OF_MEMORY && at != NULL, "a 1-byte workspace is refused with the least it needs");
    return at ? (size_t)strtoull(at + strlen("needs at least "), NULL, 10) : 0;
}

/* Embeds the same batches with ctx_one (no pool) and ctx_many (the pool): a
 * sentence of text, then n_generated distinct words ("w0 w1 ..."), so that
 * the token encoder shares out the products of few tokens or the tokens of many.
 * Bounded: ctx_many's workspace is a little over the least the batch needs,
 * so tokens are encoded and input products made a chunk at a time.
 * bfloat16: the model's GEMM weights are bfloat16 (sliced by columns of 2 bytes). */
static void test_forward(elmo_thread_pool *pool, int32_t n_threads, int bounded, size_t n_generated, int bfloat16) {
    test_model_spec spec = {.char_dim = 4, .n_characters = 262, .max_chars = 20, .n_filters = 3,
                            .filter_width = {1, 2, 3}, .filter_count = {40, 50, 70}, .n_highway = 1,
                            .activation = "relu", .lstm_dim = 96, .proj_dim = 40, .n_layers = 2,
                            .cell_clip = 3, .proj_clip = 3, .use_skip_connections = 1, .seed = 11,
                            .weight_scale = 0.2f, .bfloat16 = bfloat16};
    test_model tm;
    elmo_model *model = test_model_build_and_load(&spec, &tm);
    CHECK(model != NULL, "build and load the test model");
    if (!model) return;
    elmo_context *ctx_one = elmo_context_create(model), *ctx_many = elmo_context_create(model);
    CHECK(elmo_context_set_thread_pool(ctx_many, pool) == ELMO_STATUS_OK, "set pool");

    const char *text = "the bank of the river was steep and the bank on the corner closed early today";
    uint8_t bytes[2048];
    uint32_t offsets[256] = {0};
    size_t n_tokens = 0, len = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ') p++;
        while (*p && *p != ' ') bytes[len++] = (uint8_t)*p++;
        offsets[++n_tokens] = (uint32_t)len;
    }
    for (size_t i = 0; i < n_generated && n_tokens + 1 < 256 && len + 8 < sizeof bytes; i++) {
        len += (size_t)snprintf((char *)bytes + len, sizeof bytes - len, "w%zu", i);
        offsets[++n_tokens] = (uint32_t)len;
    }
    const int32_t lengths[3] = {5, 0, (int32_t)n_tokens - 5};
    size_t workspace_limit = 0;
    if (bounded) {
        const size_t n_out = elmo_output_floats(model, lengths, 3, 0);
        float *out = malloc(n_out * sizeof(float));
        const size_t least = least_workspace(ctx_many, bytes, offsets, lengths, out, n_out);
        workspace_limit = least + least / 8;
        free(out);
    }
    CHECK(elmo_context_set_workspace_limit(ctx_many, workspace_limit) == ELMO_STATUS_OK, "set workspace limit");
    for (int call = 0; call < 3; call++) {
        const int flags = call == 0 ? 0 : ELMO_EMBED_STATEFUL;
        const size_t n_out = elmo_output_floats(model, lengths, 3, flags);
        float *one = malloc(n_out * sizeof(float)), *many = malloc(n_out * sizeof(float));
        CHECK(elmo_embed(ctx_one, bytes, offsets, lengths, 3, flags, one, n_out) == ELMO_STATUS_OK, "one thread");
        CHECK(elmo_embed(ctx_many, bytes, offsets, lengths, 3, flags, many, n_out) == ELMO_STATUS_OK,
              "%d threads, workspace limit %zu: %s", (int)n_threads, workspace_limit,
              elmo_context_last_error(ctx_many));
        CHECK(memcmp(one, many, n_out * sizeof(float)) == 0, "call %d: %d threads (workspace limit %zu) differ from one",
              call, (int)n_threads, workspace_limit);
        free(one), free(many);
    }
    elmo_context_free(ctx_one);
    elmo_context_free(ctx_many);
    elmo_model_free(model);
    test_model_free(&tm);
}

/* More distinct words than 32 per thread: each thread encodes its own tokens. */
enum { MANY_WORDS = 200 };

static void test_pool(int32_t n_threads) {
    elmo_thread_pool *pool = elmo_thread_pool_create(n_threads);
    CHECK(pool != NULL, "pool of %d", (int)n_threads);
    if (!pool) return;
    CHECK(elmo_thread_pool_work(pool, 0) == ELMO_STATUS_INVALID_ARGUMENT &&
              elmo_thread_pool_work(pool, n_threads) == ELMO_STATUS_INVALID_ARGUMENT,
          "thread 0 and indices past the pool do not serve");
    pool_helpers helpers;
    pool_helpers_start(&helpers, pool, n_threads);
    test_gemm(pool, n_threads, ELMO_WEIGHT_F32);
    test_gemm(pool, n_threads, ELMO_WEIGHT_F16);
    test_gemm(pool, n_threads, ELMO_WEIGHT_BF16);
    test_gemm(pool, n_threads, ELMO_WEIGHT_I8);
    for (int bounded = 0; bounded <= 1; bounded++) test_forward(pool, n_threads, bounded, 0, 0);
    test_forward(pool, n_threads, 0, MANY_WORDS, 0);
    test_forward(pool, n_threads, 0, 0, 1);
    pool_helpers_join(&helpers);
    for (int32_t i = 1; i < n_threads; i++)
        CHECK(helpers.helper[i].status == ELMO_STATUS_OK, "helper %d returned %d", (int)i, (int)helpers.helper[i].status);
    elmo_thread_pool_free(pool);
}

int main(void) {
    CHECK(elmo_thread_pool_create(0) == NULL && elmo_thread_pool_create(ELMO_MAX_THREADS + 1) == NULL,
          "thread counts outside 1..ELMO_MAX_THREADS are refused");
    CHECK(elmo_thread_pool_work(NULL, 1) == ELMO_STATUS_INVALID_ARGUMENT, "work on no pool");
    for (int32_t n = 2; n <= MAX_TEST_THREADS; n++) test_pool(n);
    return test_report("test_threads");
}
