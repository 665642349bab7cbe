/*
 * hparams.c — reads and validates the options object; see hparams.h.
 *
 * Defaults follow bilm-tf where it has them (n_highway 0, activation tanh,
 * max_characters_per_token 50, no clipping, no skip connections).
 */
#include "hparams.h"

#include "kernels/gemm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define REFUSE(...)                                  \
    do {                                             \
        snprintf(err, err_size, __VA_ARGS__);        \
        return ELMO_STATUS_INVALID_CONFIG;           \
    } while (0)

/* A short description of a JSON value for "got …" in messages. */
static void describe(const json_value *v, char *buf, size_t size) {
    if (!v) { snprintf(buf, size, "nothing"); return; }
    switch (v->type) {
    case JSON_NULL: snprintf(buf, size, "null"); break;
    case JSON_FALSE: snprintf(buf, size, "false"); break;
    case JSON_TRUE: snprintf(buf, size, "true"); break;
    case JSON_NUMBER: snprintf(buf, size, "%.17g", v->u.number.value); break;
    case JSON_STRING: snprintf(buf, size, "\"%.40s\"", v->u.string.chars); break;
    case JSON_ARRAY: snprintf(buf, size, "an array"); break;
    case JSON_OBJECT: snprintf(buf, size, "an object"); break;
    }
}

/* Reads an integer field in [min, max]; a missing field takes def unless def_ok is 0. */
static elmo_status read_int(const json_value *obj, const char *key, const char *path,
                            int32_t min, int32_t max, int def_ok, int32_t def, int32_t *out,
                            char *err, size_t err_size) {
    const json_value *v = json_object_get(obj, key);
    char got[64];
    if (!v) {
        if (def_ok) {
            *out = def;
            return ELMO_STATUS_OK;
        }
        REFUSE("%s is required (an integer >= %d)", path, (int)min);
    }
    describe(v, got, sizeof got);
    if (v->type != JSON_NUMBER || !v->u.number.is_integer || v->u.number.value < min)
        REFUSE("%s must be an integer >= %d, got %s", path, (int)min, got);
    if (v->u.number.value > max)
        REFUSE("%s must be <= %d (elmo-wasm limit), got %s", path, (int)max, got);
    *out = (int32_t)v->u.number.value;
    return ELMO_STATUS_OK;
}

/* Absent or null: no clipping; a number >= 0: clip to ±value. */
static elmo_status read_clip(const json_value *lstm, const char *key, const char *path, float *out,
                             char *err, size_t err_size) {
    const json_value *v = json_object_get(lstm, key);
    char got[64];
    if (!v || v->type == JSON_NULL) {
        *out = INFINITY;
        return ELMO_STATUS_OK;
    }
    describe(v, got, sizeof got);
    if (v->type != JSON_NUMBER || !(v->u.number.value >= 0))
        REFUSE("%s must be null or a number >= 0, got %s", path, got);
    *out = (float)v->u.number.value;
    return ELMO_STATUS_OK;
}

