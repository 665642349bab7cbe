/*
 * test_config.c — elmo_model_load refusing bad options and bad tensor tables:
 * the right status, a message naming the field or tensor, no crash, and a
 * model left unloaded but usable (the next good load works).
 *
 * Manifests are mutated copies of a good one (model_builder) and are handed
 * to the loader in exact-size buffers without a NUL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "kernels/gemm.h"
#include "model_builder.h"
#include "test_util.h"

#define CONFIG ELMO_STATUS_INVALID_CONFIG
#define WEIGHTS ELMO_STATUS_INVALID_WEIGHTS

/* F = 3 + 4 = 7, P = 3, H = 5, one layer: the manifest reads
 * "lstm": {"dim": 5, "projection_dim": 3, "n_layers": 1, "cell_clip": 0.5, "proj_clip": 0.25,
 *          "use_skip_connections": true},
 * "char_cnn": {"embedding": {"dim": 2}, "filters": [[2, 3], [1, 4]], "n_highway": 1,
 *              "n_characters": 262, "max_characters_per_token": 6, "activation": "relu"} */
static const test_model_spec base_spec = {
    .char_dim = 2, .n_characters = 262, .max_chars = 6, .n_filters = 2, .filter_width = {2, 1},
    .filter_count = {3, 4}, .n_highway = 1, .activation = "relu", .lstm_dim = 5, .proj_dim = 3,
    .n_layers = 1, .cell_clip = 0.5, .proj_clip = 0.25, .use_skip_connections = 1, .seed = 5,
    .weight_scale = 0.5f};

static elmo_model *model;
static test_model good;

/* Whether msg holds the pieces of pattern (split at '*') in order. */
static int matches(const char *msg, const char *pattern) {
    char piece[256];
    while (*pattern) {
        size_t n = strcspn(pattern, "*");
        memcpy(piece, pattern, n);
        piece[n] = '\0';
        const char *at = strstr(msg, piece);
        if (!at) return 0;
        msg = at + n;
        pattern += n + (pattern[n] == '*');
    }
    return 1;
}

/* Loads from an exact-size copy of json, so reading past json_len is caught. */
static elmo_status load(elmo_model *m, const char *json, size_t json_len, const void *w, size_t w_len) {
    char *copy = malloc(json_len ? json_len : 1);
    if (json) memcpy(copy, json, json_len);
    elmo_status st = elmo_model_load(m, json ? copy : NULL, json_len, w, w_len);
    free(copy);
    return st;
}

static void expect_good_load(const char *label, const test_model *tm, int n_layers) {
    elmo_status st = load(model, tm->manifest, tm->manifest_len, tm->weights, tm->weights_len);
    elmo_context *ctx = elmo_context_create(model);
    CHECK(st == ELMO_STATUS_OK && elmo_model_last_error(model)[0] == '\0' &&
              elmo_model_n_layers(model) == n_layers && ctx != NULL,
          "%s: good load: %s (%s)", label, elmo_status_to_string(st), elmo_model_last_error(model));
    elmo_context_free(ctx);
}

/* The load must fail with want and a message matching pattern, leave nothing
 * loaded, and let the next good load succeed. */
static void expect_refusal(const char *label, const char *json, size_t json_len, const void *w,
                           size_t w_len, elmo_status want, const char *pattern) {
    elmo_status st = load(model, json, json_len, w, w_len);
    const char *msg = elmo_model_last_error(model);
    CHECK(st == want && matches(msg, pattern), "%s: got %s \"%s\", want %s \"%s\"", label,
          elmo_status_to_string(st), msg, elmo_status_to_string(want), pattern);
    elmo_context *ctx = elmo_context_create(model);
    CHECK(elmo_model_n_layers(model) == 0 && elmo_model_output_dim(model) == 0 &&
              elmo_model_max_characters(model) == 0 && ctx == NULL,
          "%s: the model stays loaded after a refusal", label);
    elmo_context_free(ctx);
    expect_good_load(label, &good, 1);
}

/* Refusal of good's manifest with the first `from` replaced by `to`. */
static void expect_mutation_refused(const char *from, const char *to, elmo_status want, const char *pattern) {
    char *json = test_replace(good.manifest, from, to);
    CHECK(json != NULL, "\"%s\" is not in the manifest", from);
    if (!json) return;
    expect_refusal(from, json, strlen(json), good.weights, good.weights_len, want, pattern);
    free(json);
}

typedef struct mutation {
    const char *from, *to;
    elmo_status status;
    const char *pattern;
} mutation;

