/*
 * test_forward.c — elmo_embed against the double-precision reference of
 * src/reference/ (models/SEMANTICS.md in code, sharing nothing with the
 * core) on small random models: every option, stateless and stateful,
 * float32, int8, float16 and bfloat16 weights.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "model_builder.h"
#include "reference/elmo_reference.h"
#include "test_util.h"


/* ---- the reference (src/reference/elmo_reference.c) on a built model ---- */

typedef struct ref_model {
    const test_model_spec *spec;
    elmo_ref_model ref;
    int P, L;
} ref_model;

static const float *builder_tensor(void *user, const char *name) {
    const float *t = test_model_tensor(user, name);
    if (!t) printf("reference: no tensor %s\n", name);
    return t;
}

static ref_model reference_of(const test_model_spec *spec, test_model *tm) {
    ref_model r = {spec, {{0}, builder_tensor, tm}, spec->proj_dim, spec->n_layers};
    elmo_ref_options *o = &r.ref.options;
    o->char_dim = spec->char_dim;
    o->max_chars = spec->max_chars ? spec->max_chars : 50;
    o->n_filters = spec->n_filters;
    memcpy(o->filter_width, spec->filter_width, sizeof o->filter_width);
    memcpy(o->filter_count, spec->filter_count, sizeof o->filter_count);
    o->relu = spec->activation && strcmp(spec->activation, "relu") == 0;
    o->n_highway = spec->n_highway;
    o->project = !spec->omit_proj;
    o->proj_dim = spec->proj_dim;
    o->lstm_dim = spec->lstm_dim;
    o->n_layers = spec->n_layers;
    o->cell_clip = spec->cell_clip;
    o->proj_clip = spec->proj_clip;
    o->use_skip_connections = spec->use_skip_connections;
    return r;
}

static void ref_sentence(const ref_model *r, const uint8_t *bytes, const uint32_t *offsets, int n,
                         elmo_ref_state *state, double *out) {
    CHECK(elmo_ref_sentence(&r->ref, bytes, offsets, n, state, out) == 0, "reference: sentence of %d tokens", n);
}

/* ---- batches ---- */

#define MAX_TOKENS 64
typedef struct sentence {
    int n;
    uint8_t bytes[MAX_TOKENS * 80];
    uint32_t offsets[MAX_TOKENS + 1];
} sentence;

/* Random tokens: ASCII words, multi-byte UTF-8, now and then longer than max_chars. */
static void make_sentence(sentence *s, int n, uint32_t *rng) {
    static const char *pieces[] = {"a", "the", "é", "数", "🙂", "Zq", "-", "ELMo", "ü"};
    s->n = n;
    s->offsets[0] = 0;
    uint32_t len = 0;
    for (int i = 0; i < n; i++) {
        int parts = 1 + (int)((test_random(rng) + 1.0f) * 2.0f);
        if (test_random(rng) > 0.7f) parts = 25; /* long: cut at max_chars - 2 bytes */
        for (int p = 0; p < parts; p++) {
            const char *piece = pieces[(int)((test_random(rng) + 1.0f) * 4.49f)];
            memcpy(s->bytes + len, piece, strlen(piece));
            len += (uint32_t)strlen(piece);
        }
        s->offsets[i + 1] = len;
    }
}

/* Packs sentences[idx[0..k)] into one batch. */
typedef struct batch {
    int k;
    uint8_t bytes[16 * MAX_TOKENS * 80];
    uint32_t offsets[16 * MAX_TOKENS + 1];
    int32_t lengths[16];
} batch;

static void make_batch(batch *b, sentence *const *list, int k) {
    uint32_t len = 0;
    int token = 0;
    b->k = k;
    b->offsets[0] = 0;
    for (int i = 0; i < k; i++) {
        const sentence *s = list[i];
        b->lengths[i] = s->n;
        memcpy(b->bytes + len, s->bytes, s->offsets[s->n]);
        for (int t = 0; t < s->n; t++) b->offsets[++token] = len + s->offsets[t + 1];
        len += s->offsets[s->n];
    }
}

