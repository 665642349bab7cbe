/*
 * model.h — the loaded model: hyper-parameters plus weights that are bare
 * pointers into the caller's buffer (llama2.c style; nothing is copied).
 * Internal to the core; the public API is include/elmo.h.
 *
 * Every elmo_weight is a GEMM weight in the panel layout of kernels/gemm.h,
 * float, float16, bfloat16 or int8 (the converter packs it once); shapes given are the logical ones.
 */
#ifndef ELMO_MODEL_H
#define ELMO_MODEL_H

#include <stdint.h>

#include "elmo.h"
#include "hparams.h"
#include "kernels/gemm.h"

#define ELMO_ERROR_SIZE 256

typedef struct elmo_highway_weights {
    elmo_weight w_carry;       /* (F, F), x·W; its sigmoid gates the transform branch */
    const float *b_carry;     /* (F) */
    elmo_weight w_transform;   /* (F, F) */
    const float *b_transform; /* (F) */
} elmo_highway_weights;

typedef struct elmo_lstm_weights {
    elmo_weight w_x;    /* (P, 4H), gate order i, j, f, o */
    elmo_weight w_h;    /* (P, 4H), recurrent part */
    const float *b;      /* (4H), without the forget bias 1.0 */
    elmo_weight w_proj; /* (H, P) */
} elmo_lstm_weights;

typedef struct elmo_weights {
    const float *char_embed;                  /* (C, d), row = shifted char id, row 0 zero */
    elmo_weight cnn_w[ELMO_MAX_FILTERS];      /* (w_i * d, n_i), row k*d + c = tap k, channel c */
    const float *cnn_b[ELMO_MAX_FILTERS];     /* (n_i) */
    elmo_highway_weights highway[ELMO_MAX_HIGHWAY];
    elmo_weight proj_w;                       /* (F, P); data NULL: identity (F == P) */
    const float *proj_b;                      /* (P), NULL with proj_w */
    elmo_lstm_weights lstm[ELMO_MAX_LAYERS][2]; /* [layer][direction: 0 forward, 1 backward] */
} elmo_weights;

struct elmo_model {
    int loaded;
    /* Bumped by every load, so a context made for an earlier load (whose
     * sizes may differ) refuses to run instead of misreading. Contexts must
     * still be freed before their model. */
    uint32_t generation;
    elmo_hparams hp;
    elmo_weights w;
    char error[ELMO_ERROR_SIZE];
};

#endif /* ELMO_MODEL_H */