static const mutation option_cases[] = {
    {"\"dim\": 5, ", "", CONFIG, "options.lstm.dim is required"},
    {"\"dim\": 5", "\"dim\": \"5\"", CONFIG, "options.lstm.dim must be an integer >= 1, got \"5\""},
    {"\"dim\": 5", "\"dim\": 0", CONFIG, "options.lstm.dim must be an integer >= 1, got 0"},
    {"\"dim\": 5", "\"dim\": 5.0", CONFIG, "options.lstm.dim must be an integer >= 1, got 5"},
    {"\"dim\": 5", "\"dim\": 1048577", CONFIG, "options.lstm.dim must be <= 1048576 (elmo-wasm limit), got 1048577"},
    {"\"dim\": 5, \"projection_dim\": 3", "\"dim\": 1048576, \"projection_dim\": 1048576", CONFIG,
     "options: the model would have * parameters, more than this build can address"},
    {"\"projection_dim\": 3, ", "", CONFIG, "options.lstm.projection_dim is required"},
    {"\"projection_dim\": 3", "\"projection_dim\": -3", CONFIG, "options.lstm.projection_dim must be an integer >= 1, got -3"},
    {"\"projection_dim\": 3", "\"projection_dim\": null", CONFIG, "options.lstm.projection_dim must be an integer >= 1, got null"},
    {"\"n_layers\": 1, ", "", CONFIG, "options.lstm.n_layers is required"},
    {"\"n_layers\": 1", "\"n_layers\": 0", CONFIG, "options.lstm.n_layers must be an integer >= 1, got 0"},
    {"\"n_layers\": 1", "\"n_layers\": true", CONFIG, "options.lstm.n_layers must be an integer >= 1, got true"},
    {"\"n_layers\": 1", "\"n_layers\": 33", CONFIG, "options.lstm.n_layers must be <= 32 (elmo-wasm limit), got 33"},
    {"\"cell_clip\": 0.5", "\"cell_clip\": -1", CONFIG, "options.lstm.cell_clip must be null or a number >= 0, got -1"},
    {"\"cell_clip\": 0.5", "\"cell_clip\": \"3\"", CONFIG, "options.lstm.cell_clip must be null or a number >= 0, got \"3\""},
    {"\"proj_clip\": 0.25", "\"proj_clip\": -0.25", CONFIG, "options.lstm.proj_clip must be null or a number >= 0, got -0.25"},
    {"\"proj_clip\": 0.25", "\"proj_clip\": false", CONFIG, "options.lstm.proj_clip must be null or a number >= 0, got false"},
    {"\"use_skip_connections\": true", "\"use_skip_connections\": 1", CONFIG,
     "options.lstm.use_skip_connections must be true or false, got 1"},
    {"\"use_skip_connections\": true", "\"use_skip_connections\": \"true\"", CONFIG,
     "options.lstm.use_skip_connections must be true or false, got \"true\""},
    {"\"use_skip_connections\": true", "\"use_skip_connections\": null", CONFIG,
     "options.lstm.use_skip_connections must be true or false, got null"},
    {"\"lstm\": {", "\"lstm\": [], \"x\": {", CONFIG, "options.lstm must be an object, got an array"},
    {"\"lstm\": {", "\"LSTM\": {", CONFIG, "options.lstm must be an object, got nothing"},
    {"{\"dim\": 2}", "{}", CONFIG, "options.char_cnn.embedding.dim is required"},
    {"{\"dim\": 2}", "{\"dim\": 0}", CONFIG, "options.char_cnn.embedding.dim must be an integer >= 1, got 0"},
    {"{\"dim\": 2}", "{\"dim\": 2.5}", CONFIG, "options.char_cnn.embedding.dim must be an integer >= 1, got 2.5"},
    {"\"embedding\": {\"dim\": 2}", "\"embedding\": 2", CONFIG, "options.char_cnn.embedding must be an object, got 2"},
    {", \"n_characters\": 262", "", CONFIG, "options.char_cnn.n_characters is required"},
    {"\"n_characters\": 262", "\"n_characters\": 261", CONFIG, "options.char_cnn.n_characters must be an integer >= 262*got 261"},
    {"\"n_characters\": 262", "\"n_characters\": \"262\"", CONFIG, "options.char_cnn.n_characters must be*got \"262\""},
    {"\"n_characters\": 262", "\"n_characters\": 1048577", CONFIG, "options.char_cnn.n_characters must be <= 1048576 (elmo-wasm limit)"},
    {"\"max_characters_per_token\": 6", "\"max_characters_per_token\": 2", CONFIG,
     "options.char_cnn.max_characters_per_token must be an integer >= 3, got 2"},
    {"\"max_characters_per_token\": 6", "\"max_characters_per_token\": 6.5", CONFIG,
     "options.char_cnn.max_characters_per_token must be an integer >= 3, got 6.5"},
    {"\"filters\": [[2, 3], [1, 4]], ", "", CONFIG, "options.char_cnn.filters must be a non-empty list of [width, count], got nothing"},
    {"[[2, 3], [1, 4]]", "[]", CONFIG, "options.char_cnn.filters must be a non-empty list of [width, count], got an array"},
    {"[[2, 3], [1, 4]]", "{\"2\": 3}", CONFIG, "options.char_cnn.filters must be a non-empty list*got an object"},
    {"[[2, 3], [1, 4]]", "[[2, 3], [1]]", CONFIG, "options.char_cnn.filters[1] must be [width, count] of integers, got an array"},
    {"[[2, 3], [1, 4]]", "[[2, 3], [1, 4, 5]]", CONFIG, "options.char_cnn.filters[1] must be [width, count] of integers"},
    {"[[2, 3], [1, 4]]", "[[2, 3], 4]", CONFIG, "options.char_cnn.filters[1] must be [width, count] of integers, got 4"},
    {"[[2, 3], [1, 4]]", "[[2, \"3\"], [1, 4]]", CONFIG, "options.char_cnn.filters[0] must be [width, count] of integers"},
    {"[[2, 3], [1, 4]]", "[[2.5, 3], [1, 4]]", CONFIG, "options.char_cnn.filters[0] must be [width, count] of integers"},
    {"[[2, 3], [1, 4]]", "[[7, 3], [1, 4]]", CONFIG,
     "options.char_cnn.filters[0] width must be in [1, max_characters_per_token = 6], got 7"},
    {"[[2, 3], [1, 4]]", "[[2, 3], [0, 4]]", CONFIG,
     "options.char_cnn.filters[1] width must be in [1, max_characters_per_token = 6], got 0"},
    {"[[2, 3], [1, 4]]", "[[2, 0], [1, 4]]", CONFIG, "options.char_cnn.filters[0] count must be in [1, 1048576], got 0"},
    {"[[2, 3], [1, 4]]", "[[2, 3], [1, 1048577]]", CONFIG, "options.char_cnn.filters[1] count must be in [1, 1048576], got 1048577"},
    {"[[2, 3], [1, 4]]", "[[2, 1048576], [1, 1]]", CONFIG,
     "options.char_cnn.filters: the counts sum to 1048577 features, more than 1048576 (elmo-wasm limit)"},
    {"\"n_highway\": 1", "\"n_highway\": -1", CONFIG, "options.char_cnn.n_highway must be an integer >= 0, got -1"},
    {"\"n_highway\": 1", "\"n_highway\": 33", CONFIG, "options.char_cnn.n_highway must be <= 32 (elmo-wasm limit), got 33"},
    {"\"activation\": \"relu\"", "\"activation\": \"gelu\"", CONFIG,
     "options.char_cnn.activation must be \"relu\" or \"tanh\", got \"gelu\""},
    {"\"activation\": \"relu\"", "\"activation\": \"relu\\u0000\"", CONFIG, "options.char_cnn.activation must be"},
    {"\"activation\": \"relu\"", "\"activation\": \"RELU\"", CONFIG, "options.char_cnn.activation must be*got \"RELU\""},
    {"\"activation\": \"relu\"", "\"activation\": 1", CONFIG, "options.char_cnn.activation must be*got 1"},
    {"\"char_cnn\": {", "\"char_cnn\": null, \"x\": {", CONFIG, "options.char_cnn must be an object, got null"},
    {"\"options\": {", "\"options\": [], \"o\": {", CONFIG, "options must be an object, got an array"},
    {"\"options\": {", "\"Options\": {", CONFIG, "options must be an object, got nothing"},
    {"\"format\": \"elmo-wasm-model\"", "\"format\": \"elmo-wasm-mode\"", CONFIG, "manifest format must be \"elmo-wasm-model\""},
    {"\"format\": \"elmo-wasm-model\"", "\"format\": 1", CONFIG, "manifest format must be \"elmo-wasm-model\""},
    {"\"version\": 1", "\"version\": 2", CONFIG, "manifest version must be 1"},
    {"\"version\": 1", "\"version\": \"1\"", CONFIG, "manifest version must be 1"},
    {"{\"format\"", "x{\"format\"", CONFIG, "JSON: unexpected character 0x78 at byte 0"},
    {"\"name\": \"test\"", "\"name\": \"te\tst\"", CONFIG, "JSON: control character in string at byte 55"},
    /* n_highway defaults to 0, so the highway tensors are unknown */
    {"\"n_highway\": 1, ", "", WEIGHTS, "weights.tensors[5]: unknown tensor \"highway/0/W_carry\" for these options"},
    {"\"tensors\": [", "\"tensors\": 5, \"t\": [", WEIGHTS, "manifest weights.tensors must be a list"},
    {"\"weights\": {", "\"weights\": [], \"w\": {", WEIGHTS, "manifest weights.tensors must be a list"},
    {"\"byteLength\": ", "\"byteLength\": \"1\", \"b\": ", WEIGHTS, "weights.byteLength must be an integer >= 0"},
    {"\"byteLength\": ", "\"byteLength\": -5, \"b\": ", WEIGHTS, "weights.byteLength must be an integer >= 0"},
    {"\"byteLength\": ", "\"byteLength\": 64.5, \"b\": ", WEIGHTS, "weights.byteLength must be an integer >= 0"},
    {"\"format\": \"elmo-wasm-model\"", "\"format\": \"elmo-wasm-model\\u0000v2\"", CONFIG,
     "manifest format must be \"elmo-wasm-model\""},
    {"\"version\": 1", "\"version\": 1.0", CONFIG, "manifest version must be 1"},
};

