/*
 * workspace.h — the run state of elmo_embed(): every activation buffer of a
 * batch, carved from three arenas, and how large they must be. A workspace
 * limit makes the token encoder and the LSTM input products run on chunks
 * (elmo.h, elmo_context_set_workspace_limit); the sizes are chosen here so
 * that context.c only reads the forward pass.
 */
#ifndef ELMO_WORKSPACE_H
#define ELMO_WORKSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "carver.h"
#include "elmo.h"
#include "hparams.h"
#include "lstm.h"

/* Teams that run the directions of a layer: two side by side when the
 * threads split evenly, else one team of all threads, direction by direction. */
static inline int32_t elmo_direction_teams(int32_t n_threads) { return n_threads % 2 == 0 ? 2 : 1; }

/* Every activation buffer of a batch. The arenas grow at the start of
 * elmo_embed() to what the batch needs and are kept for later calls; the
 * pointers are re-carved from them on every call. Buffers marked "chunk"
 * hold a chunk of the batch only, sized to the workspace limit. */
typedef struct elmo_run_state {
    float *floats;
    size_t floats_cap;
    int32_t *ints;
    size_t ints_cap;
    size_t *sizes;
    size_t sizes_cap;
    size_t encode_chunk;    /* tokens encoded at once */
    size_t xg_rows;         /* rows of xg: input products of every position, or of a chunk of steps */

    int32_t *char_ids;      /* chunk: (encode_chunk, max_chars) of the tokens to encode (the cache misses) */
    int32_t *source;        /* (T) per position: the miss whose vector it takes, or -1 (from the cache) */
    int32_t *miss_pos;      /* (T) per miss: the first position of its token */
    int32_t *miss_token;    /* (T) per miss: its token index, or -1 for <S>, -2 for </S> */
    int32_t *miss_entry;    /* (T) per miss: its cache entry, or -1 */
    int32_t *order;         /* (S) sentences, longest first */
    int32_t *seq_len;       /* (S) tokens + 2 boundaries */
    size_t *seq_start;      /* (S) first position of each sentence */
    size_t *out_start;      /* (S) first float of each sentence in out */
    float *encoder_scratch; /* elmo_token_encoder_scratch_floats() for the pool's threads */
    float *features;        /* chunk: (encode_chunk, F) */
    float *highway;         /* chunk: (2, encode_chunk, F) */
    float *tok_miss;        /* chunk: (encode_chunk, P) layer 0 of the misses */
    float *tok;             /* (T, P) layer 0 */
    float *layer_out[2][2]; /* [ping-pong][direction] (T, P) */
    /* Per direction: xg (chunk: xg_rows, 4H), gates (S, 4H), h (S, P), c and
     * m (S, H). The two are one set when the directions run one after the
     * other (elmo_direction_teams() == 1). */
    elmo_lstm_buffers lstm[2];
} elmo_run_state;

/*
 * Sizes the run state for a batch of S sentences and T positions on
 * n_threads threads within limit bytes (0: no limit): chooses the chunks,
 * grows the arenas (all allocation of elmo_embed() happens here) and carves
 * every buffer. On failure err says why and the arenas hold nothing carved.
 */
elmo_status elmo_run_state_prepare(elmo_run_state *rs, const elmo_hparams *hp, size_t T, size_t S,
                                   int32_t n_threads, size_t limit, char *err, size_t err_size);

void elmo_run_state_free(elmo_run_state *rs);

#endif /* ELMO_WORKSPACE_H */