static float *run_batch(elmo_context *ctx, const elmo_model *model, const batch *b, int flags,
                        size_t *n_out) {
    *n_out = elmo_output_floats(model, b->lengths, b->k, flags);
    float *out = malloc((*n_out + 1) * sizeof(float));
    elmo_status st = elmo_embed(ctx, b->bytes, b->offsets, b->lengths, b->k, flags, out, *n_out);
    CHECK(st == ELMO_STATUS_OK, "elmo_embed: %s (%s)", elmo_status_to_string(st), elmo_context_last_error(ctx));
    return out;
}

/* Compares sentence i's part of out (from offset *pos) against the reference. */
static void compare_sentence(const char *what, const ref_model *r, const float *out, size_t *pos,
                             const double *ref, int n, int keep) {
    const int L = n + 2, W2 = 2 * r->P, n_out = keep ? L : n, first = keep ? 0 : 1;
    double worst = 0;
    size_t worst_at = 0;
    for (int l = 0; l <= r->L; l++)
        for (int t = 0; t < n_out; t++)
            for (int i = 0; i < W2; i++) {
                const double want = ref[((size_t)l * L + (size_t)(t + first)) * W2 + i];
                const double got = out[*pos + ((size_t)l * n_out + t) * W2 + i];
                const double err = fabs(got - want) / (fabs(want) > 1 ? fabs(want) : 1);
                if (err > worst) {
                    worst = err;
                    worst_at = ((size_t)l * n_out + t) * W2 + i;
                }
            }
    /* int8 weights also quantize the activations to int16 (kernels/gemm.h), a step of ~1.5e-5 of their range. */
    const double tolerance = r->spec->int8 ? 5e-4 : 1e-5;
    CHECK(worst <= tolerance, "%s: error %.3g at float %zu", what, worst, worst_at);
    *pos += (size_t)(r->L + 1) * n_out * W2;
}