/* Variants bilm-tf options allow: each loads. */
static const mutation accepted_cases[] = {
    {"\"cell_clip\": 0.5", "\"cell_clip\": null", ELMO_STATUS_OK, ""},
    {"\"cell_clip\": 0.5", "\"cell_clip\": 0", ELMO_STATUS_OK, ""},
    {"\"cell_clip\": 0.5, \"proj_clip\": 0.25, ", "", ELMO_STATUS_OK, ""},
    {", \"use_skip_connections\": true", "", ELMO_STATUS_OK, ""},
    {"\"activation\": \"relu\"", "\"activation\": \"tanh\"", ELMO_STATUS_OK, ""},
    {", \"activation\": \"relu\"", "", ELMO_STATUS_OK, ""},
    {"\"lstm\": {", "\"bidirectional\": true, \"dropout\": 0.1, \"lstm\": {", ELMO_STATUS_OK, ""},
};

static void test_options(void) {
    for (size_t i = 0; i < sizeof option_cases / sizeof *option_cases; i++)
        expect_mutation_refused(option_cases[i].from, option_cases[i].to, option_cases[i].status,
                                option_cases[i].pattern);
    for (size_t i = 0; i < sizeof accepted_cases / sizeof *accepted_cases; i++) {
        char *json = test_replace(good.manifest, accepted_cases[i].from, accepted_cases[i].to);
        elmo_status st = json ? load(model, json, strlen(json), good.weights, good.weights_len) : CONFIG;
        CHECK(st == ELMO_STATUS_OK && elmo_model_max_characters(model) == 6, "accepted variant %s -> %s: %s",
              accepted_cases[i].from, accepted_cases[i].to, elmo_model_last_error(model));
        free(json);
    }
    /* Without max_characters_per_token, bilm-tf's 50. */
    char *json = test_replace(good.manifest, ", \"max_characters_per_token\": 6", "");
    elmo_status st = load(model, json, strlen(json), good.weights, good.weights_len);
    CHECK(st == ELMO_STATUS_OK && elmo_model_max_characters(model) == 50, "default max chars: %s",
          elmo_model_last_error(model));
    free(json);

    /* 65 filters: more than the elmo-wasm limit. */
    char many[1024] = "[";
    for (int i = 0; i < 65; i++) strcat(many, i ? ", [1, 1]" : "[1, 1]");
    strcat(many, "]");
    expect_mutation_refused("[[2, 3], [1, 4]]", many, CONFIG,
                            "options.char_cnn.filters must have at most 64 entries (elmo-wasm limit), got 65");

    /* Whole manifests that are not models. */
    static const struct { const char *json; elmo_status status; const char *pattern; } whole[] = {
        {"", CONFIG, "JSON: unexpected end of input at byte 0"},
        {"[]", CONFIG, "manifest must be a JSON object"},
        {"null", CONFIG, "manifest must be a JSON object"},
        {"{}", CONFIG, "options must be an object, got nothing"},
        {"{\"options\": {\"lstm\": {}}}", CONFIG, "options.char_cnn must be an object, got nothing"},
    };
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++)
        expect_refusal(whole[i].json, whole[i].json, strlen(whole[i].json), good.weights, good.weights_len,
                       whole[i].status, whole[i].pattern);
    /* Trailing bytes after a good manifest (the loader must not stop at its length). */
    char *trailing = malloc(good.manifest_len + 1);
    memcpy(trailing, good.manifest, good.manifest_len);
    trailing[good.manifest_len] = 'x';
    char want[96];
    snprintf(want, sizeof want, "JSON: unexpected data after the document at byte %zu", good.manifest_len);
    expect_refusal("trailing byte", trailing, good.manifest_len + 1, good.weights, good.weights_len, CONFIG, want);
    free(trailing);
}

