/* token_encoder.c — see token_encoder.h and models/SEMANTICS.md §2. */
#include "token_encoder.h"

#include <math.h>
#include <string.h>

#include "char_ids.h"
#include "kernels/activations.h"
#include "kernels/gemm.h"

static int32_t widest_filter(const elmo_hparams *hp) {
    int32_t widest = 0;
    for (int32_t f = 0; f < hp->n_filters; f++)
        if (hp->filter_width[f] > widest) widest = hp->filter_width[f];
    return widest;
}

size_t elmo_token_encoder_pad_scratch_floats(const elmo_hparams *hp) {
    return (size_t)widest_filter(hp) * (size_t)hp->char_dim;
}

/* Windows per convolution product: enough for full 4-row tiles and for the
 * weights of a filter to serve many tokens, few enough that the product's
 * output stays in cache for the max that reads it. A token's windows never
 * straddle two products, so there is room for the longest token's. */
#define CNN_WINDOWS 128

static size_t window_rows(const elmo_hparams *hp) {
    return (size_t)hp->max_chars > CNN_WINDOWS ? (size_t)hp->max_chars : CNN_WINDOWS;
}

/* One thread's scratch: the windows of a product (rows of widest * d) and its output (rows of max_count). */
static size_t thread_scratch_floats(const elmo_hparams *hp) {
    return window_rows(hp) * ((size_t)widest_filter(hp) * (size_t)hp->char_dim + (size_t)hp->max_filter_count);
}

size_t elmo_token_encoder_scratch_floats(const elmo_hparams *hp, int32_t n_threads) {
    return (size_t)n_threads * thread_scratch_floats(hp);
}

void elmo_token_encoder_pad_windows(const elmo_hparams *hp, const elmo_weights *w, float *scratch,
                                    float *pad_conv) {
    const size_t d = (size_t)hp->char_dim;
    const float *pad = w->char_embed + (size_t)(ELMO_CHAR_PAD + 1) * d;
    for (int32_t q = 0; q < widest_filter(hp); q++) memcpy(scratch + (size_t)q * d, pad, d * sizeof(float));
    for (int32_t f = 0; f < hp->n_filters; f++) {
        const size_t width = (size_t)hp->filter_width[f], count = (size_t)hp->filter_count[f];
        elmo_weight_gemm(1, count, width * d, scratch, width * d, &w->cnn_w[f], NULL, pad_conv, count, 0);
        pad_conv += count;
    }
}

static float activate(elmo_activation activation, float x) {
    return activation == ELMO_ACTIVATION_RELU ? (x > 0.0f ? x : 0.0f) : tanhf(x);
}

/* Positions before the PAD tail: BOW, the bytes, EOW. */
static size_t live_positions(const int32_t *ids, size_t max_chars) {
    size_t n = max_chars;
    while (n > 0 && ids[n - 1] == ELMO_CHAR_PAD + 1) n--;
    return n;
}

typedef struct encode_job {
    const elmo_hparams *hp;
    const elmo_weights *w;
    const float *pad_conv;
    const int32_t *char_ids;
    size_t n_tokens;
    float *scratch, *features, *highway, *tok;
} encode_job;

/*
 * The char CNN of tokens [first, last), filter by filter so that each
 * filter's weights stay in cache. Only windows touching a live position (BOW,
 * the bytes, EOW) are computed: the others lie wholly in the PAD tail and
 * equal pad_conv, so the max takes that value once — for a 5-letter word 7
 * windows of ~45. The live windows of as many tokens as fit in CNN_WINDOWS
 * rows are gathered (each row the width * d floats of its characters'
 * embeddings) and convolved by one product, so the weights serve all of
 * them at once. A GEMM row depends on nothing but its own inputs, so the
 * bits are those of a product per token, or of pad_conv's.
 */
static void char_cnn(const encode_job *job, size_t first, size_t last, float *scratch) {
    const elmo_hparams *hp = job->hp;
    const elmo_weights *w = job->w;
    const size_t d = (size_t)hp->char_dim, max_chars = (size_t)hp->max_chars;
    const size_t F = (size_t)hp->n_cnn_features, cap = window_rows(hp);
    float *windows = scratch, *conv = scratch + cap * (size_t)widest_filter(hp) * d;
    size_t first_feature = 0;
    for (int32_t f = 0; f < hp->n_filters; f++) {
        const size_t width = (size_t)hp->filter_width[f], count = (size_t)hp->filter_count[f], k = width * d;
        const size_t n_windows = max_chars - width + 1;
        const float *pad = job->pad_conv + first_feature, *bias = w->cnn_b[f];
        for (size_t t = first; t < last;) {
            size_t rows = 0, u = t;
            for (; u < last; u++) {
                const int32_t *ids = job->char_ids + u * max_chars;
                const size_t live = live_positions(ids, max_chars);
                const size_t computed = live < n_windows ? live : n_windows;
                if (rows + computed > cap) break;
                for (size_t q = 0; q < computed; q++, rows++)
                    for (size_t i = 0; i < width; i++)
                        memcpy(windows + rows * k + i * d, w->char_embed + (size_t)ids[q + i] * d, d * sizeof(float));
            }
            elmo_weight_gemm(rows, count, k, windows, k, &w->cnn_w[f], NULL, conv, count, 0);
            const float *token_conv = conv;
            for (; t < u; t++) {
                const size_t live = live_positions(job->char_ids + t * max_chars, max_chars);
                const size_t computed = live < n_windows ? live : n_windows;
                const int has_pad_window = n_windows > live;
                /* The max over windows, a window at a time so the loop over filters vectorizes;
                 * each filter sees the same comparisons in the same order as one at a time. */
                float *best = job->features + t * F + first_feature;
                memcpy(best, has_pad_window ? pad : token_conv, count * sizeof(float));
                for (size_t q = has_pad_window ? 0 : 1; q < computed; q++) {
                    const float *row = token_conv + q * count;
                    for (size_t c = 0; c < count; c++) best[c] = row[c] > best[c] ? row[c] : best[c];
                }
                /* max(x + b) = max(x) + b, so the bias is added once after the max. */
                for (size_t c = 0; c < count; c++) best[c] = activate(hp->activation, best[c] + bias[c]);
                token_conv += computed * count;
            }
        }
        first_feature += count;
    }
}

