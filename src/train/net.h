/*
 * net.h — bilm-tf's LanguageModel as the trainer computes it: the token
 * layer (char CNN, highways, projection) over a batch's table of distinct
 * tokens, then per direction the stacked LSTM over batch × unroll positions
 * and the softmax shared by both directions; forward with every activation
 * saved, and the backward pass into the gradient buffer.
 *
 * Positions are row-major, n = r * unroll + t (batch row r, step t), as
 * bilm-tf's (batch_size, unroll_steps) arrays. Each direction receives its
 * own stream (the backward one reads its text reversed); both predict
 * targets at the same positions.
 *
 * The net draws no random numbers: dropout masks and softmax samples come
 * in with the inputs (the trainer draws them), so a gradient check can hold
 * them fixed.
 */
#ifndef ELMO_TRAIN_NET_H
#define ELMO_TRAIN_NET_H

#include <stddef.h>
#include <stdint.h>

#include "hparams.h"
#include "thread_pool.h"
#include "train/linalg.h"
#include "train/params.h"
#include "train/real.h"

/* The candidates of a sampled softmax for one direction. */
typedef struct elmo_train_samples {
    const int32_t *ids;      /* count distinct vocab ids */
    int32_t count;
    const real *log_q;       /* count: log expected count of each sampled id, subtracted from its logit */
    const real *true_log_q;  /* per position: that of its target */
} elmo_train_samples;

typedef struct elmo_train_inputs {
    int32_t n_tokens;                       /* the batch's token table */
    const int32_t *char_rows;               /* n_tokens × max_chars: rows of char_embed (shifted id - 1) */
    const int32_t *n_live;                  /* per token: chars before its PAD tail (BOW … EOW) */
    const int32_t *tokens[2];               /* per direction, per position: index into the table */
    const int32_t *targets[2];              /* per direction, per position: vocab id, or -1: not predicted */
    const uint8_t *restart[2];              /* per direction, per position: 1 where every layer starts from zeros
                                             * instead of the step before (a sentence's first input); NULL: none */
    const real *drop_in[2][ELMO_MAX_LAYERS]; /* positions × P: 0 or 1/keep, NULL: no dropout */
    const real *drop_out[2];                 /* likewise, on the top layer's output */
    const elmo_train_samples *samples[2];    /* NULL: the full softmax */
} elmo_train_inputs;

/* What a forward pass measured: per direction the summed NLL and the predictions counted. */
typedef struct elmo_train_loss {
    double nll[2];
    int64_t count[2];
    double loss; /* 0.5 * (nll[0] / count[0] + nll[1] / count[1]); a direction without predictions adds 0 */
} elmo_train_loss;

typedef struct elmo_train_lstm_saved {
    real *xin;   /* (N, P) the layer's input after dropout */
    real *gates; /* (N, 4H) sigmoid(i), tanh(j), sigmoid(f + 1), sigmoid(o) */
    real *c;     /* (N, H) after the clip */
    real *cmask; /* (N, H) 1 where the clip let c through, else 0 */
    real *tc;    /* (N, H) tanh(c) */
    real *m;     /* (N, H) sigmoid(o) tanh(c) */
    real *hmask; /* (N, P) likewise for the projection clip */
    real *hprev; /* (N, P) h of the step before (the initial state at t = 0) */
    real *c0;    /* (B, H) the initial cell state */
    real *y;     /* (N, P) the layer's output: h, or h + xin with a skip connection */
} elmo_train_lstm_saved;

/*
 * What one direction's LSTMs and softmax write, so that the two directions
 * can run side by side, each on its own thread. In the token layer, member m
 * of the team uses dir[m]'s operand and product scratch.
 */
typedef struct elmo_train_direction {
    real *d_y, *d_x, *d_z, *d_hraw;  /* (N, P), (N, P), (N, 4H), (N, P) */
    real *d_m, *d_c, *d_h;           /* (B, H), (B, H), (B, P) */
    real *scratch_state;             /* (B, P + H) the zero state of a stateless pass */
    real *d_tok;                     /* (U, P) this direction's gradient of the token vectors */
    real *hs, *d_hs;                 /* (N, P) the top output after dropout, its gradient */
    real *sm_w, *sm_b;               /* (K, P), (K) the sampled rows */
    real *sm_dw, *sm_db;             /* their gradients */
    real *logits;                    /* (N, K + 1) or (SOFTMAX_ROWS, V) */
    real *sm_grad;                   /* (V, P + 1) this direction's full-softmax dW, then db; NULL when
                                      * max_samples is in [1, V): such a net trains on samples only */
    int32_t *slot;                   /* (V) where a vocab id sits among the samples, -1: not sampled */
    const int32_t *targets;          /* of the last softmax backward, for elmo_train_softmax_reduce */
    const elmo_train_samples *samples;
    double nll;                      /* of the last pass */
    int64_t count;
    real *conv, *pad_conv;           /* token layer: (max_chars, max filter count), (F) */
    real *cnn_wt, *cnn_dwt;          /* a filter and its gradient transposed: (count, width × d) */
    float *panels[3];                /* general operands */
    float *sm_panels[2];             /* softmax operands */
    float *tn_scratch;
} elmo_train_direction;

