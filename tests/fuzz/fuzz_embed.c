/*
 * fuzz_embed.c — elmo_embed() on a small in-memory model with arbitrary
 * token bytes and batch shapes: sentence counts and lengths (negative
 * ones too), token offsets (decreasing, empty tokens), flags (stateful,
 * boundaries, unknown bits), short output buffers, workspace limits (so
 * the chunked paths run) and token cache sizes; up to four calls on one
 * context, so stateful calls carry state. A call either succeeds with
 * finite outputs or fails with a message; nothing is read or written
 * outside the buffers (ASan), and nothing is undefined (UBSan).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "fuzz_common.h"

enum { MAX_SENTENCES = 9, MAX_TOKENS = 64 };

static elmo_model *model;

static void load_model(void) {
    static test_model tm; /* the weights must outlive the model: kept for the process */
    test_model_spec spec = fuzz_model_spec();
    model = test_model_build_and_load(&spec, &tm);
    if (!model) abort();
}

/* One call, described by the next bytes of r; the rest of r is the pool of token bytes. */
static void one_call(elmo_context *ctx, fuzz_reader *r) {
    const uint32_t shape = fuzz_byte(r);
    const int32_t flags = shape & 0x80 ? (int32_t)(shape & 0x7f) : (int32_t)(shape & 3);
    const int32_t n_sentences = shape & 0x40 && shape & 0x20 ? -1 : (int32_t)(fuzz_byte(r) % MAX_SENTENCES);
    const uint32_t limit = fuzz_u16(r);
    /* 0: none; else a limit from a few hundred bytes (refused) to ~1 MB (whole batches fit). */
    elmo_context_set_workspace_limit(ctx, limit ? (size_t)limit * 16 : 0);
    const uint32_t cache = fuzz_byte(r);
    if (cache & 0x80) elmo_context_set_token_cache(ctx, (int32_t)(cache & 0x7f) - 8);
    if (cache & 0x40) elmo_context_reset_state(ctx);

    int32_t lengths[MAX_SENTENCES];
    uint32_t offsets[MAX_SENTENCES * MAX_TOKENS + 1];
    size_t n_tokens = 0;
    for (int32_t s = 0; s < n_sentences; s++) {
        const uint32_t b = fuzz_byte(r);
        lengths[s] = b == 0xff ? -3 : (int32_t)(b % MAX_TOKENS);
        if (lengths[s] > 0) n_tokens += (size_t)lengths[s];
    }
    /* Token i is [offsets[i], offsets[i+1]); each step is 0..7 bytes, or backwards now and then. */
    offsets[0] = 0;
    for (size_t i = 0; i < n_tokens; i++) {
        const uint32_t step = fuzz_byte(r);
        const uint32_t at = step == 0xfe && offsets[i] > 0 ? offsets[i] - 1 : offsets[i] + step % 8;
        offsets[i + 1] = at;
    }
    /* Offsets must lie inside token_bytes (the API cannot check that): clamp to what is left. */
    const size_t pool = r->size;
    for (size_t i = 0; i <= n_tokens; i++)
        if (offsets[i] > pool) offsets[i] = (uint32_t)pool;
    uint8_t *bytes = malloc(pool ? pool : 1);
    memcpy(bytes, r->data, pool);

    const size_t need = elmo_output_floats(model, lengths, n_sentences, flags);
    const size_t n_out = shape & 0x10 && need > 0 ? need - 1 : need; /* now and then one float short */
    float *out = malloc((n_out ? n_out : 1) * sizeof(float));
    const elmo_status st = elmo_embed(ctx, bytes, offsets, lengths, n_sentences, flags, out, n_out);
    if (st == ELMO_STATUS_OK) {
        for (size_t i = 0; i < need; i++)
            if (!isfinite(out[i])) abort();
    } else if (elmo_context_last_error(ctx)[0] == '\0') {
        abort(); /* every failure says why */
    }
    free(out);
    free(bytes);
    /* The next call takes its description from where the token bytes of this one began. */
    const size_t used = pool < 16 ? pool : 16;
    r->data += used;
    r->size -= used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!model) load_model();
    elmo_context *ctx = elmo_context_create(model);
    fuzz_reader r = {data, size};
    for (int call = 0; call < 4 && r.size > 0; call++) one_call(ctx, &r);
    elmo_context_free(ctx);
    return 0;
}
