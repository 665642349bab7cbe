/*
 * context.c — elmo_context_*, elmo_embed, elmo_output_floats: the run state
 * and the forward pass of a batch (models/SEMANTICS.md): char ids → token vectors →
 * n_layers biLSTM layers, written to the caller's buffer layer by layer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "char_ids.h"
#include "lstm.h"
#include "model.h"
#include "thread_pool.h"
#include "token_cache.h"
#include "token_encoder.h"
#include "workspace.h"

struct elmo_context {
    const elmo_model *model;
    uint32_t model_generation;
    elmo_run_state run;
    float *pad_conv; /* (F) the char CNN of an all-PAD window, elmo_token_encoder_pad_windows() */
    elmo_thread_pool *pool; /* NULL: one thread */
    elmo_token_cache *cache; /* NULL: off */
    /* Kept LSTM state per batch slot, slot-major:
     * [slot][layer][direction] { h (P), c (H) }. */
    float *kept;
    size_t n_slots;
    size_t workspace_limit; /* bytes of the arenas; 0: none */
    char error[ELMO_ERROR_SIZE];
};

static elmo_status set_error(elmo_context *ctx, elmo_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->error, sizeof ctx->error, fmt, ap);
    va_end(ap);
    return status;
}

static size_t kept_floats_per_slot(const elmo_hparams *hp) {
    return (size_t)hp->n_layers * 2 * ((size_t)hp->proj_dim + (size_t)hp->lstm_dim);
}

static size_t floats_per_token_output(const elmo_hparams *hp) {
    return ((size_t)hp->n_layers + 1) * 2 * (size_t)hp->proj_dim;
}

size_t elmo_output_floats(const elmo_model *model, const int32_t *sentence_lengths,
                          int32_t n_sentences, int32_t flags) {
    if (!model || !model->loaded || n_sentences < 0 || (n_sentences > 0 && !sentence_lengths)) return 0;
    const size_t extra = (flags & ELMO_EMBED_KEEP_BOUNDARIES) ? 2 : 0;
    size_t tokens = 0;
    for (int32_t s = 0; s < n_sentences; s++) {
        if (sentence_lengths[s] < 0) return 0;
        tokens = elmo_add_sat(tokens, (size_t)sentence_lengths[s] + extra);
    }
    size_t total = elmo_mul_sat(tokens, floats_per_token_output(&model->hp));
    return total == SIZE_MAX ? 0 : total;
}

elmo_context *elmo_context_create(const elmo_model *model) {
    if (!model || !model->loaded) return NULL;
    elmo_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->model = model;
    ctx->model_generation = model->generation;
    const elmo_hparams *hp = &model->hp;
    float *scratch = malloc(elmo_token_encoder_pad_scratch_floats(hp) * sizeof(float));
    ctx->pad_conv = malloc((size_t)hp->n_cnn_features * sizeof(float));
    if (!scratch || !ctx->pad_conv) {
        free(scratch);
        elmo_context_free(ctx);
        return NULL;
    }
    elmo_token_encoder_pad_windows(hp, &model->w, scratch, ctx->pad_conv);
    free(scratch);
    if (elmo_context_set_token_cache(ctx, ELMO_DEFAULT_TOKEN_CACHE) != ELMO_STATUS_OK) {
        elmo_context_free(ctx);
        return NULL;
    }
    return ctx;
}

void elmo_context_free(elmo_context *ctx) {
    if (!ctx) return;
    elmo_run_state_free(&ctx->run);
    free(ctx->kept);
    free(ctx->pad_conv);
    elmo_token_cache_free(ctx->cache);
    free(ctx);
}

void elmo_context_reset_state(elmo_context *ctx) {
    if (ctx && ctx->kept && ctx->model->loaded && ctx->model->generation == ctx->model_generation)
        memset(ctx->kept, 0, ctx->n_slots * kept_floats_per_slot(&ctx->model->hp) * sizeof(float));
}

