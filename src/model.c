/*
 * model.c — elmo_model_*: parses the manifest, validates the options and the
 * tensor table against the weights buffer, and points the weights into it.
 */
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kernels/gemm.h"

/* Tensor offsets in the weight region (models/FORMAT.md). */
#define ELMO_TENSOR_ALIGN 64

/* One tensor the options call for. */
typedef struct tensor_spec {
    char name[40];
    int32_t rank;
    int32_t shape[2];
    const float **slot;  /* where the mapped pointer of a row-major tensor goes, or */
    elmo_weight *weight; /* the GEMM weight (packed panels, kernels/gemm.h) this tensor is, or NULL */
    elmo_weight_type type; /* of a GEMM weight, from its dtype: "float32", "float16", "bfloat16" or "int8" */
    int optional;       /* proj/W and proj/b when F == P */
    int found;
    size_t offset, bytes;
} tensor_spec;

typedef struct tensor_table {
    tensor_spec *specs;
    size_t count;
} tensor_table;

static elmo_status set_error(elmo_model *model, elmo_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(model->error, sizeof model->error, fmt, ap);
    va_end(ap);
    return status;
}

static void add_spec(tensor_table *t, const char *name, int32_t rank, int32_t d0, int32_t d1,
                     const float **slot, elmo_weight *weight, int optional) {
    tensor_spec *s = &t->specs[t->count++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->rank = rank;
    s->shape[0] = d0;
    s->shape[1] = d1;
    s->slot = slot;
    s->weight = weight;
    s->optional = optional;
}

/* A vector or the char embedding: row-major float32. */
static void add_plain(tensor_table *t, const char *name, int32_t rank, int32_t d0, int32_t d1,
                      const float **slot, int optional) {
    add_spec(t, name, rank, d0, d1, slot, NULL, optional);
}

/* A GEMM weight [k, n]: packed panels, float32, int8, float16 or bfloat16. */
static void add_weight(tensor_table *t, const char *name, int32_t k, int32_t n, elmo_weight *weight,
                       int optional) {
    add_spec(t, name, 2, k, n, NULL, weight, optional);
}

/* The tensors FORMAT.md lists for these hparams, each bound to its slot in w. */
static int build_tensor_table(const elmo_hparams *hp, elmo_weights *w, tensor_table *t) {
    size_t max = 1 + 2 * (size_t)hp->n_filters + 4 * (size_t)hp->n_highway + 2 +
                 8 * (size_t)hp->n_layers;
    t->specs = malloc(max * sizeof *t->specs);
    t->count = 0;
    if (!t->specs) return 0;
    const int32_t d = hp->char_dim, F = hp->n_cnn_features, P = hp->proj_dim, H = hp->lstm_dim;
    char name[40];
    add_plain(t, "char_embed", 2, hp->n_characters, d, &w->char_embed, 0);
    for (int32_t i = 0; i < hp->n_filters; i++) {
        snprintf(name, sizeof name, "cnn/W_%d", (int)i);
        add_weight(t, name, hp->filter_width[i] * d, hp->filter_count[i], &w->cnn_w[i], 0);
        snprintf(name, sizeof name, "cnn/b_%d", (int)i);
        add_plain(t, name, 1, hp->filter_count[i], 0, &w->cnn_b[i], 0);
    }
    for (int32_t k = 0; k < hp->n_highway; k++) {
        elmo_highway_weights *hw = &w->highway[k];
        snprintf(name, sizeof name, "highway/%d/W_carry", (int)k);
        add_weight(t, name, F, F, &hw->w_carry, 0);
        snprintf(name, sizeof name, "highway/%d/b_carry", (int)k);
        add_plain(t, name, 1, F, 0, &hw->b_carry, 0);
        snprintf(name, sizeof name, "highway/%d/W_transform", (int)k);
        add_weight(t, name, F, F, &hw->w_transform, 0);
        snprintf(name, sizeof name, "highway/%d/b_transform", (int)k);
        add_plain(t, name, 1, F, 0, &hw->b_transform, 0);
    }
    add_weight(t, "proj/W", F, P, &w->proj_w, F == P);
    add_plain(t, "proj/b", 1, P, 0, &w->proj_b, F == P);
    for (int32_t dir = 0; dir < 2; dir++) {
        for (int32_t l = 0; l < hp->n_layers; l++) {
            elmo_lstm_weights *lw = &w->lstm[l][dir];
            snprintf(name, sizeof name, "lstm/%d/%d/W_x", (int)dir, (int)l);
            add_weight(t, name, P, 4 * H, &lw->w_x, 0);
            snprintf(name, sizeof name, "lstm/%d/%d/W_h", (int)dir, (int)l);
            add_weight(t, name, P, 4 * H, &lw->w_h, 0);
            snprintf(name, sizeof name, "lstm/%d/%d/b", (int)dir, (int)l);
            add_plain(t, name, 1, 4 * H, 0, &lw->b, 0);
            snprintf(name, sizeof name, "lstm/%d/%d/W_proj", (int)dir, (int)l);
            add_weight(t, name, H, P, &lw->w_proj, 0);
        }
    }
    return 1;
}

static tensor_spec *find_spec(tensor_table *t, const char *name, size_t name_len) {
    for (size_t i = 0; i < t->count; i++)
        if (strlen(t->specs[i].name) == name_len && memcmp(t->specs[i].name, name, name_len) == 0)
            return &t->specs[i];
    return NULL;
}

static void format_shape(const json_value *shape, char *buf, size_t size) {
    if (!shape || shape->type != JSON_ARRAY) {
        snprintf(buf, size, "%s", shape ? "not a list" : "nothing");
        return;
    }
    size_t n = 0;
    n += (size_t)snprintf(buf + n, size - n, "[");
    for (size_t i = 0; i < shape->u.array.count && n < size; i++) {
        const json_value *dim = &shape->u.array.items[i];
        if (i == 4) {
            n += (size_t)snprintf(buf + n, size - n, ", …");
            break;
        }
        if (dim->type == JSON_NUMBER)
            n += (size_t)snprintf(buf + n, size - n, "%s%.17g", i ? ", " : "", dim->u.number.value);
        else
            n += (size_t)snprintf(buf + n, size - n, "%s?", i ? ", " : "");
    }
    if (n < size) snprintf(buf + n, size - n, "]");
}

static void format_spec_shape(const tensor_spec *s, char *buf, size_t size) {
    if (s->rank == 1) snprintf(buf, size, "[%d]", (int)s->shape[0]);
    else snprintf(buf, size, "[%d, %d]", (int)s->shape[0], (int)s->shape[1]);
}

static int shape_matches(const json_value *shape, const tensor_spec *s) {
    if (!shape || shape->type != JSON_ARRAY || shape->u.array.count != (size_t)s->rank) return 0;
    for (int32_t i = 0; i < s->rank; i++) {
        const json_value *dim = &shape->u.array.items[i];
        if (dim->type != JSON_NUMBER || !dim->u.number.is_integer ||
            dim->u.number.value != (double)s->shape[i])
            return 0;
    }
    return 1;
}

/* Checks one entry of weights.tensors and records where its tensor lies. */
static elmo_status read_tensor_entry(elmo_model *model, tensor_table *t, const json_value *entry,
                                     size_t index, size_t weights_len) {
    const json_value *name = json_object_get(entry, "name");
    if (!name || name->type != JSON_STRING)
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS,
                         "weights.tensors[%zu] must be an object with a string \"name\"", index);
    tensor_spec *s = find_spec(t, name->u.string.chars, name->u.string.len);
    if (!s)
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS,
                         "weights.tensors[%zu]: unknown tensor \"%.60s\" for these options", index,
                         name->u.string.chars);
    if (s->found)
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS, "tensor \"%s\" is listed twice", s->name);

    const json_value *dtype = json_object_get(entry, "dtype");
    const int is_string = dtype && dtype->type == JSON_STRING;
    const int is_float32 = is_string && dtype->u.string.len == 7 && strcmp(dtype->u.string.chars, "float32") == 0;
    const int is_int8 = is_string && dtype->u.string.len == 4 && strcmp(dtype->u.string.chars, "int8") == 0;
    const int is_float16 = is_string && dtype->u.string.len == 7 && strcmp(dtype->u.string.chars, "float16") == 0;
    const int is_bfloat16 = is_string && dtype->u.string.len == 8 && strcmp(dtype->u.string.chars, "bfloat16") == 0;
    if (!is_float32 && !((is_int8 || is_float16 || is_bfloat16) && s->weight))
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS,
                         s->weight ? "tensor \"%s\": dtype must be \"float32\", \"float16\", \"bfloat16\" or \"int8\", got %s%.20s%s"
                                   : "tensor \"%s\": dtype must be \"float32\", got %s%.20s%s",
                         s->name,
                         dtype && dtype->type == JSON_STRING ? "\"" : "",
                         dtype && dtype->type == JSON_STRING ? dtype->u.string.chars : "a non-string",
                         dtype && dtype->type == JSON_STRING ? "\"" : "");

    const json_value *shape = json_object_get(entry, "shape");
    if (!shape_matches(shape, s)) {
        char want[48], got[96];
        format_spec_shape(s, want, sizeof want);
        format_shape(shape, got, sizeof got);
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS, "tensor \"%s\": shape must be %s, got %s",
                         s->name, want, got);
    }

    const json_value *layout = json_object_get(entry, "layout");
    const int is_panels = layout && layout->type == JSON_STRING && layout->u.string.len == 7 &&
                          strcmp(layout->u.string.chars, "panels8") == 0;
    if (s->weight ? !is_panels : layout != NULL)
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS,
                         s->weight ? "tensor \"%s\": layout must be \"panels8\" (a GEMM weight; re-convert the model)"
                                   : "tensor \"%s\": layout must be absent (row-major)",
                         s->name);

    const json_value *offset = json_object_get(entry, "offset");
    if (!offset || offset->type != JSON_NUMBER || !offset->u.number.is_integer ||
        offset->u.number.value < 0)
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS,
                         "tensor \"%s\": offset must be an integer >= 0", s->name);
    /* Shapes are bounded by the hparams limits, so bytes fits in size_t. */
    const size_t rows = (size_t)s->shape[0], cols = s->rank == 2 ? (size_t)s->shape[1] : 1;
    const elmo_weight_type type = is_int8       ? ELMO_WEIGHT_I8
                                  : is_float16  ? ELMO_WEIGHT_F16
                                  : is_bfloat16 ? ELMO_WEIGHT_BF16
                                                : ELMO_WEIGHT_F32;
    const size_t bytes = s->weight ? elmo_weight_stored_bytes(type, rows, cols) : rows * cols * sizeof(float);
    double off = offset->u.number.value;
    /* Below 2^53 the double is exact and converts to size_t safely. */
    if (off >= 9007199254740992.0 || off > (double)weights_len || (size_t)off > weights_len || bytes > weights_len - (size_t)off)
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS,
                         "tensor \"%s\": bytes [%.17g, %.17g) lie beyond the %zu-byte weights buffer",
                         s->name, off, off + (double)bytes, weights_len);
    if ((size_t)off % ELMO_TENSOR_ALIGN != 0)
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS,
                         "tensor \"%s\": offset %zu is not a multiple of %d", s->name, (size_t)off, ELMO_TENSOR_ALIGN);
    s->found = 1;
    s->type = type;
    s->offset = (size_t)off;
    s->bytes = bytes;
    return ELMO_STATUS_OK;
}