typedef struct highway_mix_job {
    float *x;
    const float *carry, *transform;
} highway_mix_job;

/* Elements [begin, end) of y = g * relu(t) + (1 - g) * x, in place on x. */
static void highway_mix(void *arg, size_t begin, size_t end) {
    const highway_mix_job *job = arg;
    elmo_f32_highway_mix(end - begin, job->carry + begin, job->transform + begin, job->x + begin);
}

/* Below this many elements, sharing the mix costs more than it saves. */
#define MIX_PARALLEL_MIN 4096

/* y = g * relu(x·W_t + b_t) + (1 - g) * x with g = sigmoid(x·W_c + b_c), in place on x. */
static void highway_layer(elmo_thread_pool *pool, const elmo_highway_weights *hw, size_t n_tokens, size_t F,
                          float *x, float *carry, float *transform) {
    elmo_gemm(pool, n_tokens, F, F, x, F, &hw->w_carry, hw->b_carry, carry, F, 0);
    elmo_gemm(pool, n_tokens, F, F, x, F, &hw->w_transform, hw->b_transform, transform, F, 0);
    highway_mix_job job = {x, carry, transform};
    elmo_parallel_for(pool, n_tokens * F, MIX_PARALLEL_MIN, highway_mix, &job);
}

/* The highway layers and the projection of tokens [first, last), their
 * products shared among the threads of pool (none: this thread alone). */
static void highway_and_projection(const encode_job *job, elmo_thread_pool *pool, size_t first, size_t last) {
    const elmo_hparams *hp = job->hp;
    const elmo_weights *w = job->w;
    const size_t F = (size_t)hp->n_cnn_features, P = (size_t)hp->proj_dim, n = last - first;
    float *features = job->features + first * F;
    for (int32_t k = 0; k < hp->n_highway; k++)
        highway_layer(pool, &w->highway[k], n, F, features, job->highway + first * F,
                      job->highway + (job->n_tokens + first) * F);
    if (w->proj_w.data)
        elmo_gemm(pool, n, P, F, features, F, &w->proj_w, w->proj_b, job->tok + first * P, P, 0);
    else
        memcpy(job->tok + first * P, features, n * F * sizeof(float)); /* identity: F == P */
}

static void char_cnn_task(void *arg, int32_t thread, int32_t n_threads) {
    const encode_job *job = arg;
    size_t first, last;
    elmo_thread_share(job->n_tokens, thread, n_threads, &first, &last);
    char_cnn(job, first, last, job->scratch + (size_t)thread * thread_scratch_floats(job->hp));
}

static void encode_task(void *arg, int32_t thread, int32_t n_threads) {
    const encode_job *job = arg;
    size_t first, last;
    elmo_thread_share(job->n_tokens, thread, n_threads, &first, &last);
    char_cnn(job, first, last, job->scratch + (size_t)thread * thread_scratch_floats(job->hp));
    highway_and_projection(job, NULL, first, last);
}

/*
 * Threads share the tokens: with enough of them, each thread encodes its
 * own from char ids to token vector, one job with no sync (sharing each
 * product's columns instead joins the threads seven times and leaves the
 * max-pooling to one of them). With few tokens, the products' columns are
 * shared instead, so that each thread streams only its part of the
 * weights. A token's vector does not depend on the tokens encoded with it
 * or on the threads, so both give the same bits.
 */
#define TOKENS_PER_THREAD_MIN 32

void elmo_encode_tokens(const elmo_hparams *hp, const elmo_weights *w, elmo_thread_pool *pool,
                        const float *pad_conv, const int32_t *char_ids, size_t n_tokens, float *scratch,
                        float *features, float *highway, float *tok) {
    encode_job job = {hp, w, pad_conv, char_ids, n_tokens, scratch, features, highway, tok};
    if (n_tokens >= TOKENS_PER_THREAD_MIN * (size_t)elmo_thread_pool_size(pool)) {
        elmo_thread_pool_run(pool, encode_task, &job);
        return;
    }
    elmo_thread_pool_run(pool, char_cnn_task, &job);
    highway_and_projection(&job, pool, 0, n_tokens);
}