/* Keys longer than this (max_characters_per_token - 2 bytes) would make the cache's key
 * table large; such exotic models run without it. */
#define MAX_CACHED_KEY_BYTES 1024

elmo_status elmo_context_set_token_cache(elmo_context *ctx, int32_t max_entries) {
    if (!ctx) return ELMO_STATUS_INVALID_ARGUMENT;
    if (max_entries < 0 || max_entries > ELMO_MAX_TOKEN_CACHE)
        return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "token cache size %d is outside 0..%d", (int)max_entries,
                         ELMO_MAX_TOKEN_CACHE);
    const elmo_hparams *hp = &ctx->model->hp;
    const size_t key_bytes = (size_t)hp->max_chars - 2;
    elmo_token_cache_free(ctx->cache);
    ctx->cache = NULL;
    if (max_entries == 0 || key_bytes > MAX_CACHED_KEY_BYTES) return ELMO_STATUS_OK;
    ctx->cache = elmo_token_cache_create((size_t)max_entries, key_bytes, (size_t)hp->proj_dim);
    return ctx->cache ? ELMO_STATUS_OK : set_error(ctx, ELMO_STATUS_OUT_OF_MEMORY, "out of memory for the token cache");
}

elmo_status elmo_context_set_workspace_limit(elmo_context *ctx, size_t bytes) {
    if (!ctx) return ELMO_STATUS_INVALID_ARGUMENT;
    ctx->workspace_limit = bytes; /* takes effect when the next elmo_embed() sizes its workspace */
    return ELMO_STATUS_OK;
}

void elmo_context_token_cache_counts(const elmo_context *ctx, double counts[2]) {
    uint64_t hits = 0, misses = 0;
    if (ctx && ctx->cache) elmo_token_cache_counts(ctx->cache, &hits, &misses);
    counts[0] = (double)hits;
    counts[1] = (double)misses;
}

elmo_status elmo_context_set_thread_pool(elmo_context *ctx, elmo_thread_pool *pool) {
    if (!ctx) return ELMO_STATUS_INVALID_ARGUMENT;
    ctx->pool = pool; /* the workspace is re-carved for the pool's size by the next elmo_embed() */
    return ELMO_STATUS_OK;
}

const char *elmo_context_last_error(const elmo_context *ctx) {
    return ctx ? ctx->error : "context is NULL";
}

/* Sizes the run state (and the kept-state table when stateful) for a batch of
 * S sentences and T positions; all allocation of elmo_embed happens here. */
static elmo_status prepare_run_state(elmo_context *ctx, size_t T, size_t S, int stateful) {
    const elmo_hparams *hp = &ctx->model->hp;
    elmo_status st = elmo_run_state_prepare(&ctx->run, hp, T, S, elmo_thread_pool_size(ctx->pool),
                                            ctx->workspace_limit, ctx->error, sizeof ctx->error);
    if (st) return st;
    if (stateful && S > ctx->n_slots) {
        const size_t per_slot = kept_floats_per_slot(hp);
        if (elmo_mul_sat(elmo_mul_sat(S, per_slot), sizeof(float)) == SIZE_MAX)
            return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "too many batch rows: %zu", S);
        float *grown = realloc(ctx->kept, S * per_slot * sizeof(float));
        if (!grown) return set_error(ctx, ELMO_STATUS_OUT_OF_MEMORY, "out of memory for the kept state");
        memset(grown + ctx->n_slots * per_slot, 0, (S - ctx->n_slots) * per_slot * sizeof(float));
        ctx->kept = grown;
        ctx->n_slots = S;
    }
    return ELMO_STATUS_OK;
}