/* The entry of tm's tensor i as the builder writes it, with field set to
 * value (NULL: left out). An offset value may be END, END-4, OWN+2, PREV or
 * PREV+64 (the previous tensor's offset). */
static void entry_text(const test_model *tm, size_t i, const char *field, const char *value, char *out,
                       size_t size) {
    const test_tensor *t = &tm->tensors[i];
    static const char *const keys[5] = {"name", "shape", "dtype", "layout", "offset"};
    char parts[5][80];
    snprintf(parts[0], sizeof parts[0], "\"%s\"", t->name);
    if (t->rank == 2) snprintf(parts[1], sizeof parts[1], "[%d, %d]", t->shape[0], t->shape[1]);
    else snprintf(parts[1], sizeof parts[1], "[%d]", t->shape[0]);
    snprintf(parts[2], sizeof parts[2], "\"float32\"");
    snprintf(parts[3], sizeof parts[3], "\"panels8\"");
    snprintf(parts[4], sizeof parts[4], "%zu", t->offset);
    size_t n = (size_t)snprintf(out, size, "{");
    for (int k = 0; k < 5; k++) {
        const char *v = k == 3 && !t->packed ? NULL : parts[k];
        char number[32];
        if (field && strcmp(field, keys[k]) == 0) {
            size_t prev = i ? tm->tensors[i - 1].offset : 0;
            size_t special = !value ? 0 : !strcmp(value, "END") ? tm->weights_len
                           : !strcmp(value, "END-4") ? tm->weights_len - 4
                           : !strcmp(value, "OWN+2") ? t->offset + 2
                           : !strcmp(value, "PREV") ? prev
                           : !strcmp(value, "PREV+64") ? prev + 64 : (size_t)-1;
            snprintf(number, sizeof number, "%zu", special);
            v = !value ? NULL : special != (size_t)-1 ? number : value;
        }
        if (v) n += (size_t)snprintf(out + n, size - n, "%s\"%s\": %s", n > 1 ? ", " : "", keys[k], v);
    }
    snprintf(out + n, size - n, "}");
}