static void test_model_case(const char *label, const test_model_spec *spec) {
    test_model tm;
    if (test_model_build(spec, &tm)) {
        CHECK(0, "%s: build", label);
        return;
    }
    elmo_model *model = elmo_model_create();
    elmo_status st = elmo_model_load(model, tm.manifest, tm.manifest_len, tm.weights, tm.weights_len);
    CHECK(st == ELMO_STATUS_OK, "%s: load: %s", label, elmo_model_last_error(model));
    if (st) {
        elmo_model_free(model);
        test_model_free(&tm);
        return;
    }
    const ref_model r = reference_of(spec, &tm);
    CHECK(elmo_model_output_dim(model) == 2 * r.P, "%s: output dim", label);
    CHECK(elmo_model_n_layers(model) == r.L, "%s: n_layers", label);
    CHECK(elmo_model_max_characters(model) == r.ref.options.max_chars, "%s: max chars", label);

    uint32_t rng = spec->seed ^ 0x9e3779b9u;
    enum { N_SENT = 7 };
    static sentence sents[N_SENT];
    const int lengths[N_SENT] = {3, 1, 6, 0, 2, 9, 4};
    for (int i = 0; i < N_SENT; i++) make_sentence(&sents[i], lengths[i], &rng);
    static double ref[N_SENT][5 * 12 * 2 * 64];
    for (int i = 0; i < N_SENT; i++) ref_sentence(&r, sents[i].bytes, sents[i].offsets, sents[i].n, NULL, ref[i]);

    elmo_context *ctx = elmo_context_create(model);
    static batch b;
    char what[96];
    size_t n_out, pos;

    /* Stateless, mixed lengths (with an empty sentence), with and without boundaries. */
    sentence *all[N_SENT];
    for (int i = 0; i < N_SENT; i++) all[i] = &sents[i];
    for (int keep = 0; keep < 2; keep++) {
        make_batch(&b, all, N_SENT);
        float *out = run_batch(ctx, model, &b, keep ? ELMO_EMBED_KEEP_BOUNDARIES : 0, &n_out);
        pos = 0;
        for (int i = 0; i < N_SENT; i++) {
            snprintf(what, sizeof what, "%s: stateless keep=%d sentence %d", label, keep, i);
            compare_sentence(what, &r, out, &pos, ref[i], sents[i].n, keep);
        }
        CHECK(pos == n_out, "%s: output size %zu, expected %zu", label, n_out, pos);
        free(out);
    }

    /* A sentence alone equals the same sentence anywhere in a batch. */
    float *alone[N_SENT];
    size_t alone_n[N_SENT];
    for (int i = 0; i < N_SENT; i++) {
        make_batch(&b, &all[i], 1);
        alone[i] = run_batch(ctx, model, &b, 0, &alone_n[i]);
    }
    for (int rot = 0; rot < 3; rot++) {
        sentence *perm[N_SENT];
        for (int i = 0; i < N_SENT; i++) perm[i] = all[(i * (rot + 2) + rot) % N_SENT];
        make_batch(&b, perm, N_SENT);
        float *out = run_batch(ctx, model, &b, 0, &n_out);
        pos = 0;
        for (int i = 0; i < N_SENT; i++) {
            const int idx = (int)(perm[i] - sents);
            double worst = 0;
            for (size_t j = 0; j < alone_n[idx]; j++) worst = fmax(worst, fabs(out[pos + j] - alone[idx][j]));
            CHECK(worst <= 1e-6, "%s: sentence %d alone vs at %d in batch: %.3g", label, idx, i, worst);
            pos += alone_n[idx];
        }
        free(out);
    }
    for (int i = 0; i < N_SENT; i++) free(alone[i]);

    /* Stateful over batches of 3, 2 (slot 2 keeps its state), 4 (slot 3 starts from zeros),
     * then stateless (must neither read nor change the kept state), then 3 again. */
    elmo_ref_state slots[4];
    for (int i = 0; i < 4; i++) CHECK(elmo_ref_state_init(&r.ref, &slots[i]) == 0, "%s: reference state", label);
    const int plan[5][5] = {{3, 0, 2, 5}, {2, 6, 1}, {4, 4, 3, 0, 5}, {2, 2, 6}, {3, 1, 5, 0}};
    const int stateful[5] = {1, 1, 1, 0, 1};
    for (int k = 0; k < 5; k++) {
        sentence *list[4];
        for (int i = 0; i < plan[k][0]; i++) list[i] = &sents[plan[k][1 + i]];
        make_batch(&b, list, plan[k][0]);
        const int flags = stateful[k] ? ELMO_EMBED_STATEFUL : 0;
        float *out = run_batch(ctx, model, &b, flags | (k == 2 ? ELMO_EMBED_KEEP_BOUNDARIES : 0), &n_out);
        pos = 0;
        for (int i = 0; i < plan[k][0]; i++) {
            static double expect[5 * 12 * 2 * 64];
            ref_sentence(&r, list[i]->bytes, list[i]->offsets, list[i]->n, stateful[k] ? &slots[i] : NULL, expect);
            snprintf(what, sizeof what, "%s: stateful batch %d row %d", label, k, i);
            compare_sentence(what, &r, out, &pos, expect, list[i]->n, k == 2);
        }
        free(out);
    }
    for (int i = 0; i < 4; i++) elmo_ref_state_free(&slots[i]);
    /* After a reset, stateful equals stateless. */
    elmo_context_reset_state(ctx);
    make_batch(&b, all, 3);
    float *out = run_batch(ctx, model, &b, ELMO_EMBED_STATEFUL, &n_out);
    pos = 0;
    for (int i = 0; i < 3; i++) {
        snprintf(what, sizeof what, "%s: stateful after reset, row %d", label, i);
        compare_sentence(what, &r, out, &pos, ref[i], sents[i].n, 0);
    }
    free(out);

    elmo_context_free(ctx);
    elmo_model_free(model);
    test_model_free(&tm);
}

