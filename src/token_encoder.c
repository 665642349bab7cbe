/* token_encoder.c — see token_encoder.h and ELMO_NOTES "Token representation". */
#include "token_encoder.h"

#include <math.h>
#include <string.h>

#include "kernels/gemm.h"

size_t elmo_token_encoder_scratch_floats(const elmo_hparams *hp) {
    /* The token's (max_chars, d) char matrix, then one filter's conv output. */
    return (size_t)hp->max_chars * (size_t)hp->char_dim +
           (size_t)hp->max_chars * (size_t)hp->max_filter_count;
}

static float activate(elmo_activation activation, float x) {
    return activation == ELMO_ACTIVATION_RELU ? (x > 0.0f ? x : 0.0f) : tanhf(x);
}

/*
 * The char CNN of one token. Its char matrix is (max_chars, d) row-major, so
 * the window of width w starting at position q is the w*d contiguous floats
 * at row q: the convolution is one GEMM with lda = d and k = w*d, no im2col.
 */
static void char_cnn_token(const elmo_hparams *hp, const elmo_weights *w, const int32_t *ids,
                           float *chars, float *conv, float *features) {
    const size_t d = (size_t)hp->char_dim, max_chars = (size_t)hp->max_chars;
    for (size_t q = 0; q < max_chars; q++)
        memcpy(chars + q * d, w->char_embed + (size_t)ids[q] * d, d * sizeof(float));
    for (int32_t f = 0; f < hp->n_filters; f++) {
        const size_t width = (size_t)hp->filter_width[f], count = (size_t)hp->filter_count[f];
        const size_t n_windows = max_chars - width + 1;
        elmo_f32_gemm(n_windows, count, width * d, chars, d, w->cnn_w[f], count, NULL, conv, count, 0);
        /* max(x + b) = max(x) + b, so the bias is added once after the max. */
        for (size_t c = 0; c < count; c++) {
            float best = conv[c];
            for (size_t q = 1; q < n_windows; q++)
                if (conv[q * count + c] > best) best = conv[q * count + c];
            features[c] = activate(hp->activation, best + w->cnn_b[f][c]);
        }
        features += count;
    }
}

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* y = g * relu(x·W_t + b_t) + (1 - g) * x with g = sigmoid(x·W_c + b_c), in place on x. */
static void highway_layer(const elmo_highway_weights *hw, size_t n_tokens, size_t F, float *x,
                          float *carry, float *transform) {
    elmo_f32_gemm(n_tokens, F, F, x, F, hw->w_carry, F, hw->b_carry, carry, F, 0);
    elmo_f32_gemm(n_tokens, F, F, x, F, hw->w_transform, F, hw->b_transform, transform, F, 0);
    for (size_t i = 0; i < n_tokens * F; i++) {
        const float g = sigmoid(carry[i]);
        const float t = transform[i] > 0.0f ? transform[i] : 0.0f;
        x[i] = g * t + (1.0f - g) * x[i];
    }
}

void elmo_encode_tokens(const elmo_hparams *hp, const elmo_weights *w, const int32_t *char_ids,
                        size_t n_tokens, float *scratch, float *features, float *highway, float *tok) {
    const size_t F = (size_t)hp->n_cnn_features, P = (size_t)hp->proj_dim;
    const size_t max_chars = (size_t)hp->max_chars;
    float *chars = scratch;
    float *conv = scratch + max_chars * (size_t)hp->char_dim;
    for (size_t t = 0; t < n_tokens; t++)
        char_cnn_token(hp, w, char_ids + t * max_chars, chars, conv, features + t * F);
    for (int32_t k = 0; k < hp->n_highway; k++)
        highway_layer(&w->highway[k], n_tokens, F, features, highway, highway + n_tokens * F);
    if (w->proj_w)
        elmo_f32_gemm(n_tokens, P, F, features, F, w->proj_w, P, w->proj_b, tok, P, 0);
    else
        memcpy(tok, features, n_tokens * F * sizeof(float)); /* identity: F == P */
}
