/*
 * test_threads.c — the thread pool: products shared among 3 threads give the
 * same bits as one thread (elmo_gemm on float and float16 weights, and a
 * whole forward pass of stateless and stateful batches), and the helpers
 * return after elmo_thread_pool_stop().
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "kernels/gemm.h"
#include "model_builder.h"
#include "test_util.h"
#include "thread_pool.h"

enum { N_THREADS = 3 };

typedef struct helper {
    elmo_thread_pool *pool;
    int32_t index;
    int32_t status;
} helper;

static void *helper_main(void *arg) {
    helper *h = arg;
    h->status = elmo_thread_pool_work(h->pool, h->index);
    return NULL;
}

/* elmo_gemm on the pool against one thread, for float and float16 weights. */
static void test_gemm(elmo_thread_pool *pool, elmo_weight_type type) {
    /* n not a multiple of the 32-column blocks, m with a partial 4-row block. */
    const size_t m = 6, n = 203, k = 97;
    uint32_t rng = 99;
    float *a = malloc(m * k * sizeof(float)), *b = malloc(k * n * sizeof(float));
    float *packed = malloc(elmo_packed_floats(k, n) * sizeof(float)), *bias = malloc(n * sizeof(float));
    uint16_t *halves = malloc(elmo_packed_floats(k, n) * sizeof(uint16_t));
    float *one = malloc(m * n * sizeof(float)), *many = malloc(m * n * sizeof(float));
    for (size_t i = 0; i < m * k; i++) a[i] = test_random(&rng);
    for (size_t i = 0; i < k * n; i++) b[i] = test_random(&rng);
    for (size_t i = 0; i < n; i++) bias[i] = test_random(&rng);
    elmo_f32_pack_panels(k, n, b, n, packed);
    elmo_f16_pack_panels(k, n, b, n, halves);
    const elmo_weight w = {type, type == ELMO_WEIGHT_F16 ? (const void *)halves : packed, NULL};
    elmo_weight_gemm(m, n, k, a, k, &w, bias, one, n, 0);
    elmo_gemm(pool, m, n, k, a, k, &w, bias, many, n, 0);
    CHECK(memcmp(one, many, m * n * sizeof(float)) == 0,
          "elmo_gemm (weight type %d) on %d threads differs from one thread", (int)type, N_THREADS);
    free(a), free(b), free(packed), free(bias), free(halves), free(one), free(many);
}

/* Embeds the same batches with ctx_one (no pool) and ctx_many (the pool). */
static void test_forward(elmo_thread_pool *pool) {
    test_model_spec spec = {.char_dim = 4, .n_characters = 262, .max_chars = 20, .n_filters = 3,
                            .filter_width = {1, 2, 3}, .filter_count = {40, 50, 70}, .n_highway = 1,
                            .activation = "relu", .lstm_dim = 96, .proj_dim = 40, .n_layers = 2,
                            .cell_clip = 3, .proj_clip = 3, .use_skip_connections = 1, .seed = 11,
                            .weight_scale = 0.2f};
    test_model tm;
    elmo_model *model = test_model_build_and_load(&spec, &tm);
    CHECK(model != NULL, "build and load the test model");
    if (!model) return;
    elmo_context *ctx_one = elmo_context_create(model), *ctx_many = elmo_context_create(model);
    CHECK(elmo_context_set_thread_pool(ctx_many, pool) == ELMO_STATUS_OK, "set pool");

    const char *text = "the bank of the river was steep and the bank on the corner closed early today";
    uint8_t bytes[256];
    uint32_t offsets[64] = {0};
    size_t n_tokens = 0, len = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ') p++;
        while (*p && *p != ' ') bytes[len++] = (uint8_t)*p++;
        offsets[++n_tokens] = (uint32_t)len;
    }
    const int32_t lengths[3] = {5, 0, (int32_t)n_tokens - 5};
    for (int call = 0; call < 3; call++) {
        const int flags = call == 0 ? 0 : ELMO_EMBED_STATEFUL;
        const size_t n_out = elmo_output_floats(model, lengths, 3, flags);
        float *one = malloc(n_out * sizeof(float)), *many = malloc(n_out * sizeof(float));
        CHECK(elmo_embed(ctx_one, bytes, offsets, lengths, 3, flags, one, n_out) == ELMO_STATUS_OK, "one thread");
        CHECK(elmo_embed(ctx_many, bytes, offsets, lengths, 3, flags, many, n_out) == ELMO_STATUS_OK, "%d threads: %s",
              N_THREADS, elmo_context_last_error(ctx_many));
        CHECK(memcmp(one, many, n_out * sizeof(float)) == 0, "call %d: %d threads differ from one", call, N_THREADS);
        free(one), free(many);
    }
    elmo_context_free(ctx_one);
    elmo_context_free(ctx_many);
    elmo_model_free(model);
    test_model_free(&tm);
}

int main(void) {
    CHECK(elmo_thread_pool_create(0) == NULL && elmo_thread_pool_create(ELMO_MAX_THREADS + 1) == NULL,
          "thread counts outside 1..ELMO_MAX_THREADS are refused");
    CHECK(elmo_thread_pool_work(NULL, 1) == ELMO_STATUS_INVALID_ARGUMENT, "work on no pool");
    elmo_thread_pool *pool = elmo_thread_pool_create(N_THREADS);
    CHECK(pool != NULL, "pool");
    CHECK(elmo_thread_pool_work(pool, 0) == ELMO_STATUS_INVALID_ARGUMENT &&
              elmo_thread_pool_work(pool, N_THREADS) == ELMO_STATUS_INVALID_ARGUMENT,
          "thread 0 and indices past the pool do not serve");
    pthread_t threads[N_THREADS];
    helper helpers[N_THREADS];
    for (int32_t i = 1; i < N_THREADS; i++) {
        helpers[i] = (helper){pool, i, -100};
        pthread_create(&threads[i], NULL, helper_main, &helpers[i]);
    }
    test_gemm(pool, ELMO_WEIGHT_F32);
    test_gemm(pool, ELMO_WEIGHT_F16);
    test_forward(pool);
    elmo_thread_pool_stop(pool);
    for (int32_t i = 1; i < N_THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(helpers[i].status == ELMO_STATUS_OK, "helper %d returned %d", (int)i, (int)helpers[i].status);
    }
    elmo_thread_pool_free(pool);
    return test_report("test_threads");
}