/* Checks the arguments; on success *n_tokens is the total token count. */
static elmo_status validate_batch(elmo_context *ctx, const uint8_t *token_bytes,
                                  const uint32_t *token_offsets, const int32_t *sentence_lengths,
                                  int32_t n_sentences, int32_t flags, const float *out,
                                  size_t out_floats, size_t *n_tokens) {
    if (flags & ~(ELMO_EMBED_STATEFUL | ELMO_EMBED_KEEP_BOUNDARIES))
        return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "unknown flags 0x%x", (unsigned)flags);
    if (n_sentences < 0)
        return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "n_sentences is negative (%d)", (int)n_sentences);
    if (n_sentences > 0 && !sentence_lengths)
        return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "sentence_lengths is NULL");
    size_t tokens = 0;
    for (int32_t s = 0; s < n_sentences; s++) {
        if (sentence_lengths[s] < 0)
            return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "sentence %d has a negative length (%d)",
                             (int)s, (int)sentence_lengths[s]);
        tokens = elmo_add_sat(tokens, (size_t)sentence_lengths[s]);
    }
    if (tokens > (size_t)INT32_MAX)
        return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "too many tokens in the batch");
    if (!token_offsets)
        return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "token_offsets is NULL");
    if (tokens > 0 && !token_bytes)
        return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "token_bytes is NULL");
    size_t token = 0;
    for (int32_t s = 0; s < n_sentences; s++) {
        for (int32_t i = 0; i < sentence_lengths[s]; i++, token++) {
            if (token_offsets[token + 1] < token_offsets[token])
                return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT,
                                 "token_offsets decrease at sentence %d token %d (%u then %u)", (int)s,
                                 (int)i, (unsigned)token_offsets[token], (unsigned)token_offsets[token + 1]);
            if (token_offsets[token + 1] == token_offsets[token])
                return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT,
                                 "sentence %d token %d is empty (every token needs at least one byte)",
                                 (int)s, (int)i);
        }
    }
    const size_t rows = elmo_add_sat(tokens, (flags & ELMO_EMBED_KEEP_BOUNDARIES) ? 2 * (size_t)n_sentences : 0);
    const size_t needed = elmo_mul_sat(rows, floats_per_token_output(&ctx->model->hp));
    if (needed == SIZE_MAX) return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "batch too large for the output size");
    if (out_floats < needed)
        return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT,
                         "out has %zu floats but the batch needs %zu", out_floats, needed);
    if (needed > 0 && !out) return set_error(ctx, ELMO_STATUS_INVALID_ARGUMENT, "out is NULL");
    *n_tokens = tokens;
    return ELMO_STATUS_OK;
}

/* Positions: per sentence <S>, its tokens, </S>; outputs laid out per elmo.h. */
static void plan_batch(const elmo_hparams *hp, const int32_t *sentence_lengths, size_t S, int keep,
                       elmo_run_state *rs) {
    size_t pos = 0, out_pos = 0;
    for (size_t s = 0; s < S; s++) {
        rs->order[s] = (int32_t)s;
        rs->seq_len[s] = sentence_lengths[s] + 2;
        rs->seq_start[s] = pos;
        rs->out_start[s] = out_pos;
        pos += (size_t)rs->seq_len[s];
        out_pos += (size_t)(keep ? rs->seq_len[s] : sentence_lengths[s]) * floats_per_token_output(hp);
    }
    /* Insertion sort, stable: batches are small and often already sorted. */
    for (size_t i = 1; i < S; i++) {
        int32_t s = rs->order[i];
        size_t j = i;
        for (; j > 0 && rs->seq_len[rs->order[j - 1]] < rs->seq_len[s]; j--) rs->order[j] = rs->order[j - 1];
        rs->order[j] = s;
    }
}

/* The char ids of miss m: its token's bytes, or a boundary. */
static void miss_char_ids(const elmo_hparams *hp, const elmo_run_state *rs, const uint8_t *token_bytes,
                          const uint32_t *token_offsets, int32_t m, int32_t *ids) {
    const int32_t token = rs->miss_token[m];
    if (token >= 0)
        elmo_char_ids(token_bytes + token_offsets[token], token_offsets[token + 1] - token_offsets[token],
                      hp->max_chars, ids);
    else
        elmo_char_ids_boundary(token == -1 ? ELMO_CHAR_BOS : ELMO_CHAR_EOS, hp->max_chars, ids);
}

