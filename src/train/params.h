/*
 * params.h — the trainer's parameters, held in bilm-tf's own names and
 * shapes (so that writing bilm-tf's HDF5 dump is a copy), and where each
 * lies in the three buffers of equal layout: weights, gradients, Adagrad
 * accumulators.
 *
 * char_embed has 261 rows, the shape bilm-tf trains and dumps: row r is
 * the char of unshifted id r (byte r, then BOS, EOS, BOW, EOW, PAD), that is
 * shifted id r + 1 (char_ids.h). Inference prepends the zero row of id 0
 * and so reads 262 rows from the same file.
 */
#ifndef ELMO_TRAIN_PARAMS_H
#define ELMO_TRAIN_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "hparams.h"
#include "train/real.h"
#include "train/rng.h"

#define ELMO_TRAIN_CHAR_ROWS 261
#define ELMO_TRAIN_NAME_SIZE 64
#define ELMO_TRAIN_NO_TENSOR ((size_t)-1)

typedef enum elmo_train_init {
    ELMO_INIT_ZERO,
    ELMO_INIT_CONSTANT, /* every element `scale` */
    ELMO_INIT_UNIFORM,  /* U(-scale, scale) */
    ELMO_INIT_NORMAL    /* N(0, scale^2) */
} elmo_train_init;

typedef struct elmo_train_tensor {
    char name[ELMO_TRAIN_NAME_SIZE];
    int32_t rank;
    int32_t shape[4];
    size_t count;
    size_t offset; /* in every buffer of elmo_train_params' layout */
    elmo_train_init init;
    double scale;
} elmo_train_tensor;

/* Offsets of each tensor (ELMO_TRAIN_NO_TENSOR: absent, proj when F == P). */
typedef struct elmo_train_offsets {
    size_t char_embed;                              /* (261, d) */
    size_t cnn_w[ELMO_MAX_FILTERS];                 /* (1, w, d, n): row (k*d + c), column j */
    size_t cnn_b[ELMO_MAX_FILTERS];                 /* (n) */
    size_t hw_w_carry[ELMO_MAX_HIGHWAY], hw_b_carry[ELMO_MAX_HIGHWAY];         /* (F, F), (F) */
    size_t hw_w_transform[ELMO_MAX_HIGHWAY], hw_b_transform[ELMO_MAX_HIGHWAY]; /* (F, F), (F) */
    size_t proj_w, proj_b;                          /* (F, P), (P) */
    size_t lstm_w[ELMO_MAX_LAYERS][2];              /* (2P, 4H): input rows, then recurrent rows */
    size_t lstm_b[ELMO_MAX_LAYERS][2];              /* (4H) */
    size_t lstm_w_proj[ELMO_MAX_LAYERS][2];         /* (H, P) */
    size_t softmax_w, softmax_b;                    /* (V, P), (V) */
} elmo_train_offsets;

typedef struct elmo_train_params {
    int32_t n_tensors;
    elmo_train_tensor *tensors;
    elmo_train_offsets at;
    size_t total; /* elements of each buffer */
} elmo_train_params;

/* Lays out the tensors of hp with a vocabulary of n_vocab; 0 or OUT_OF_MEMORY. */
elmo_status elmo_train_params_layout(const elmo_hparams *hp, int32_t n_vocab, elmo_train_params *params);
void elmo_train_params_free(elmo_train_params *params);

/* bilm-tf's initialization of every tensor, in table order, from rng. */
void elmo_train_params_init(const elmo_train_params *params, real *weights, elmo_rng *rng);

#endif /* ELMO_TRAIN_PARAMS_H */