static int compare_by_offset(const void *a, const void *b) {
    const tensor_spec *const *x = a, *const *y = b;
    if ((*x)->offset != (*y)->offset) return (*x)->offset < (*y)->offset ? -1 : 1;
    return 0;
}

/* Every required tensor present, proj/W and proj/b both or neither, none overlapping. */
static elmo_status check_table(elmo_model *model, tensor_table *t) {
    tensor_spec *proj_w = find_spec(t, "proj/W", 6), *proj_b = find_spec(t, "proj/b", 6);
    for (size_t i = 0; i < t->count; i++) {
        tensor_spec *s = &t->specs[i];
        if (s->found) continue;
        int proj_pair_absent = s->optional && !proj_w->found && !proj_b->found;
        if (!proj_pair_absent)
            return set_error(model, ELMO_STATUS_INVALID_WEIGHTS, "tensor \"%s\" is missing%s", s->name,
                             s->optional ? " (proj/W and proj/b come together)" : "");
    }
    size_t n_found = 0;
    tensor_spec **sorted = malloc(t->count * sizeof *sorted);
    if (!sorted) return set_error(model, ELMO_STATUS_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < t->count; i++)
        if (t->specs[i].found) sorted[n_found++] = &t->specs[i];
    qsort(sorted, n_found, sizeof *sorted, compare_by_offset);
    for (size_t i = 1; i < n_found; i++) {
        if (sorted[i - 1]->offset + sorted[i - 1]->bytes > sorted[i]->offset) {
            elmo_status st = set_error(model, ELMO_STATUS_INVALID_WEIGHTS,
                                       "tensors \"%s\" and \"%s\" overlap", sorted[i - 1]->name,
                                       sorted[i]->name);
            free(sorted);
            return st;
        }
    }
    free(sorted);
    return ELMO_STATUS_OK;
}

