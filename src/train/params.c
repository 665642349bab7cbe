/*
 * params.c — see params.h. Initializers as bilm-tf's training.py sets them
 * (TensorFlow's defaults where it sets none: glorot uniform for the LSTM
 * kernels, zeros for their biases).
 */
#include "train/params.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t add(elmo_train_params *p, elmo_train_init init, double scale, int32_t rank, const int32_t *shape,
                  const char *fmt, ...) {
    elmo_train_tensor *t = &p->tensors[p->n_tensors++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->name, sizeof t->name, fmt, ap);
    va_end(ap);
    t->rank = rank;
    t->count = 1;
    for (int32_t i = 0; i < 4; i++) {
        t->shape[i] = i < rank ? shape[i] : 0;
        if (i < rank) t->count *= (size_t)shape[i];
    }
    t->offset = p->total;
    t->init = init;
    t->scale = scale;
    p->total += t->count;
    return t->offset;
}

#define SHAPE(...) (const int32_t[]){__VA_ARGS__}

elmo_status elmo_train_params_layout(const elmo_hparams *hp, int32_t n_vocab, elmo_train_params *p) {
    memset(p, 0, sizeof *p);
    const int32_t max_tensors = 1 + 2 * hp->n_filters + 4 * hp->n_highway + 2 + 6 * hp->n_layers + 2;
    p->tensors = calloc((size_t)max_tensors, sizeof *p->tensors);
    if (!p->tensors) return ELMO_STATUS_OUT_OF_MEMORY;
    const int32_t d = hp->char_dim, F = hp->n_cnn_features, P = hp->proj_dim, H = hp->lstm_dim;
    elmo_train_offsets *at = &p->at;

    at->char_embed = add(p, ELMO_INIT_UNIFORM, 1.0, 2, SHAPE(ELMO_TRAIN_CHAR_ROWS, d), "char_embed");
    for (int32_t i = 0; i < hp->n_filters; i++) {
        const int32_t w = hp->filter_width[i], n = hp->filter_count[i];
        /* relu: Kim et al.'s U(-0.05, 0.05); tanh: N(0, 1 / (w d)) */
        const int relu = hp->activation == ELMO_ACTIVATION_RELU;
        at->cnn_w[i] = add(p, relu ? ELMO_INIT_UNIFORM : ELMO_INIT_NORMAL, relu ? 0.05 : sqrt(1.0 / (w * d)), 4,
                           SHAPE(1, w, d, n), "CNN/W_cnn_%d", (int)i);
        at->cnn_b[i] = add(p, ELMO_INIT_ZERO, 0.0, 1, SHAPE(n), "CNN/b_cnn_%d", (int)i);
    }
    for (int32_t k = 0; k < hp->n_highway; k++) {
        const double s = sqrt(1.0 / F);
        at->hw_w_carry[k] = add(p, ELMO_INIT_NORMAL, s, 2, SHAPE(F, F), "CNN_high_%d/W_carry", (int)k);
        /* -2: the gate starts mostly closed, so the highway starts near the identity */
        at->hw_b_carry[k] = add(p, ELMO_INIT_CONSTANT, -2.0, 1, SHAPE(F), "CNN_high_%d/b_carry", (int)k);
        at->hw_w_transform[k] = add(p, ELMO_INIT_NORMAL, s, 2, SHAPE(F, F), "CNN_high_%d/W_transform", (int)k);
        at->hw_b_transform[k] = add(p, ELMO_INIT_ZERO, 0.0, 1, SHAPE(F), "CNN_high_%d/b_transform", (int)k);
    }
    at->proj_w = at->proj_b = ELMO_TRAIN_NO_TENSOR;
    if (F != P) {
        at->proj_w = add(p, ELMO_INIT_NORMAL, sqrt(1.0 / F), 2, SHAPE(F, P), "CNN_proj/W_proj");
        at->proj_b = add(p, ELMO_INIT_ZERO, 0.0, 1, SHAPE(P), "CNN_proj/b_proj");
    }
    for (int32_t dir = 0; dir < 2; dir++)
        for (int32_t l = 0; l < hp->n_layers; l++) {
            const char *cell = "RNN_%d/RNN/MultiRNNCell/Cell%d/LSTMCell/%s";
            at->lstm_w[l][dir] = add(p, ELMO_INIT_UNIFORM, sqrt(6.0 / (2 * P + 4 * H)), 2, SHAPE(2 * P, 4 * H), cell,
                                     (int)dir, (int)l, "W_0");
            at->lstm_b[l][dir] = add(p, ELMO_INIT_ZERO, 0.0, 1, SHAPE(4 * H), cell, (int)dir, (int)l, "B");
            at->lstm_w_proj[l][dir] =
                add(p, ELMO_INIT_UNIFORM, sqrt(6.0 / (H + P)), 2, SHAPE(H, P), cell, (int)dir, (int)l, "W_P_0");
        }
    at->softmax_w = add(p, ELMO_INIT_NORMAL, 1.0 / sqrt(P), 2, SHAPE(n_vocab, P), "softmax/W");
    at->softmax_b = add(p, ELMO_INIT_ZERO, 0.0, 1, SHAPE(n_vocab), "softmax/b");
    return ELMO_STATUS_OK;
}

void elmo_train_params_free(elmo_train_params *p) {
    free(p->tensors);
    memset(p, 0, sizeof *p);
}

void elmo_train_params_init(const elmo_train_params *p, real *weights, elmo_rng *rng) {
    for (int32_t i = 0; i < p->n_tensors; i++) {
        const elmo_train_tensor *t = &p->tensors[i];
        real *x = weights + t->offset;
        for (size_t e = 0; e < t->count; e++) {
            switch (t->init) {
            case ELMO_INIT_ZERO: x[e] = 0; break;
            case ELMO_INIT_CONSTANT: x[e] = (real)t->scale; break;
            case ELMO_INIT_UNIFORM: x[e] = (real)(t->scale * (2.0 * elmo_rng_uniform(rng) - 1.0)); break;
            case ELMO_INIT_NORMAL: x[e] = (real)(t->scale * elmo_rng_normal(rng)); break;
            }
        }
    }
}