static size_t tensor_index(const test_model *tm, const char *name) {
    for (size_t i = 0; i < tm->n_tensors; i++)
        if (strcmp(tm->tensors[i].name, name) == 0) return i;
    printf("no tensor %s\n", name);
    exit(2);
}

/* tm's manifest without the named tensors' entries. */
static char *without(const test_model *tm, const char *name1, const char *name2) {
    char *json = malloc(tm->manifest_len + 1);
    memcpy(json, tm->manifest, tm->manifest_len + 1);
    const char *names[2] = {name1, name2};
    for (int k = 0; k < 2 && names[k]; k++) {
        char entry[256], from[300];
        const size_t i = tensor_index(tm, names[k]);
        entry_text(tm, i, NULL, NULL, entry, sizeof entry);
        if (i + 1 < tm->n_tensors) snprintf(from, sizeof from, "  %s,\n", entry);
        else snprintf(from, sizeof from, ",\n  %s", entry);
        char *next = test_replace(json, from, "");
        free(json);
        json = next;
        if (!json) {
            printf("entry of %s not found\n", names[k]);
            exit(2);
        }
    }
    return json;
}

static void test_tensor_table(void) {
    static const struct { const char *tensor, *field, *value, *pattern; } cases[] = {
        {"cnn/W_1", "shape", "[4, 2]", "tensor \"cnn/W_1\": shape must be [2, 4], got [4, 2]"},
        {"lstm/0/0/b", "shape", "[20, 1]", "tensor \"lstm/0/0/b\": shape must be [20], got [20, 1]"},
        {"char_embed", "shape", "[263, 2]", "tensor \"char_embed\": shape must be [262, 2], got [263, 2]"},
        {"proj/b", "shape", NULL, "tensor \"proj/b\": shape must be [3], got nothing"},
        {"proj/b", "shape", "3", "tensor \"proj/b\": shape must be [3], got not a list"},
        {"proj/b", "shape", "[3.5]", "tensor \"proj/b\": shape must be [3], got [3.5]"},
        {"proj/b", "shape", "[\"3\"]", "tensor \"proj/b\": shape must be [3], got [?]"},
        {"proj/W", "dtype", "\"float64\"", "tensor \"proj/W\": dtype must be \"float32\", \"float16\", \"bfloat16\" or \"int8\", got \"float64\""},
        {"proj/b", "dtype", "\"int8\"", "tensor \"proj/b\": dtype must be \"float32\", got \"int8\""},
        {"proj/b", "dtype", "\"bfloat16\"", "tensor \"proj/b\": dtype must be \"float32\", got \"bfloat16\""},
        {"proj/W", "dtype", NULL, "tensor \"proj/W\": dtype must be \"float32\", \"float16\", \"bfloat16\" or \"int8\", got a non-string"},
        {"proj/W", "dtype", "\"float32\\u0000\"", "tensor \"proj/W\": dtype must be \"float32\""},
        {"proj/W", "dtype", "\"bfloat16\\u0000\"", "tensor \"proj/W\": dtype must be \"float32\""},
        {"proj/W", "layout", NULL, "tensor \"proj/W\": layout must be \"panels8\" (a GEMM weight; re-convert the model)"},
        {"cnn/W_0", "layout", "\"row-major\"", "tensor \"cnn/W_0\": layout must be \"panels8\""},
        {"lstm/1/0/W_h", "layout", "\"panels8\\u0000\"", "tensor \"lstm/1/0/W_h\": layout must be \"panels8\""},
        {"char_embed", "layout", "\"panels8\"", "tensor \"char_embed\": layout must be absent (row-major)"},
        {"proj/b", "layout", "null", "tensor \"proj/b\": layout must be absent (row-major)"},
        {"highway/0/b_carry", "offset", "END", "tensor \"highway/0/b_carry\": bytes [*) lie beyond the *-byte weights buffer"},
        {"highway/0/b_carry", "offset", "END-4", "tensor \"highway/0/b_carry\": bytes [*) lie beyond the *-byte weights buffer"},
        {"cnn/b_0", "offset", "18446744073709551616", "tensor \"cnn/b_0\": bytes [1.8446744073709552e+19, *) lie beyond"},
        {"cnn/b_0", "offset", "-64", "tensor \"cnn/b_0\": offset must be an integer >= 0"},
        {"cnn/b_0", "offset", "64.0", "tensor \"cnn/b_0\": offset must be an integer >= 0"},
        {"cnn/b_0", "offset", "\"64\"", "tensor \"cnn/b_0\": offset must be an integer >= 0"},
        {"cnn/b_0", "offset", NULL, "tensor \"cnn/b_0\": offset must be an integer >= 0"},
        {"char_embed", "offset", "OWN+2", "tensor \"char_embed\": offset 2 is not a multiple of 64"},
        {"proj/b", "offset", "PREV+64", "tensors \"proj/W\" and \"proj/b\" overlap"},
        {"cnn/b_1", "offset", "PREV", "tensors \"cnn/*\" and \"cnn/*\" overlap"},
        {"proj/b", "name", "\"proj/W\"", "tensor \"proj/W\" is listed twice"},
        {"proj/b", "name", "\"proj/B\"", "weights.tensors[10]: unknown tensor \"proj/B\" for these options"},
        {"lstm/0/0/W_x", "name", "\"lstm/0/1/W_x\"", "unknown tensor \"lstm/0/1/W_x\""},
        {"lstm/0/0/W_x", "name", "\"lstm/2/0/W_x\"", "unknown tensor \"lstm/2/0/W_x\""},
        {"highway/0/W_carry", "name", "\"highway/1/W_carry\"", "unknown tensor \"highway/1/W_carry\""},
        {"char_embed", "name", "\"char_embed\\u0000\"", "weights.tensors[0]: unknown tensor \"char_embed\""},
        {"char_embed", "name", NULL, "weights.tensors[0] must be an object with a string \"name\""},
        {"char_embed", "name", "1", "weights.tensors[0] must be an object with a string \"name\""},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char from[256], to[256];
        const size_t i = tensor_index(&good, cases[c].tensor);
        entry_text(&good, i, NULL, NULL, from, sizeof from);
        entry_text(&good, i, cases[c].field, cases[c].value, to, sizeof to);
        expect_mutation_refused(from, to, WEIGHTS, cases[c].pattern);
    }
    char from[256];
    entry_text(&good, 0, NULL, NULL, from, sizeof from);
    expect_mutation_refused(from, "7", WEIGHTS, "weights.tensors[0] must be an object with a string \"name\"");

    /* Missing tensors: one in the middle, the last one, the projection pair when F != P. */
    static const struct { const char *a, *b, *message; } missing[] = {
        {"cnn/b_1", NULL, "tensor \"cnn/b_1\" is missing"},
        {"lstm/1/0/W_proj", NULL, "tensor \"lstm/1/0/W_proj\" is missing"},
        {"proj/W", "proj/b", "tensor \"proj/W\" is missing"},
        {"proj/b", NULL, "tensor \"proj/b\" is missing"},
    };
    for (size_t c = 0; c < sizeof missing / sizeof *missing; c++) {
        char *json = without(&good, missing[c].a, missing[c].b);
        expect_refusal(missing[c].message, json, strlen(json), good.weights, good.weights_len, WEIGHTS, missing[c].message);
        CHECK(strcmp(elmo_model_last_error(model), "") == 0, "error cleared by the good load");
        free(json);
    }

    /* A buffer shorter than byteLength says, or than the tensors need. */
    char bl_from[64], bl_to[64], pattern[160];
    snprintf(bl_from, sizeof bl_from, "\"byteLength\": %zu", good.weights_len);
    snprintf(bl_to, sizeof bl_to, "\"byteLength\": %zu", good.weights_len + 4);
    snprintf(pattern, sizeof pattern, "weights.byteLength says more bytes than the %zu-byte weights buffer has",
             good.weights_len);
    expect_mutation_refused(bl_from, bl_to, WEIGHTS, pattern);
    snprintf(pattern, sizeof pattern, "weights.byteLength says more bytes than the %zu-byte weights buffer has",
             good.weights_len - 4);
    expect_refusal("weights_len - 4", good.manifest, good.manifest_len, good.weights, good.weights_len - 4,
                   WEIGHTS, pattern);
    snprintf(bl_from, sizeof bl_from, "\"byteLength\": %zu, ", good.weights_len);
    char *no_length = test_replace(good.manifest, bl_from, "");
    const test_tensor *last = &good.tensors[good.n_tensors - 1];
    const size_t last_bytes = elmo_packed_floats((size_t)last->shape[0], (size_t)last->shape[1]) * 4;
    snprintf(pattern, sizeof pattern, "tensor \"%s\": bytes [%zu, %zu) lie beyond the %zu-byte weights buffer",
             last->name, last->offset, last->offset + last_bytes, good.weights_len - 64);
    expect_refusal("weights_len - 64", no_length, strlen(no_length), good.weights, good.weights_len - 64,
                   WEIGHTS, pattern);
    expect_refusal("no weights", no_length, strlen(no_length), NULL, 0, WEIGHTS,
                   "tensor \"char_embed\": bytes [0, 2096) lie beyond the 0-byte weights buffer");
    CHECK(load(model, no_length, strlen(no_length), good.weights, good.weights_len) == ELMO_STATUS_OK,
          "byteLength is optional: %s", elmo_model_last_error(model));
    free(no_length);
}

