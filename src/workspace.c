/*
 * workspace.c — sizes and carves the run state of elmo_embed(); see workspace.h.
 */
#include "workspace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "token_encoder.h"

static elmo_status refuse(char *err, size_t err_size, elmo_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return status;
}

/*
 * Grows the three arenas to at least the sizes given. Their contents need
 * not survive (every call carves them afresh), so all three are freed
 * before any is allocated: the allocator can then put the larger ones where
 * the old ones were, where growing one by one (realloc) left the old blocks
 * as holes that wasm memory, which never shrinks, kept for good.
 */
static int grow_arenas(elmo_run_state *rs, size_t n_floats, size_t n_ints, size_t n_sizes) {
    if (n_floats <= rs->floats_cap && n_ints <= rs->ints_cap && n_sizes <= rs->sizes_cap) return 1;
    if (n_floats > SIZE_MAX / sizeof(float) || n_ints > SIZE_MAX / sizeof(int32_t) ||
        n_sizes > SIZE_MAX / sizeof(size_t))
        return 0;
    n_floats = n_floats > rs->floats_cap ? n_floats : rs->floats_cap;
    n_ints = n_ints > rs->ints_cap ? n_ints : rs->ints_cap;
    n_sizes = n_sizes > rs->sizes_cap ? n_sizes : rs->sizes_cap;
    free(rs->floats);
    free(rs->ints);
    free(rs->sizes);
    rs->floats = malloc(n_floats * sizeof(float));
    rs->ints = malloc(n_ints * sizeof(int32_t));
    rs->sizes = malloc(n_sizes * sizeof(size_t));
    const int ok = rs->floats && rs->ints && rs->sizes;
    if (!ok) {
        free(rs->floats), free(rs->ints), free(rs->sizes);
        rs->floats = NULL, rs->ints = NULL, rs->sizes = NULL;
    }
    rs->floats_cap = ok ? n_floats : 0;
    rs->ints_cap = ok ? n_ints : 0;
    rs->sizes_cap = ok ? n_sizes : 0;
    return ok;
}

/* n floats of the float arena (cv counts bytes). */
static float *carve(elmo_carver *cv, size_t n) { return elmo_carve(cv, elmo_mul_sat(n, sizeof(float))); }

static void carve_floats(const elmo_hparams *hp, size_t T, size_t S, int32_t n_threads, elmo_run_state *rs,
                         elmo_carver *cv) {
    const size_t F = (size_t)hp->n_cnn_features, P = (size_t)hp->proj_dim, H = (size_t)hp->lstm_dim;
    const size_t E = rs->encode_chunk;
    rs->encoder_scratch = carve(cv, elmo_token_encoder_scratch_floats(hp, n_threads));
    rs->features = carve(cv, elmo_mul_sat(E, F));
    rs->highway = carve(cv, hp->n_highway > 0 ? elmo_mul_sat(2 * E, F) : 0);
    rs->tok_miss = carve(cv, elmo_mul_sat(E, P));
    rs->tok = carve(cv, elmo_mul_sat(T, P));
    for (int i = 0; i < 2; i++)
        for (int dir = 0; dir < 2; dir++) rs->layer_out[i][dir] = carve(cv, elmo_mul_sat(T, P));
    const int32_t sets = elmo_direction_teams(n_threads);
    for (int32_t set = 0; set < sets; set++) {
        elmo_lstm_buffers *b = &rs->lstm[set];
        b->xg_rows = rs->xg_rows;
        b->xg = carve(cv, elmo_mul_sat(rs->xg_rows, 4 * H));
        b->gates = carve(cv, elmo_mul_sat(S, 4 * H));
        b->h = carve(cv, elmo_mul_sat(S, P));
        b->c = carve(cv, elmo_mul_sat(S, H));
        b->m = carve(cv, elmo_mul_sat(S, H));
    }
    if (sets == 1) rs->lstm[1] = rs->lstm[0];
}

/* Elements of the int32 arena: char ids of a chunk, source, miss_pos, miss_token, miss_entry, order, seq_len. */
static size_t run_ints(const elmo_hparams *hp, size_t T, size_t S, const elmo_run_state *rs) {
    return elmo_add_sat(elmo_mul_sat(rs->encode_chunk, (size_t)hp->max_chars), elmo_add_sat(elmo_mul_sat(T, 4), 2 * S));
}