/*
 * Layer 0 of every position: boundaries and tokens found in the cache are
 * copied from it; the rest (each distinct token once) are encoded, a chunk
 * of rs->encode_chunk at a time, and enter the cache. A miss's vector goes
 * to its first position; later positions of the same token copy it from there.
 */
static void token_vectors(elmo_context *ctx, const uint8_t *token_bytes, const uint32_t *token_offsets,
                          size_t S, size_t T) {
    const elmo_model *model = ctx->model;
    const elmo_hparams *hp = &model->hp;
    elmo_run_state *rs = &ctx->run;
    elmo_token_cache *cache = ctx->cache;
    const size_t max_chars = (size_t)hp->max_chars, P = (size_t)hp->proj_dim;
    const size_t max_bytes = max_chars - 2; /* the char ids see no more */
    int32_t n_miss = 0;
    size_t token = 0;
    for (size_t s = 0; s < S; s++) {
        const size_t len = (size_t)rs->seq_len[s];
        for (size_t i = 0; i < len; i++) {
            const size_t pos = rs->seq_start[s] + i;
            const elmo_token_kind kind = i == 0 ? ELMO_TOKEN_BOS : i + 1 == len ? ELMO_TOKEN_EOS : ELMO_TOKEN_BYTES;
            const uint8_t *bytes = NULL;
            size_t n_bytes = 0;
            int32_t miss_token = kind == ELMO_TOKEN_BOS ? -1 : -2;
            if (kind == ELMO_TOKEN_BYTES) {
                bytes = token_bytes + token_offsets[token];
                n_bytes = token_offsets[token + 1] - token_offsets[token];
                miss_token = (int32_t)token++;
            }
            const size_t key_len = n_bytes < max_bytes ? n_bytes : max_bytes;
            int32_t entry = cache ? elmo_token_cache_find(cache, kind, bytes, key_len) : -1;
            if (entry >= 0) {
                rs->source[pos] = elmo_token_cache_pending(cache, entry);
                if (rs->source[pos] < 0)
                    memcpy(rs->tok + pos * P, elmo_token_cache_vector(cache, entry), P * sizeof(float));
                continue;
            }
            entry = cache ? elmo_token_cache_claim(cache, kind, bytes, key_len, n_miss) : -1;
            rs->miss_pos[n_miss] = (int32_t)pos;
            rs->miss_token[n_miss] = miss_token;
            rs->miss_entry[n_miss] = entry;
            rs->source[pos] = n_miss++;
        }
    }
    /* A token's vector does not depend on the other tokens encoded with it, so chunks change no bit. */
    for (int32_t first = 0; first < n_miss; first += (int32_t)rs->encode_chunk) {
        const int32_t n = n_miss - first < (int32_t)rs->encode_chunk ? n_miss - first : (int32_t)rs->encode_chunk;
        for (int32_t k = 0; k < n; k++)
            miss_char_ids(hp, rs, token_bytes, token_offsets, first + k, rs->char_ids + (size_t)k * max_chars);
        elmo_encode_tokens(hp, &model->w, ctx->pool, ctx->pad_conv, rs->char_ids, (size_t)n, rs->encoder_scratch,
                           rs->features, rs->highway, rs->tok_miss);
        for (int32_t k = 0; k < n; k++) {
            const float *vector = rs->tok_miss + (size_t)k * P;
            memcpy(rs->tok + (size_t)rs->miss_pos[first + k] * P, vector, P * sizeof(float));
            if (cache && rs->miss_entry[first + k] >= 0)
                memcpy(elmo_token_cache_vector(cache, rs->miss_entry[first + k]), vector, P * sizeof(float));
        }
    }
    for (size_t pos = 0; pos < T; pos++) {
        const int32_t m = rs->source[pos];
        if (m >= 0 && (size_t)rs->miss_pos[m] != pos)
            memcpy(rs->tok + pos * P, rs->tok + (size_t)rs->miss_pos[m] * P, P * sizeof(float));
    }
    if (cache) elmo_token_cache_settle(cache);
}