/* Identity projection: with F == P, proj/W and proj/b may both be absent. */
static void test_identity_projection(void) {
    test_model_spec spec = base_spec;
    spec.proj_dim = 7; /* = F */
    test_model with_proj, identity;
    test_model_build(&spec, &with_proj);
    spec.omit_proj = 1;
    test_model_build(&spec, &identity);
    expect_good_load("identity projection", &identity, 1);
    CHECK(elmo_model_output_dim(model) == 14, "identity output dim %d", elmo_model_output_dim(model));
    expect_good_load("F == P with a projection", &with_proj, 1);

    static const struct { const char *drop, *message; } halves[] = {
        {"proj/b", "tensor \"proj/b\" is missing (proj/W and proj/b come together)"},
        {"proj/W", "tensor \"proj/W\" is missing (proj/W and proj/b come together)"},
    };
    for (size_t c = 0; c < 2; c++) {
        char *json = without(&with_proj, halves[c].drop, NULL);
        expect_refusal(halves[c].message, json, strlen(json), with_proj.weights, with_proj.weights_len, WEIGHTS,
                       halves[c].message);
        free(json);
    }
    /* The exact message when F != P: proj is not optional there. */
    char *json = without(&good, "proj/W", "proj/b");
    load(model, json, strlen(json), good.weights, good.weights_len);
    CHECK(strcmp(elmo_model_last_error(model), "tensor \"proj/W\" is missing") == 0, "F != P: \"%s\"",
          elmo_model_last_error(model));
    free(json);
    test_model_free(&with_proj);
    test_model_free(&identity);
}

