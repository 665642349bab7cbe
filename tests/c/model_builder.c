/* model_builder.c — see model_builder.h. */
#include "model_builder.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "kernels/gemm.h"

float test_random(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) & 0xFFFFFF) / 8388608.0f - 1.0f;
}

typedef struct text {
    char *buf;
    size_t len, cap;
} text;

static void append(text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->buf = realloc(t->buf, t->cap);
    }
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static void add_tensor(test_model *m, const char *name, int rank, int d0, int d1) {
    test_tensor *t = &m->tensors[m->n_tensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rank = rank;
    t->shape[0] = d0;
    t->shape[1] = rank == 2 ? d1 : 1;
    t->packed = rank == 2 && strcmp(name, "char_embed") != 0;
}

/* The type a packed tensor is stored as. */
static elmo_weight_type stored_type(const test_tensor *t) {
    return t->int8 ? ELMO_WEIGHT_I8 : t->float16 ? ELMO_WEIGHT_F16 : t->bfloat16 ? ELMO_WEIGHT_BF16 : ELMO_WEIGHT_F32;
}

static size_t stored_bytes(const test_tensor *t) {
    const size_t rows = (size_t)t->shape[0], cols = (size_t)t->shape[1];
    if (!t->packed) return rows * cols * sizeof(float);
    return elmo_weight_stored_bytes(stored_type(t), rows, cols);
}

/* Quantizes values (k×n row-major) into q and scale, and replaces values by
 * what the int8 weights stand for, q * scale, so the reference uses those. */
static void quantize_for_reference(size_t k, size_t n, float *values, int8_t *q, float *scale) {
    elmo_i8_quantize_panels(k, n, values, n, q, scale);
    for (size_t p = 0; p < k; p++)
        for (size_t j = 0; j < n; j++)
            values[p * n + j] = scale[j] * (float)q[elmo_i8_index(k, p, j)];
}

int test_model_build(const test_model_spec *spec, test_model *m) {
    memset(m, 0, sizeof *m);
    const int d = spec->char_dim, P = spec->proj_dim, H = spec->lstm_dim;
    int F = 0;
    for (int i = 0; i < spec->n_filters; i++) F += spec->filter_count[i];
    char name[40];
    add_tensor(m, "char_embed", 2, spec->n_characters, d);
    for (int i = 0; i < spec->n_filters; i++) {
        snprintf(name, sizeof name, "cnn/W_%d", i);
        add_tensor(m, name, 2, spec->filter_width[i] * d, spec->filter_count[i]);
        snprintf(name, sizeof name, "cnn/b_%d", i);
        add_tensor(m, name, 1, spec->filter_count[i], 0);
    }
    for (int k = 0; k < spec->n_highway; k++) {
        static const char *parts[] = {"W_carry", "b_carry", "W_transform", "b_transform"};
        for (int p = 0; p < 4; p++) {
            snprintf(name, sizeof name, "highway/%d/%s", k, parts[p]);
            add_tensor(m, name, p % 2 == 0 ? 2 : 1, F, F);
        }
    }
    if (!spec->omit_proj) {
        add_tensor(m, "proj/W", 2, F, P);
        add_tensor(m, "proj/b", 1, P, 0);
    }
    for (int dir = 0; dir < 2; dir++) {
        for (int l = 0; l < spec->n_layers; l++) {
            snprintf(name, sizeof name, "lstm/%d/%d/W_x", dir, l);
            add_tensor(m, name, 2, P, 4 * H);
            snprintf(name, sizeof name, "lstm/%d/%d/W_h", dir, l);
            add_tensor(m, name, 2, P, 4 * H);
            snprintf(name, sizeof name, "lstm/%d/%d/b", dir, l);
            add_tensor(m, name, 1, 4 * H, 0);
            snprintf(name, sizeof name, "lstm/%d/%d/W_proj", dir, l);
            add_tensor(m, name, 2, H, P);
        }
    }
    size_t offset = 0;
    for (size_t i = 0; i < m->n_tensors; i++) {
        m->tensors[i].offset = offset;
        m->tensors[i].int8 = spec->int8 && m->tensors[i].packed;
        m->tensors[i].float16 = !spec->int8 && spec->float16 && m->tensors[i].packed;
        m->tensors[i].bfloat16 = !spec->int8 && !spec->float16 && spec->bfloat16 && m->tensors[i].packed;
        offset += (stored_bytes(&m->tensors[i]) + 63) / 64 * 64;
    }
    m->weights_len = offset;
    m->weights = aligned_alloc(64, offset ? offset : 64);
    if (!m->weights) return 1;
    memset(m->weights, 0, offset);
    uint32_t rng = spec->seed;
    for (size_t i = 0; i < m->n_tensors; i++) {
        test_tensor *t = &m->tensors[i];
        size_t n = (size_t)t->shape[0] * (size_t)t->shape[1];
        t->values = malloc(n * sizeof(float));
        if (!t->values) return 1;
        for (size_t j = 0; j < n; j++) t->values[j] = spec->weight_scale * test_random(&rng);
        if (strcmp(t->name, "char_embed") == 0)
            for (int c = 0; c < d; c++) t->values[c] = 0.0f; /* row 0: no character */
        float *stored = (float *)(void *)((char *)m->weights + t->offset);
        if (t->int8) {
            const size_t k = (size_t)t->shape[0], cols = (size_t)t->shape[1];
            int8_t *q = (int8_t *)stored;
            float *scale = (float *)(void *)((char *)stored + elmo_i8_scales_offset(k, cols));
            quantize_for_reference(k, cols, t->values, q, scale);
        } else if (t->float16 || t->bfloat16) {
            const size_t k = (size_t)t->shape[0], cols = (size_t)t->shape[1];
            uint16_t (*round)(float) = t->float16 ? elmo_f32_to_f16 : elmo_f32_to_bf16;
            float (*widen)(uint16_t) = t->float16 ? elmo_f16_to_f32 : elmo_bf16_to_f32;
            elmo_pack_panels16(k, cols, t->values, cols, round, (uint16_t *)(void *)stored);
            for (size_t e = 0; e < n; e++) t->values[e] = widen(round(t->values[e]));
        } else if (t->packed)
            elmo_f32_pack_panels((size_t)t->shape[0], (size_t)t->shape[1], t->values, (size_t)t->shape[1], stored);
        else
            memcpy(stored, t->values, n * sizeof(float));
    }

    text j = {0};
    append(&j, "{\"format\": \"elmo-wasm-model\", \"version\": 1, \"name\": \"test\",\n");
    append(&j, " \"options\": {\"lstm\": {\"dim\": %d, \"projection_dim\": %d, \"n_layers\": %d, ", H, P,
           spec->n_layers);
    if (spec->cell_clip >= 0) append(&j, "\"cell_clip\": %g, ", spec->cell_clip);
    else append(&j, "\"cell_clip\": null, ");
    if (spec->proj_clip >= 0) append(&j, "\"proj_clip\": %g, ", spec->proj_clip);
    append(&j, "\"use_skip_connections\": %s},\n", spec->use_skip_connections ? "true" : "false");
    append(&j, "  \"char_cnn\": {\"embedding\": {\"dim\": %d}, \"filters\": [", d);
    for (int i = 0; i < spec->n_filters; i++)
        append(&j, "%s[%d, %d]", i ? ", " : "", spec->filter_width[i], spec->filter_count[i]);
    append(&j, "], \"n_highway\": %d, \"n_characters\": %d", spec->n_highway, spec->n_characters);
    if (spec->max_chars) append(&j, ", \"max_characters_per_token\": %d", spec->max_chars);
    if (spec->activation) append(&j, ", \"activation\": \"%s\"", spec->activation);
    append(&j, "}},\n \"weights\": {\"byteLength\": %zu, \"shardBytes\": 4194304, \"tensors\": [\n",
           m->weights_len);
    for (size_t i = 0; i < m->n_tensors; i++) {
        test_tensor *t = &m->tensors[i];
        if (t->rank == 2)
            append(&j, "  {\"name\": \"%s\", \"shape\": [%d, %d], \"dtype\": \"%s\", %s\"offset\": %zu}",
                   t->name, t->shape[0], t->shape[1],
                   t->int8 ? "int8" : t->float16 ? "float16" : t->bfloat16 ? "bfloat16" : "float32",
                   t->packed ? "\"layout\": \"panels8\", " : "", t->offset);
        else
            append(&j, "  {\"name\": \"%s\", \"shape\": [%d], \"dtype\": \"float32\", \"offset\": %zu}",
                   t->name, t->shape[0], t->offset);
        append(&j, i + 1 < m->n_tensors ? ",\n" : "\n");
    }
    append(&j, " ]},\n \"shards\": [], \"source\": {\"converter\": \"test\"}}\n");
    m->manifest = j.buf;
    m->manifest_len = j.len;
    return 0;
}

void test_model_free(test_model *m) {
    for (size_t i = 0; i < m->n_tensors; i++) free(m->tensors[i].values);
    free(m->manifest);
    free(m->weights);
    memset(m, 0, sizeof *m);
}

const float *test_model_tensor(const test_model *m, const char *name) {
    for (size_t i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return m->tensors[i].values;
    return NULL;
}

char *test_replace(const char *text, const char *from, const char *to) {
    const char *at = strstr(text, from);
    if (!at) return NULL;
    size_t head = (size_t)(at - text), from_len = strlen(from), to_len = strlen(to);
    size_t tail = strlen(at + from_len);
    char *out = malloc(head + to_len + tail + 1);
    memcpy(out, text, head);
    memcpy(out + head, to, to_len);
    memcpy(out + head + to_len, at + from_len, tail + 1);
    return out;
}

elmo_model *test_model_build_and_load(const test_model_spec *spec, test_model *tm) {
    if (test_model_build(spec, tm) != 0) {
        printf("test model: out of memory building it\n");
        return NULL;
    }
    elmo_model *model = elmo_model_create();
    if (model && elmo_model_load(model, tm->manifest, tm->manifest_len, tm->weights, tm->weights_len) == ELMO_STATUS_OK)
        return model;
    printf("test model: load failed: %s\n", model ? elmo_model_last_error(model) : "out of memory");
    elmo_model_free(model);
    test_model_free(tm);
    return NULL;
}