static elmo_status check_header(elmo_model *model, const json_value *root) {
    if (root->type != JSON_OBJECT)
        return set_error(model, ELMO_STATUS_INVALID_CONFIG, "manifest must be a JSON object");
    const json_value *format = json_object_get(root, "format");
    if (format && (format->type != JSON_STRING || format->u.string.len != 15 ||
                   strcmp(format->u.string.chars, "elmo-wasm-model") != 0))
        return set_error(model, ELMO_STATUS_INVALID_CONFIG, "manifest format must be \"elmo-wasm-model\"");
    const json_value *version = json_object_get(root, "version");
    if (version && (version->type != JSON_NUMBER || !version->u.number.is_integer || version->u.number.value != 1))
        return set_error(model, ELMO_STATUS_INVALID_CONFIG, "manifest version must be 1");
    return ELMO_STATUS_OK;
}

/* Checks the manifest against a region of weights_len bytes; maps the tensors
 * into weights unless it is NULL (elmo_model_check). *end: where the last tensor ends. */
static elmo_status load_parsed(elmo_model *model, const json_value *root, const void *weights,
                               size_t weights_len, size_t *end) {
    elmo_status st = check_header(model, root);
    if (st) return st;
    st = elmo_hparams_read(json_object_get(root, "options"), &model->hp, model->error,
                           sizeof model->error);
    if (st) return st;

    const json_value *weights_obj = json_object_get(root, "weights");
    const json_value *tensors = json_object_get(weights_obj, "tensors");
    if (!tensors || tensors->type != JSON_ARRAY)
        return set_error(model, ELMO_STATUS_INVALID_WEIGHTS, "manifest weights.tensors must be a list");
    /* The region is what byteLength says (the buffer may be longer); tensors must lie inside it. */
    const json_value *byte_length = json_object_get(weights_obj, "byteLength");
    if (byte_length) {
        if (byte_length->type != JSON_NUMBER || !byte_length->u.number.is_integer || byte_length->u.number.value < 0)
            return set_error(model, ELMO_STATUS_INVALID_WEIGHTS, "weights.byteLength must be an integer >= 0");
        if (byte_length->u.number.value > (double)weights_len)
            return set_error(model, ELMO_STATUS_INVALID_WEIGHTS,
                             "weights.byteLength says more bytes than the %zu-byte weights buffer has",
                             weights_len);
        weights_len = (size_t)byte_length->u.number.value;
    }

    tensor_table table;
    if (!build_tensor_table(&model->hp, &model->w, &table))
        return set_error(model, ELMO_STATUS_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < tensors->u.array.count && st == ELMO_STATUS_OK; i++)
        st = read_tensor_entry(model, &table, &tensors->u.array.items[i], i, weights_len);
    if (st == ELMO_STATUS_OK) st = check_table(model, &table);
    *end = 0;
    for (size_t i = 0; i < table.count; i++)
        if (table.specs[i].found && table.specs[i].offset + table.specs[i].bytes > *end)
            *end = table.specs[i].offset + table.specs[i].bytes;
    if (st == ELMO_STATUS_OK && weights) {
        const unsigned char *base = weights;
        for (size_t i = 0; i < table.count; i++) {
            const tensor_spec *s = &table.specs[i];
            const unsigned char *at = s->found ? base + s->offset : NULL;
            if (!s->weight) {
                *s->slot = (const float *)(const void *)at;
            } else if (s->type != ELMO_WEIGHT_I8) {
                *s->weight = (elmo_weight){s->type, at, NULL};
            } else {
                const size_t scales = elmo_i8_scales_offset((size_t)s->shape[0], (size_t)s->shape[1]);
                *s->weight = (elmo_weight){ELMO_WEIGHT_I8, at, (const float *)(const void *)(at + scales)};
            }
        }
    }
    free(table.specs);
    return st;
}