/* Writes output layer `layer` ([fwd, bwd] per token) for every sentence. */
static void write_layer(const elmo_hparams *hp, const elmo_run_state *rs, size_t S, int keep,
                        int32_t layer, const float *fwd, const float *bwd, float *out) {
    const size_t P = (size_t)hp->proj_dim;
    for (size_t s = 0; s < S; s++) {
        const size_t first = keep ? 0 : 1;
        const size_t n_out = (size_t)rs->seq_len[s] - 2 * first;
        float *dst = out + rs->out_start[s] + (size_t)layer * n_out * 2 * P;
        for (size_t i = 0; i < n_out; i++, dst += 2 * P) {
            const size_t pos = rs->seq_start[s] + first + i;
            memcpy(dst, fwd + pos * P, P * sizeof(float));
            memcpy(dst + P, bwd + pos * P, P * sizeof(float));
        }
    }
}

/* Moves state between the kept table (by slot = sentence index) and the
 * run's h, c rows (by rank in rs->order). */
static void load_state(const elmo_context *ctx, size_t S, int32_t layer, int dir, int stateful) {
    const elmo_hparams *hp = &ctx->model->hp;
    const elmo_run_state *rs = &ctx->run;
    const elmo_lstm_buffers *b = &rs->lstm[dir];
    const size_t P = (size_t)hp->proj_dim, H = (size_t)hp->lstm_dim;
    if (!stateful) {
        memset(b->h, 0, S * P * sizeof(float));
        memset(b->c, 0, S * H * sizeof(float));
        return;
    }
    for (size_t r = 0; r < S; r++) {
        const float *kept = ctx->kept + (size_t)rs->order[r] * kept_floats_per_slot(hp) +
                            ((size_t)layer * 2 + (size_t)dir) * (P + H);
        memcpy(b->h + r * P, kept, P * sizeof(float));
        memcpy(b->c + r * H, kept + P, H * sizeof(float));
    }
}

static void store_state(elmo_context *ctx, size_t S, int32_t layer, int dir) {
    const elmo_hparams *hp = &ctx->model->hp;
    const elmo_run_state *rs = &ctx->run;
    const elmo_lstm_buffers *b = &rs->lstm[dir];
    const size_t P = (size_t)hp->proj_dim, H = (size_t)hp->lstm_dim;
    for (size_t r = 0; r < S; r++) {
        float *kept = ctx->kept + (size_t)rs->order[r] * kept_floats_per_slot(hp) +
                      ((size_t)layer * 2 + (size_t)dir) * (P + H);
        memcpy(kept, b->h + r * P, P * sizeof(float));
        memcpy(kept + P, b->c + r * H, H * sizeof(float));
    }
}

/* The directions of one layer, by the teams of the pool (elmo_direction_teams()). */
typedef struct layer_job {
    const elmo_context *ctx;
    const elmo_lstm_dims *dims;
    const elmo_batch_layout *layout;
    int32_t layer;
    int dir;      /* the direction, when one team runs them in turn */
    int32_t teams;
    elmo_team team[2];
} layer_job;