typedef struct elmo_train_net {
    elmo_hparams hp;
    int32_t n_vocab, batch, unroll;
    size_t positions;   /* batch * unroll */
    int32_t max_tokens; /* of a token table: 2 * positions */
    int32_t max_samples;
    elmo_train_params params;
    real *w, *g;        /* weights and gradients, params' layout */

    /* token layer, per table token */
    real *chars;        /* (U, max_chars, d) the token's char embeddings */
    int32_t *argmax;    /* (U, F) the window each CNN feature's max came from */
    real *hw_x[ELMO_MAX_HIGHWAY + 1]; /* (U, F) highway inputs; hw_x[0] is the CNN's output */
    real *hw_g[ELMO_MAX_HIGHWAY], *hw_z[ELMO_MAX_HIGHWAY]; /* (U, F) carry gate, transform pre-activation */
    real *tok;          /* (U, P) */
    real *d_fa;         /* (U, F) backward scratch */
    size_t cnn_end;     /* char_embed and the CNN's tensors are params [0, cnn_end) */
    real *cnn_g;        /* (cnn_end) the gradient from the second half of the token table */

    elmo_train_lstm_saved lstm[2][ELMO_MAX_LAYERS];
    elmo_train_direction dir[2];
} elmo_train_net;

/*
 * A member of the team that runs a pass: every member calls the same
 * functions (SPMD) and does its share; a NULL team is one thread doing it
 * all. The trainer uses teams of one or two: the two directions' LSTMs and
 * softmax are the bulk of a step, and each member runs one of them.
 * How work is shared never changes a result: rows split at multiples of the
 * GEMM's tiles, sums are reduced in a fixed order, so one thread and two
 * give bit-identical weights.
 */
typedef struct elmo_train_worker {
    elmo_team *team;
    int32_t member;
} elmo_train_worker;

/* Members of w's team (1 without one). */
static inline int32_t elmo_train_team_size(const elmo_train_worker *w) { return w->team ? w->team->size : 1; }
static inline void elmo_train_barrier(const elmo_train_worker *w) {
    if (w->team) elmo_team_barrier(w->team);
}

/* [begin, end) of w's share of n rows, split at a multiple of 16. */
void elmo_train_rows(const elmo_train_worker *w, size_t n, size_t *begin, size_t *end);

/* Rows of positions the full softmax computes at a time. */
#define ELMO_TRAIN_SOFTMAX_ROWS 64

/* Allocates the net for hp (already validated for training) and its buffers. */
elmo_status elmo_train_net_create(elmo_train_net *net, const elmo_hparams *hp, int32_t n_vocab, int32_t batch,
                                  int32_t unroll, int32_t max_samples);
void elmo_train_net_free(elmo_train_net *net);

/* Floats of an LSTM state: per direction and layer, h (B, P) then c (B, H). */
size_t elmo_train_state_floats(const elmo_train_net *net);

/*
 * Forward over the batch from state (NULL: zeros, nothing kept), whose final
 * LSTM states it writes back. With backward, then the gradient of
 * grad_scale * loss, which replaces net->g. Every member of w's team calls
 * it; each gets the loss.
 */
elmo_train_loss elmo_train_net_run(elmo_train_net *net, const elmo_train_inputs *in, real *state, int backward,
                                   real grad_scale, const elmo_train_worker *w);

/* The parts, for net.c. The token layer is shared by the team's members. */
void elmo_train_tokens_forward(elmo_train_net *net, const elmo_train_inputs *in, const elmo_train_worker *w);
/* From dir[0].d_tok (both directions' gradient) into the token layer's. */
void elmo_train_tokens_backward(elmo_train_net *net, const elmo_train_inputs *in, const elmo_train_worker *w);
/* One direction's layer, on dir[dir]'s scratch. */
void elmo_train_lstm_forward(elmo_train_net *net, int32_t dir, int32_t layer, const real *x, const real *drop,
                             const uint8_t *restart, real *h_state, real *c_state);
/* From dir[dir].d_y (the output's gradient) to dir[dir].d_x (the input's, dropout applied). */
void elmo_train_lstm_backward(elmo_train_net *net, int32_t dir, int32_t layer, const real *drop,
                              const uint8_t *restart);
/* From dir[dir].hs to the NLL of direction dir; with backward, dir[dir].d_hs and the softmax
 * gradients, each prediction's gradient weighted by scale, kept in dir[dir] until
 * elmo_train_softmax_reduce adds them to net->g. */
void elmo_train_softmax(elmo_train_net *net, int32_t dir, const int32_t *targets, const elmo_train_samples *samples,
                        int backward, real scale, double *nll, int64_t *count);
void elmo_train_softmax_reduce(elmo_train_net *net, int32_t dir);

#endif /* ELMO_TRAIN_NET_H */