/* Bytes of the three arenas for a batch with the chunk sizes in rs (SIZE_MAX: too large). */
static size_t run_state_bytes(const elmo_hparams *hp, size_t T, size_t S, int32_t n_threads, elmo_run_state *rs) {
    elmo_carver count = {NULL, 0};
    carve_floats(hp, T, S, n_threads, rs, &count);
    const size_t n_ints = run_ints(hp, T, S, rs);
    const size_t bytes = elmo_add_sat(elmo_add_sat(count.used, elmo_mul_sat(n_ints, sizeof(int32_t))),
                                      elmo_mul_sat(2 * S, sizeof(size_t)));
    return count.used == SIZE_MAX ? SIZE_MAX : bytes;
}

/*
 * Chunk sizes: the whole batch at once when it fits the limit (or there is
 * none); else at least one token and one step of every row, and of what the
 * limit leaves, about half for more tokens and the rest for more steps.
 */
static elmo_status choose_chunks(elmo_run_state *rs, const elmo_hparams *hp, size_t T, size_t S, int32_t n_threads,
                                 size_t limit, char *err, size_t err_size) {
    rs->encode_chunk = T;
    rs->xg_rows = T;
    const size_t whole = run_state_bytes(hp, T, S, n_threads, rs);
    if (T > (size_t)INT32_MAX || whole == SIZE_MAX)
        return refuse(err, err_size, ELMO_STATUS_INVALID_ARGUMENT, "batch too large: %zu positions", T);
    if (limit == 0 || whole <= limit) return ELMO_STATUS_OK;
    rs->encode_chunk = 1;
    rs->xg_rows = S;
    const size_t least = run_state_bytes(hp, T, S, n_threads, rs);
    if (least > limit)
        return refuse(err, err_size, ELMO_STATUS_OUT_OF_MEMORY,
                      "the batch (%zu positions) needs at least %zu bytes of workspace; the limit is %zu", T, least,
                      limit);
    const size_t token_bytes = (3 * (size_t)hp->n_cnn_features +
                                (size_t)hp->proj_dim) * sizeof(float) + (size_t)hp->max_chars * sizeof(int32_t);
    const size_t tokens = 1 + (limit - least) / 2 / token_bytes;
    rs->encode_chunk = tokens < T ? tokens : T;
    /* The estimates leave out alignment padding: step back until it fits. */
    while (rs->encode_chunk > 1 && run_state_bytes(hp, T, S, n_threads, rs) > limit) rs->encode_chunk--;
    const size_t row_bytes = (size_t)elmo_direction_teams(n_threads) * 4 * (size_t)hp->lstm_dim * sizeof(float);
    const size_t rows = S + (limit - run_state_bytes(hp, T, S, n_threads, rs)) / row_bytes;
    rs->xg_rows = rows < T ? rows : T;
    while (rs->xg_rows > S && run_state_bytes(hp, T, S, n_threads, rs) > limit) rs->xg_rows--;
    return ELMO_STATUS_OK;
}

elmo_status elmo_run_state_prepare(elmo_run_state *rs, const elmo_hparams *hp, size_t T, size_t S,
                                   int32_t n_threads, size_t limit, char *err, size_t err_size) {
    elmo_status st = choose_chunks(rs, hp, T, S, n_threads, limit, err, err_size);
    if (st) return st;
    elmo_carver count = {NULL, 0};
    carve_floats(hp, T, S, n_threads, rs, &count);
    if (!grow_arenas(rs, count.used / sizeof(float), run_ints(hp, T, S, rs), 2 * S))
        return refuse(err, err_size, ELMO_STATUS_OUT_OF_MEMORY, "out of memory for a batch of %zu positions", T);

    elmo_carver arena = {(char *)rs->floats, 0};
    carve_floats(hp, T, S, n_threads, rs, &arena);
    rs->char_ids = rs->ints;
    rs->source = rs->char_ids + rs->encode_chunk * (size_t)hp->max_chars;
    rs->miss_pos = rs->source + T;
    rs->miss_token = rs->miss_pos + T;
    rs->miss_entry = rs->miss_token + T;
    rs->order = rs->miss_entry + T;
    rs->seq_len = rs->order + S;
    rs->seq_start = rs->sizes;
    rs->out_start = rs->sizes + S;
    return ELMO_STATUS_OK;
}

void elmo_run_state_free(elmo_run_state *rs) {
    free(rs->floats);
    free(rs->ints);
    free(rs->sizes);
    rs->floats = NULL, rs->ints = NULL, rs->sizes = NULL;
    rs->floats_cap = rs->ints_cap = rs->sizes_cap = 0;
}
