/*
 * hparams.h — the model's hyper-parameters, read from the manifest's
 * `options` object (bilm-tf's options.json) and validated once.
 */
#ifndef ELMO_HPARAMS_H
#define ELMO_HPARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "elmo.h"
#include "json.h"

/* Limits that keep every size computation far from overflow; the official
 * models use 7 filters, 2 highways, 2 layers and dims of at most 4096. */
#define ELMO_MAX_FILTERS 64
#define ELMO_MAX_HIGHWAY 32
#define ELMO_MAX_LAYERS 32
#define ELMO_MAX_DIM (1 << 20)

/* Shifted char ids go up to PAD + 1 = 261, so the table needs 262 rows. */
#define ELMO_MIN_CHARACTERS 262

typedef enum elmo_activation { ELMO_ACTIVATION_TANH, ELMO_ACTIVATION_RELU } elmo_activation;

typedef struct elmo_hparams {
    /* char CNN */
    int32_t char_dim;                          /* d */
    int32_t n_characters;                      /* C, rows of char_embed */
    int32_t max_chars;                         /* char ids per token */
    int32_t n_filters;
    int32_t filter_width[ELMO_MAX_FILTERS];
    int32_t filter_count[ELMO_MAX_FILTERS];
    int32_t max_filter_count;                  /* widest filter output, for the workspace */
    int32_t n_cnn_features;                    /* F = sum of filter counts */
    int32_t n_highway;
    elmo_activation activation;
    /* biLSTM */
    int32_t lstm_dim;                          /* H */
    int32_t proj_dim;                          /* P */
    int32_t n_layers;
    float cell_clip;                           /* +INFINITY when not clipped */
    float proj_clip;                           /* +INFINITY when not clipped */
    int use_skip_connections;
} elmo_hparams;

/* Fills hp from the options object; on refusal returns INVALID_CONFIG and a
 * message naming the field. */
elmo_status elmo_hparams_read(const json_value *options, elmo_hparams *hp, char *err,
                              size_t err_size);

/* Total float count of all weights the hparams imply, as stored (GEMM weights
 * padded to whole panels; proj counted even when it may be absent); never
 * overflows given the limits above. */
uint64_t elmo_hparams_param_count(const elmo_hparams *hp);

#endif /* ELMO_HPARAMS_H */