/* Bad arguments are refused with INVALID_ARGUMENT and leave the context usable. */
static void test_invalid_arguments(void) {
    test_model_spec spec = {.char_dim = 2, .n_characters = 262, .max_chars = 6, .n_filters = 1,
                            .filter_width = {2}, .filter_count = {3}, .activation = "relu",
                            .lstm_dim = 4, .proj_dim = 3, .n_layers = 1, .cell_clip = -1,
                            .proj_clip = -1, .seed = 7, .weight_scale = 0.5f};
    test_model tm;
    test_model_build(&spec, &tm);
    elmo_model *model = elmo_model_create();
    CHECK(elmo_context_create(model) == NULL, "context of an unloaded model");
    elmo_model_load(model, tm.manifest, tm.manifest_len, tm.weights, tm.weights_len);
    elmo_context *ctx = elmo_context_create(model);
    const uint8_t bytes[] = "abcd";
    const uint32_t offsets[] = {0, 2, 2, 4};
    const int32_t lengths[] = {1, 2};
    float out[1000];
    size_t need = elmo_output_floats(model, lengths, 2, 0);
    CHECK(need == (size_t)2 * 3 * 6, "output floats %zu", need);
    CHECK(elmo_output_floats(model, lengths, 2, ELMO_EMBED_KEEP_BOUNDARIES) == (size_t)2 * 7 * 6,
          "output floats with boundaries");

    elmo_status st = elmo_embed(ctx, bytes, offsets, lengths, 2, 0, out, 1000);
    CHECK(st == ELMO_STATUS_INVALID_ARGUMENT && strstr(elmo_context_last_error(ctx), "sentence 1 token 0"),
          "zero-length token: %d %s", st, elmo_context_last_error(ctx));
    const uint32_t good_offsets[] = {0, 2, 3, 4};
    st = elmo_embed(ctx, bytes, good_offsets, lengths, 2, 0, out, need - 1);
    CHECK(st == ELMO_STATUS_INVALID_ARGUMENT && strstr(elmo_context_last_error(ctx), "out"),
          "out too small: %d %s", st, elmo_context_last_error(ctx));
    const int32_t negative[] = {1, -2};
    st = elmo_embed(ctx, bytes, good_offsets, negative, 2, 0, out, 1000);
    CHECK(st == ELMO_STATUS_INVALID_ARGUMENT, "negative length: %d", st);
    st = elmo_embed(ctx, bytes, good_offsets, lengths, -1, 0, out, 1000);
    CHECK(st == ELMO_STATUS_INVALID_ARGUMENT, "negative n_sentences: %d", st);
    st = elmo_embed(ctx, bytes, NULL, lengths, 2, 0, out, 1000);
    CHECK(st == ELMO_STATUS_INVALID_ARGUMENT, "NULL offsets: %d", st);
    st = elmo_embed(ctx, bytes, good_offsets, lengths, 2, 64, out, 1000);
    CHECK(st == ELMO_STATUS_INVALID_ARGUMENT, "unknown flag: %d", st);
    st = elmo_embed(NULL, bytes, good_offsets, lengths, 2, 0, out, 1000);
    CHECK(st == ELMO_STATUS_INVALID_ARGUMENT, "NULL context: %d", st);

    /* Still works, and an empty batch or an empty sentence is fine. */
    st = elmo_embed(ctx, bytes, good_offsets, lengths, 2, 0, out, need);
    CHECK(st == ELMO_STATUS_OK, "after errors: %s", elmo_context_last_error(ctx));
    st = elmo_embed(ctx, bytes, good_offsets, lengths, 0, 0, out, 0);
    CHECK(st == ELMO_STATUS_OK, "empty batch: %s", elmo_context_last_error(ctx));
    const int32_t empty[] = {0};
    st = elmo_embed(ctx, bytes, good_offsets, empty, 1, ELMO_EMBED_STATEFUL, NULL, 0);
    CHECK(st == ELMO_STATUS_OK, "empty sentence, no output: %s", elmo_context_last_error(ctx));

    /* A failed reload makes the context refuse instead of misreading. */
    CHECK(elmo_model_load(model, "{", 1, tm.weights, tm.weights_len) == ELMO_STATUS_INVALID_CONFIG, "bad reload");
    st = elmo_embed(ctx, bytes, good_offsets, lengths, 2, 0, out, need);
    CHECK(st == ELMO_STATUS_NOT_LOADED, "context after a failed reload: %d", st);
    CHECK(elmo_output_floats(model, lengths, 2, 0) == 0, "output floats of an unloaded model");
    elmo_context_free(ctx);
    elmo_model_free(model);
    test_model_free(&tm);
}