static void layer_task(void *arg, int32_t thread, int32_t n_threads) {
    layer_job *job = arg;
    const elmo_hparams *hp = &job->ctx->model->hp;
    const elmo_run_state *rs = &job->ctx->run;
    const int32_t l = job->layer, team_size = n_threads / job->teams;
    const int dir = job->teams == 2 ? (int)(thread / team_size) : job->dir;
    /* Each direction is its own stack: layer l reads layer l-1 of the same direction. */
    const float *x = l == 0 ? rs->tok : rs->layer_out[(l + 1) % 2][dir];
    elmo_lstm_run(&job->team[job->teams == 2 ? dir : 0], thread % team_size, &job->ctx->model->w.lstm[l][dir],
                  job->dims, job->layout, dir == 1, hp->use_skip_connections && l > 0, x, rs->layer_out[l % 2][dir],
                  &rs->lstm[dir]);
}

/* Runs layer l: both directions at once on two teams, or in turn on one. */
static void run_layer(elmo_context *ctx, const elmo_lstm_dims *dims, const elmo_batch_layout *layout, int32_t l,
                      int stateful) {
    const size_t S = layout->n_seqs;
    const int32_t n_threads = elmo_thread_pool_size(ctx->pool), teams = elmo_direction_teams(n_threads);
    layer_job job = {ctx, dims, layout, l, 0, teams, {{0}, {0}}};
    for (int32_t t = 0; t < teams; t++) elmo_team_init(&job.team[t], n_threads / teams);
    if (teams == 2) {
        for (int dir = 0; dir < 2; dir++) load_state(ctx, S, l, dir, stateful);
        elmo_thread_pool_run(ctx->pool, layer_task, &job);
        for (int dir = 0; dir < 2 && stateful; dir++) store_state(ctx, S, l, dir);
        return;
    }
    for (int dir = 0; dir < 2; dir++) {
        load_state(ctx, S, l, dir, stateful);
        job.dir = dir;
        elmo_thread_pool_run(ctx->pool, layer_task, &job);
        if (stateful) store_state(ctx, S, l, dir);
    }
}

elmo_status elmo_embed(elmo_context *ctx, const uint8_t *token_bytes, const uint32_t *token_offsets,
                       const int32_t *sentence_lengths, int32_t n_sentences, int32_t flags, float *out,
                       size_t out_floats) {
    if (!ctx) return ELMO_STATUS_INVALID_ARGUMENT;
    ctx->error[0] = '\0';
    const elmo_model *model = ctx->model;
    if (!model->loaded || model->generation != ctx->model_generation)
        return set_error(ctx, ELMO_STATUS_NOT_LOADED,
                         "the model was reloaded or unloaded after this context was created");
    size_t n_tokens = 0;
    elmo_status st = validate_batch(ctx, token_bytes, token_offsets, sentence_lengths, n_sentences,
                                    flags, out, out_floats, &n_tokens);
    if (st || n_sentences == 0) return st;

    const elmo_hparams *hp = &model->hp;
    const int stateful = (flags & ELMO_EMBED_STATEFUL) != 0;
    const int keep = (flags & ELMO_EMBED_KEEP_BOUNDARIES) != 0;
    const size_t S = (size_t)n_sentences, T = n_tokens + 2 * S;
    st = prepare_run_state(ctx, T, S, stateful);
    if (st) return st;
    elmo_run_state *rs = &ctx->run;

    plan_batch(hp, sentence_lengths, S, keep, rs);
    token_vectors(ctx, token_bytes, token_offsets, S, T);
    write_layer(hp, rs, S, keep, 0, rs->tok, rs->tok, out);

    const elmo_batch_layout layout = {S, T, rs->order, rs->seq_len, rs->seq_start};
    const elmo_lstm_dims dims = {(size_t)hp->lstm_dim, (size_t)hp->proj_dim, hp->cell_clip, hp->proj_clip};
    for (int32_t l = 0; l < hp->n_layers; l++) {
        run_layer(ctx, &dims, &layout, l, stateful);
        write_layer(hp, rs, S, keep, l + 1, rs->layer_out[l % 2][0], rs->layer_out[l % 2][1], out);
    }
    return ELMO_STATUS_OK;
}