static elmo_status read_char_cnn(const json_value *cnn, elmo_hparams *hp, char *err,
                                 size_t err_size) {
    elmo_status st;
    char got[64];
    if (!cnn || cnn->type != JSON_OBJECT) {
        describe(cnn, got, sizeof got);
        REFUSE("options.char_cnn must be an object, got %s", got);
    }
    const json_value *embedding = json_object_get(cnn, "embedding");
    if (!embedding || embedding->type != JSON_OBJECT) {
        describe(embedding, got, sizeof got);
        REFUSE("options.char_cnn.embedding must be an object, got %s", got);
    }
    st = read_int(embedding, "dim", "options.char_cnn.embedding.dim", 1, ELMO_MAX_DIM, 0, 0,
                  &hp->char_dim, err, err_size);
    if (st) return st;

    const json_value *n_chars = json_object_get(cnn, "n_characters");
    if (!n_chars) REFUSE("options.char_cnn.n_characters is required (bilm-tf: \"Set n_characters=262\")");
    describe(n_chars, got, sizeof got);
    if (n_chars->type != JSON_NUMBER || !n_chars->u.number.is_integer ||
        n_chars->u.number.value < ELMO_MIN_CHARACTERS)
        REFUSE("options.char_cnn.n_characters must be an integer >= 262 for the shifted char ids "
               "with sentence boundaries (bilm-tf: \"Set n_characters=262\"), got %s", got);
    st = read_int(cnn, "n_characters", "options.char_cnn.n_characters", ELMO_MIN_CHARACTERS,
                  ELMO_MAX_DIM, 0, 0, &hp->n_characters, err, err_size);
    if (st) return st;

    st = read_int(cnn, "max_characters_per_token", "options.char_cnn.max_characters_per_token", 3,
                  ELMO_MAX_DIM, 1, 50, &hp->max_chars, err, err_size);
    if (st) return st;
    st = read_int(cnn, "n_highway", "options.char_cnn.n_highway", 0, ELMO_MAX_HIGHWAY, 1, 0,
                  &hp->n_highway, err, err_size);
    if (st) return st;

    const json_value *activation = json_object_get(cnn, "activation");
    if (!activation) {
        hp->activation = ELMO_ACTIVATION_TANH;
    } else if (activation->type == JSON_STRING && strcmp(activation->u.string.chars, "relu") == 0 &&
               activation->u.string.len == 4) {
        hp->activation = ELMO_ACTIVATION_RELU;
    } else if (activation->type == JSON_STRING && strcmp(activation->u.string.chars, "tanh") == 0 &&
               activation->u.string.len == 4) {
        hp->activation = ELMO_ACTIVATION_TANH;
    } else {
        describe(activation, got, sizeof got);
        REFUSE("options.char_cnn.activation must be \"relu\" or \"tanh\", got %s", got);
    }

    const json_value *filters = json_object_get(cnn, "filters");
    if (!filters || filters->type != JSON_ARRAY || filters->u.array.count == 0) {
        describe(filters, got, sizeof got);
        REFUSE("options.char_cnn.filters must be a non-empty list of [width, count], got %s", got);
    }
    if (filters->u.array.count > ELMO_MAX_FILTERS)
        REFUSE("options.char_cnn.filters must have at most %d entries (elmo-wasm limit), got %zu",
               ELMO_MAX_FILTERS, filters->u.array.count);
    hp->n_filters = (int32_t)filters->u.array.count;
    hp->n_cnn_features = 0;
    hp->max_filter_count = 0;
    for (int32_t i = 0; i < hp->n_filters; i++) {
        const json_value *f = &filters->u.array.items[i];
        const json_value *width = f->type == JSON_ARRAY && f->u.array.count == 2 ? &f->u.array.items[0] : NULL;
        const json_value *count = width ? &f->u.array.items[1] : NULL;
        if (!width || width->type != JSON_NUMBER || !width->u.number.is_integer ||
            count->type != JSON_NUMBER || !count->u.number.is_integer) {
            describe(f, got, sizeof got);
            REFUSE("options.char_cnn.filters[%d] must be [width, count] of integers, got %s", (int)i, got);
        }
        if (width->u.number.value < 1 || width->u.number.value > hp->max_chars)
            REFUSE("options.char_cnn.filters[%d] width must be in [1, max_characters_per_token = %d], "
                   "got %.17g", (int)i, (int)hp->max_chars, width->u.number.value);
        if (count->u.number.value < 1 || count->u.number.value > ELMO_MAX_DIM)
            REFUSE("options.char_cnn.filters[%d] count must be in [1, %d], got %.17g", (int)i,
                   ELMO_MAX_DIM, count->u.number.value);
        hp->filter_width[i] = (int32_t)width->u.number.value;
        hp->filter_count[i] = (int32_t)count->u.number.value;
        if (hp->filter_count[i] > hp->max_filter_count) hp->max_filter_count = hp->filter_count[i];
        hp->n_cnn_features += hp->filter_count[i]; /* <= 64 * 2^20, fits */
    }
    if (hp->n_cnn_features > ELMO_MAX_DIM)
        REFUSE("options.char_cnn.filters: the counts sum to %d features, more than %d (elmo-wasm limit)",
               (int)hp->n_cnn_features, ELMO_MAX_DIM);
    return ELMO_STATUS_OK;
}