int main(void) {
    /* Clips that bite, two highways, relu, skip connections, max_chars 12. */
    test_model_spec base = {.char_dim = 3, .n_characters = 262, .max_chars = 12, .n_filters = 3,
                            .filter_width = {1, 2, 3}, .filter_count = {3, 5, 7}, .n_highway = 2,
                            .activation = "relu", .lstm_dim = 8, .proj_dim = 6, .n_layers = 2,
                            .cell_clip = 0.3, .proj_clip = 0.25, .use_skip_connections = 1,
                            .seed = 1, .weight_scale = 0.6f};
    test_model_case("relu/2 highway/2 layers/skip/clips", &base);

    /* tanh, no highway, one layer, no skip, no clips, odd filter counts, a wide filter. */
    test_model_spec tanh_spec = {.char_dim = 4, .n_characters = 262, .max_chars = 9, .n_filters = 2,
                                 .filter_width = {1, 9}, .filter_count = {5, 3}, .activation = "tanh",
                                 .lstm_dim = 5, .proj_dim = 7, .n_layers = 1, .cell_clip = -1,
                                 .proj_clip = -1, .seed = 2, .weight_scale = 0.5f};
    test_model_case("tanh/no highway/1 layer", &tanh_spec);

    /* Three layers with skip connections; identity projection (F == P). */
    test_model_spec identity = {.char_dim = 2, .n_characters = 262, .max_chars = 7, .n_filters = 2,
                                .filter_width = {1, 3}, .filter_count = {4, 5}, .n_highway = 2,
                                .activation = "relu", .lstm_dim = 9, .proj_dim = 9, .n_layers = 3,
                                .cell_clip = 1.0, .proj_clip = 0.5, .use_skip_connections = 1,
                                .omit_proj = 1, .seed = 3, .weight_scale = 0.4f};
    test_model_case("identity proj/3 layers/skip", &identity);

    /* Defaults: no max_characters_per_token (50), no activation (tanh), 261+1 chars. */
    test_model_spec defaults = {.char_dim = 2, .n_characters = 263, .n_filters = 3,
                                .filter_width = {1, 2, 5}, .filter_count = {1, 3, 2}, .n_highway = 1,
                                .lstm_dim = 6, .proj_dim = 4, .n_layers = 2, .cell_clip = 3,
                                .proj_clip = 3, .seed = 4, .weight_scale = 0.7f};
    test_model_case("defaults/max_chars 50", &defaults);

    /* int8 GEMM weights (the reference runs on the values they stand for). */
    test_model_spec int8 = base;
    int8.int8 = 1;
    int8.seed = 6;
    test_model_case("int8 weights/relu/2 highway/2 layers/skip/clips", &int8);

    /* float16 GEMM weights (the reference runs on the widened halves). */
    test_model_spec float16 = base;
    float16.float16 = 1;
    float16.seed = 8;
    test_model_case("float16 weights/relu/2 highway/2 layers/skip/clips", &float16);

    /* bfloat16 GEMM weights (the reference runs on the widened bfloat16s). */
    test_model_spec bfloat16 = base;
    bfloat16.bfloat16 = 1;
    bfloat16.seed = 9;
    test_model_case("bfloat16 weights/relu/2 highway/2 layers/skip/clips", &bfloat16);

    test_invalid_arguments();
    return test_report("test_forward");
}