static void test_arguments(void) {
    CHECK(elmo_model_load(NULL, good.manifest, good.manifest_len, good.weights, good.weights_len) ==
              ELMO_STATUS_INVALID_ARGUMENT, "NULL model");
    CHECK(strcmp(elmo_model_last_error(NULL), "model is NULL") == 0, "last error of NULL");
    CHECK(elmo_model_n_layers(NULL) == 0 && elmo_model_output_dim(NULL) == 0 &&
              elmo_model_max_characters(NULL) == 0 && elmo_context_create(NULL) == NULL,
          "getters of NULL");
    elmo_model_free(NULL);
    expect_refusal("NULL json", NULL, 0, good.weights, good.weights_len, ELMO_STATUS_INVALID_ARGUMENT,
                   "manifest json is NULL");
    expect_refusal("NULL weights", good.manifest, good.manifest_len, NULL, 64, ELMO_STATUS_INVALID_ARGUMENT,
                   "weights is NULL but weights_len is 64");
    /* Not 4-byte aligned: refused before any tensor is read. A 4-byte (not 64-byte) aligned copy loads. */
    unsigned char *shifted = malloc(good.weights_len + 8);
    for (size_t shift = 1; shift <= 4; shift++) {
        memcpy(shifted + shift, good.weights, good.weights_len);
        elmo_status st = load(model, good.manifest, good.manifest_len, shifted + shift, good.weights_len);
        if (shift < 4)
            CHECK(st == ELMO_STATUS_INVALID_ARGUMENT &&
                      strcmp(elmo_model_last_error(model), "weights buffer must be 4-byte aligned") == 0 &&
                      elmo_model_n_layers(model) == 0,
                  "shift %zu: %s", shift, elmo_model_last_error(model));
        else
            CHECK(st == ELMO_STATUS_OK, "4-byte aligned weights: %s", elmo_model_last_error(model));
    }
    free(shifted);
    expect_good_load("after argument errors", &good, 1);
}