static void unload(elmo_model *model) {
    model->loaded = 0;
    model->generation++;
    memset(&model->hp, 0, sizeof model->hp);
    memset(&model->w, 0, sizeof model->w);
}

elmo_model *elmo_model_create(void) {
    elmo_model *model = calloc(1, sizeof *model);
    return model;
}

/* elmo_model_load(), or with check set elmo_model_check() (weights NULL, nothing mapped). */
static elmo_status read_model(elmo_model *model, const char *json, size_t json_len, const void *weights,
                              size_t weights_len, int check, size_t *end) {
    if (!model) return ELMO_STATUS_INVALID_ARGUMENT;
    unload(model);
    model->error[0] = '\0';
    if (!json)
        return set_error(model, ELMO_STATUS_INVALID_ARGUMENT, "manifest json is NULL");
    if (!check && !weights && weights_len > 0)
        return set_error(model, ELMO_STATUS_INVALID_ARGUMENT, "weights is NULL but weights_len is %zu",
                         weights_len);
    if ((uintptr_t)weights % sizeof(float) != 0)
        return set_error(model, ELMO_STATUS_INVALID_ARGUMENT, "weights buffer must be 4-byte aligned");

    json_value *root = json_parse(json, json_len, model->error, sizeof model->error);
    if (!root) {
        if (model->error[0] == '\0')
            return set_error(model, ELMO_STATUS_OUT_OF_MEMORY, "out of memory parsing the manifest");
        return ELMO_STATUS_INVALID_CONFIG;
    }
    elmo_status st = load_parsed(model, root, check ? NULL : weights, weights_len, end);
    json_free(root);
    if (st != ELMO_STATUS_OK || check) {
        char message[ELMO_ERROR_SIZE];
        memcpy(message, model->error, sizeof message);
        unload(model); /* a half-read load (or a check) must not leave pointers or sizes behind */
        memcpy(model->error, message, sizeof message);
        return st;
    }
    model->loaded = 1;
    return ELMO_STATUS_OK;
}

elmo_status elmo_model_load(elmo_model *model, const char *json, size_t json_len, const void *weights,
                            size_t weights_len) {
    size_t end;
    return read_model(model, json, json_len, weights, weights_len, 0, &end);
}

elmo_status elmo_model_check(elmo_model *model, const char *json, size_t json_len, size_t weights_len,
                             size_t *tensors_end) {
    size_t end = 0;
    const elmo_status st = read_model(model, json, json_len, NULL, weights_len, 1, &end);
    if (tensors_end) *tensors_end = st == ELMO_STATUS_OK ? end : 0;
    return st;
}

const char *elmo_model_last_error(const elmo_model *model) {
    return model ? model->error : "model is NULL";
}

void elmo_model_free(elmo_model *model) { free(model); }

int32_t elmo_model_n_layers(const elmo_model *model) {
    return model && model->loaded ? model->hp.n_layers : 0;
}

int32_t elmo_model_output_dim(const elmo_model *model) {
    return model && model->loaded ? 2 * model->hp.proj_dim : 0;
}

int32_t elmo_model_max_characters(const elmo_model *model) {
    return model && model->loaded ? model->hp.max_chars : 0;
}
