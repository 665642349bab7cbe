/*
 * elmo_reference.h — ELMo in one page: the whole forward pass of one
 * sentence, in double precision, with straight loops and no code shared
 * with the core (models/SEMANTICS.md is its specification). It is slow on
 * purpose and never shipped: the tests compare elmo_embed() against it.
 */
#ifndef ELMO_REFERENCE_H
#define ELMO_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

#define ELMO_REF_MAX_FILTERS 8
#define ELMO_REF_MAX_LAYERS 4

typedef struct elmo_ref_options {
    int char_dim, max_chars; /* d; characters per token (50) */
    int n_filters, filter_width[ELMO_REF_MAX_FILTERS], filter_count[ELMO_REF_MAX_FILTERS];
    int relu;                /* the char CNN's activation: relu, else tanh */
    int n_highway;
    int project;             /* 0: no cnn projection (the filter outputs are the token vector) */
    int proj_dim, lstm_dim, n_layers;
    double cell_clip, proj_clip; /* < 0: no clipping */
    int use_skip_connections;
} elmo_ref_options;

/* The named tensor of models/FORMAT.md ("char_embed", "cnn/W_0",
 * "lstm/1/0/W_h", …) as row-major floats, whatever its stored layout. */
typedef const float *(*elmo_ref_tensor_fn)(void *user, const char *name);

typedef struct elmo_ref_model {
    elmo_ref_options options;
    elmo_ref_tensor_fn tensor;
    void *user;
} elmo_ref_model;

/* The state a batch row keeps between sentences: per layer and direction, h (P) and c (H). */
typedef struct elmo_ref_state {
    double *h[ELMO_REF_MAX_LAYERS][2];
    double *c[ELMO_REF_MAX_LAYERS][2];
} elmo_ref_state;

/* A zero state for m; 0 on success. Free with elmo_ref_state_free. */
int elmo_ref_state_init(const elmo_ref_model *m, elmo_ref_state *state);
void elmo_ref_state_free(elmo_ref_state *state);

/* Floats of elmo_ref_sentence's output for n tokens: (n_layers + 1) × (n + 2) × 2P. */
size_t elmo_ref_output_size(const elmo_ref_model *m, int n);

/*
 * One sentence of n tokens (token i is bytes[offsets[i] .. offsets[i + 1]))
 * with its boundaries, n + 2 positions: out gets (n_layers + 1, n + 2, 2P)
 * as elmo_embed() lays out a sentence with ELMO_EMBED_KEEP_BOUNDARIES.
 * state: read as the initial state and overwritten with the final one (the
 * reference's stateful rows); NULL: zeros. 0 on success, -1 when a tensor is
 * missing or memory runs out.
 */
int elmo_ref_sentence(const elmo_ref_model *m, const uint8_t *bytes, const uint32_t *offsets, int n,
                      elmo_ref_state *state, double *out);

#endif /* ELMO_REFERENCE_H */