static elmo_status read_lstm(const json_value *lstm, elmo_hparams *hp, char *err, size_t err_size) {
    elmo_status st;
    char got[64];
    if (!lstm || lstm->type != JSON_OBJECT) {
        describe(lstm, got, sizeof got);
        REFUSE("options.lstm must be an object, got %s", got);
    }
    st = read_int(lstm, "dim", "options.lstm.dim", 1, ELMO_MAX_DIM, 0, 0, &hp->lstm_dim, err, err_size);
    if (st) return st;
    st = read_int(lstm, "projection_dim", "options.lstm.projection_dim", 1, ELMO_MAX_DIM, 0, 0,
                  &hp->proj_dim, err, err_size);
    if (st) return st;
    st = read_int(lstm, "n_layers", "options.lstm.n_layers", 1, ELMO_MAX_LAYERS, 0, 0, &hp->n_layers,
                  err, err_size);
    if (st) return st;
    st = read_clip(lstm, "cell_clip", "options.lstm.cell_clip", &hp->cell_clip, err, err_size);
    if (st) return st;
    st = read_clip(lstm, "proj_clip", "options.lstm.proj_clip", &hp->proj_clip, err, err_size);
    if (st) return st;
    const json_value *skip = json_object_get(lstm, "use_skip_connections");
    if (!skip || skip->type == JSON_FALSE) {
        hp->use_skip_connections = 0;
    } else if (skip->type == JSON_TRUE) {
        hp->use_skip_connections = 1;
    } else {
        describe(skip, got, sizeof got);
        REFUSE("options.lstm.use_skip_connections must be true or false, got %s", got);
    }
    return ELMO_STATUS_OK;
}

/* Columns of a GEMM weight as stored (kernels/gemm.h); n is bounded by the hparams limits. */
static uint64_t panel_cols(uint64_t n) { return elmo_panel_columns((size_t)n); }

uint64_t elmo_hparams_param_count(const elmo_hparams *hp) {
    uint64_t d = (uint64_t)hp->char_dim, F = (uint64_t)hp->n_cnn_features;
    uint64_t P = (uint64_t)hp->proj_dim, H = (uint64_t)hp->lstm_dim;
    uint64_t total = (uint64_t)hp->n_characters * d;
    for (int32_t i = 0; i < hp->n_filters; i++)
        total += (uint64_t)hp->filter_width[i] * d * panel_cols((uint64_t)hp->filter_count[i]) +
                 (uint64_t)hp->filter_count[i];
    total += (uint64_t)hp->n_highway * 2 * (F * panel_cols(F) + F);
    total += F * panel_cols(P) + P;
    total += (uint64_t)hp->n_layers * 2 * (2 * P * panel_cols(4 * H) + 4 * H + H * panel_cols(P));
    return total; /* each term < 2^60 given the limits, and there are few */
}

elmo_status elmo_hparams_read(const json_value *options, elmo_hparams *hp, char *err,
                              size_t err_size) {
    char got[64];
    memset(hp, 0, sizeof *hp);
    if (!options || options->type != JSON_OBJECT) {
        describe(options, got, sizeof got);
        REFUSE("options must be an object, got %s", got);
    }
    elmo_status st = read_char_cnn(json_object_get(options, "char_cnn"), hp, err, err_size);
    if (st) return st;
    st = read_lstm(json_object_get(options, "lstm"), hp, err, err_size);
    if (st) return st;
    /* Weights are addressed with size_t bytes and int32 element indices. */
    uint64_t params = elmo_hparams_param_count(hp);
    if (params > (uint64_t)INT32_MAX || params > (uint64_t)(SIZE_MAX / sizeof(float)))
        REFUSE("options: the model would have %llu parameters, more than this build can address",
               (unsigned long long)params);
    return ELMO_STATUS_OK;
}