/* A context outlives a failed load and a new good one: it refuses until recreated. */
static void test_stale_context(void) {
    test_model_spec spec = base_spec;
    spec.proj_dim = 4; /* a different output size for the second load */
    spec.n_layers = 2;
    test_model other;
    test_model_build(&spec, &other);
    const uint8_t bytes[] = "ab";
    const uint32_t offsets[] = {0, 2};
    const int32_t lengths[] = {1};
    float out[64];

    expect_good_load("stale", &good, 1);
    elmo_context *old = elmo_context_create(model);
    size_t need = elmo_output_floats(model, lengths, 1, 0);
    CHECK(need == 2 * 6 && elmo_embed(old, bytes, offsets, lengths, 1, ELMO_EMBED_STATEFUL, out, need) == ELMO_STATUS_OK,
          "embed before: %s", elmo_context_last_error(old));
    /* Fails on the weights, after the options were read. */
    CHECK(load(model, good.manifest, good.manifest_len, good.weights, 16) == WEIGHTS &&
              elmo_model_n_layers(model) == 0 && elmo_model_output_dim(model) == 0 &&
              elmo_output_floats(model, lengths, 1, 0) == 0,
          "failed load leaves nothing: %s", elmo_model_last_error(model));
    elmo_status st = elmo_embed(old, bytes, offsets, lengths, 1, ELMO_EMBED_STATEFUL, out, need);
    CHECK(st == ELMO_STATUS_NOT_LOADED && strstr(elmo_context_last_error(old), "reloaded or unloaded"),
          "stale context after a refused weights table: %s", elmo_status_to_string(st));
    elmo_context_reset_state(old); /* must not touch the unloaded sizes */

    /* A good load of a bigger model: the old context still refuses. */
    expect_good_load("other model", &other, 2);
    need = elmo_output_floats(model, lengths, 1, 0);
    CHECK(need == 3 * 8, "output floats of the other model: %zu", need);
    st = elmo_embed(old, bytes, offsets, lengths, 1, ELMO_EMBED_STATEFUL, out, need);
    CHECK(st == ELMO_STATUS_NOT_LOADED, "stale context after a successful reload: %s", elmo_status_to_string(st));
    elmo_context_reset_state(old);
    elmo_context *fresh = elmo_context_create(model);
    st = elmo_embed(fresh, bytes, offsets, lengths, 1, ELMO_EMBED_STATEFUL, out, need);
    CHECK(st == ELMO_STATUS_OK, "fresh context: %s", elmo_context_last_error(fresh));
    /* A good load straight after a good load (no failure between) also retires it. */
    expect_good_load("back to the first model", &good, 1);
    st = elmo_embed(fresh, bytes, offsets, lengths, 1, ELMO_EMBED_STATEFUL, out, need);
    CHECK(st == ELMO_STATUS_NOT_LOADED, "context of the replaced model: %s", elmo_status_to_string(st));
    elmo_context_free(fresh);
    elmo_context_free(old);
    test_model_free(&other);
}

static void test_status_strings(void) {
    static const struct { elmo_status status; const char *text; } cases[] = {
        {ELMO_STATUS_OK, "ok"},
        {ELMO_STATUS_INVALID_ARGUMENT, "invalid argument"},
        {ELMO_STATUS_INVALID_CONFIG, "invalid config"},
        {ELMO_STATUS_INVALID_WEIGHTS, "invalid weights"},
        {ELMO_STATUS_OUT_OF_MEMORY, "out of memory"},
        {ELMO_STATUS_NOT_LOADED, "model not loaded"},
        {(elmo_status)1, "unknown status"},
        {(elmo_status)-6, "unknown status"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK(strcmp(elmo_status_to_string(cases[i].status), cases[i].text) == 0, "status %d: \"%s\"",
              (int)cases[i].status, elmo_status_to_string(cases[i].status));
}

/* elmo_model_check: the same verdicts as a load, without the weights, and nothing loaded after. */
static void test_check(void) {
    size_t end = 1;
    CHECK(elmo_model_check(model, good.manifest, good.manifest_len, good.weights_len, &end) == ELMO_STATUS_OK,
          "check: %s", elmo_model_last_error(model));
    CHECK(end <= good.weights_len && end + 64 > good.weights_len, "tensors end at %zu, the region has %zu bytes",
          end, good.weights_len);
    CHECK(elmo_model_n_layers(model) == 0 && elmo_context_create(model) == NULL, "a check loads nothing");
    CHECK(elmo_model_check(model, good.manifest, good.manifest_len, good.weights_len - 64, &end) ==
              ELMO_STATUS_INVALID_WEIGHTS && end == 0,
          "a region shorter than the tensors");
    CHECK(strstr(elmo_model_last_error(model), "weights") != NULL, "message: %s", elmo_model_last_error(model));
    char *bad = test_replace(good.manifest, "\"float32\"", "\"float64\"");
    CHECK(elmo_model_check(model, bad, strlen(bad), good.weights_len, NULL) == ELMO_STATUS_INVALID_WEIGHTS &&
              strstr(elmo_model_last_error(model), "dtype") != NULL,
          "a wrong dtype: %s", elmo_model_last_error(model));
    free(bad);
    expect_good_load("load after checks", &good, 1);
}

int main(void) {
    if (test_model_build(&base_spec, &good) != 0) {
        printf("test_config: cannot build the model\n");
        return 1;
    }
    model = elmo_model_create();
    expect_good_load("first load", &good, 1);
    test_options();
    test_tensor_table();
    test_identity_projection();
    test_arguments();
    test_stale_context();
    test_status_strings();
    test_check();
    elmo_model_free(model);
    test_model_free(&good);
    return test_report("test_config");
}
