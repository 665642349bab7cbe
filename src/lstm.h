/*
 * lstm.h — one direction of one biLSTM layer over a batch of sequences
 * (TensorFlow's LSTMCell with projection and clipping; models/SEMANTICS.md §3).
 */
#ifndef ELMO_LSTM_H
#define ELMO_LSTM_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "thread_pool.h"

/* The shapes and clips of one cell. */
typedef struct elmo_lstm_dims {
    size_t H;        /* cells */
    size_t P;        /* projection (input and output width) */
    float cell_clip; /* +INFINITY: none */
    float proj_clip; /* +INFINITY: none */
} elmo_lstm_dims;

/*
 * One time step for `rows` batch rows.
 *   gates (rows, 4H): on entry x·W_x + b of this step; scratch afterwards.
 *   h (rows, P): h_{t-1} on entry, h_t on return.  c (rows, H): updated in place.
 *   m (rows, H): scratch.
 */
#if ELMO_TESTING /* tests/c/test_lstm_step.c; the core runs elmo_lstm_run */
void elmo_lstm_step(const elmo_lstm_weights *w, const elmo_lstm_dims *dims, size_t rows, float *gates, float *h,
                    float *c, float *m);
#endif

/* Where the sequences of a batch lie: positions are sequence-major. */
typedef struct elmo_batch_layout {
    size_t n_seqs;
    size_t n_positions;       /* sum of seq_len */
    const int32_t *order;     /* sequence indices by length, longest first */
    const int32_t *seq_len;   /* by sequence index, boundaries included */
    const size_t *seq_start;  /* first position of each sequence */
} elmo_batch_layout;

/* Buffers of one direction run; rows of h and c follow layout->order. */
typedef struct elmo_lstm_buffers {
    float *xg;      /* (xg_rows, 4H): input products, of every position or of a chunk of steps */
    size_t xg_rows; /* at least n_seqs */
    float *gates; /* (n_seqs, 4H) */
    float *h;     /* (n_seqs, P): initial state on entry, final state on return */
    float *c;     /* (n_seqs, H): likewise */
    float *m;     /* (n_seqs, H) */
} elmo_lstm_buffers;

/*
 * Runs one direction of one layer: y = LSTM(x) for every sequence, forward,
 * or (reverse) over each sequence reversed within its own length with the
 * outputs put back in place. With skip, y = h + x (h itself stays the
 * recurrent state). A sequence's final state is the one after its last own
 * step: after its last position forward, after its first one in reverse.
 * When xg has fewer rows than the batch has positions, the input products
 * are made for a chunk of steps at a time (xg_rows / n_seqs steps of every
 * row), so long sequences need bounded memory; the results are the same bits.
 * Every member of team calls it with the same arguments (thread_pool.h,
 * "A team") and does its share; the results do not depend on the team's size.
 */
void elmo_lstm_run(elmo_team *team, int32_t member, const elmo_lstm_weights *w, const elmo_lstm_dims *dims,
                   const elmo_batch_layout *layout, int reverse, int skip, const float *x, float *y,
                   const elmo_lstm_buffers *buf);

#endif /* ELMO_LSTM_H */
