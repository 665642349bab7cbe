/*
 * test_json.c — the strict JSON parser (json_parse/json_free/json_object_get).
 *
 * Every document is handed to the parser in a malloc'd buffer of exactly its
 * length, without a NUL, so AddressSanitizer flags any read past the end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "test_util.h"

/* A literal with its length, inner NULs included. */
#define S(lit) lit, sizeof(lit) - 1

static char err[256];

/* Parses text[0 .. len) from an exact-size, non-NUL-terminated copy. */
static json_value *parse(const char *text, size_t len) {
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        printf("out of memory\n");
        exit(2);
    }
    memcpy(copy, text, len);
    strcpy(err, "stale");
    json_value *root = json_parse(len ? copy : copy + 1, len, err, sizeof err);
    free(copy);
    return root;
}

/* n opening brackets (or {"a": prefixes), inner, then the closers. */
static char *nest(int n, int objects, const char *inner, size_t *len) {
    const char *open = objects ? "{\"a\":" : "[", *close = objects ? "}" : "]";
    size_t ol = strlen(open), il = strlen(inner);
    char *s = malloc((size_t)n * (ol + 1) + il + 1), *q = s;
    for (int i = 0; i < n; i++, q += ol) memcpy(q, open, ol);
    memcpy(q, inner, il);
    q += il;
    for (int i = 0; i < n; i++) *q++ = *close;
    *len = (size_t)(q - s);
    return s;
}

static void test_numbers(void) {
    static const struct { const char *text; double value; int is_integer; } cases[] = {
        {"12", 12, 1}, {"-3", -3, 1}, {"0", 0, 1}, {"-0", 0, 1}, {"1.5", 1.5, 0}, {"1e3", 1000, 0},
        {"1E-2", 0.01, 0}, {"-2.5e+3", -2500, 0}, {"12345678901234567890", 12345678901234567890.0, 1},
        {"1.7976931348623157e308", 1.7976931348623157e308, 0}, {" \t\r\n42 \n", 42, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_value *v = parse(cases[i].text, strlen(cases[i].text));
        CHECK(v && v->type == JSON_NUMBER && v->u.number.value == cases[i].value &&
                  v->u.number.is_integer == cases[i].is_integer && err[0] == '\0',
              "number %s: %s", cases[i].text, v ? "wrong value" : err);
        json_free(v);
    }
    json_value *v = parse(S("1e-400")); /* underflow is not an error */
    CHECK(v && v->type == JSON_NUMBER && fabs(v->u.number.value) < 1e-300 && !v->u.number.is_integer,
          "1e-400: %s", err);
    json_free(v);
}

static void test_strings(void) {
    static const struct { const char *text; size_t text_len; const char *want; size_t want_len; } cases[] = {
        {S("\"\""), S("")},
        {S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), S("\"\\/\b\f\n\r\t")},
        /* 1-, 2-, 3-byte \u escapes and a surrogate pair → a 4-byte sequence */
        {S("\"\\u0041\\u00e9\\u20AC\\uD83D\\uDE00\""), S("A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80")},
        {S("\"\\uDBFF\\uDFFF\""), S("\xF4\x8F\xBF\xBF")},
        {S("\"a\\u0000b\""), S("a\0b")},
        /* raw UTF-8 up to U+10FFFF, U+FFFF, DEL */
        {S("\"\xC3\xA9\xE6\x95\xB0\xF0\x9F\x99\x82\xF4\x8F\xBF\xBF\xEF\xBF\xBF\x7F\""),
         S("\xC3\xA9\xE6\x95\xB0\xF0\x9F\x99\x82\xF4\x8F\xBF\xBF\xEF\xBF\xBF\x7F")},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_value *v = parse(cases[i].text, cases[i].text_len);
        CHECK(v && v->type == JSON_STRING && v->u.string.len == cases[i].want_len &&
                  memcmp(v->u.string.chars, cases[i].want, cases[i].want_len + 1) == 0,
              "string case %zu: %s", i, v ? "wrong decoding" : err);
        json_free(v);
    }
}

static void test_structure(void) {
    const char doc[] = " {\"a\" : [1, -3, 1.5, true, false, null, \"s\", {}, []],\n\t\"b\":{\"c\":{\"d\":\"e\"}},\r"
                       " \"k\": 1, \"k\": 2, \"n\\u0000ul\": 3, \"n\": 4} ";
    json_value *root = parse(S(doc));
    CHECK(root && root->type == JSON_OBJECT && root->u.object.count == 6 && root->pos == 1,
          "object: %s", err);
    if (!root) return;
    const json_value *a = json_object_get(root, "a");
    CHECK(a && a->type == JSON_ARRAY && a->u.array.count == 9, "a is a 9-item array");
    if (a && a->type == JSON_ARRAY && a->u.array.count == 9) {
        static const json_type types[9] = {JSON_NUMBER, JSON_NUMBER, JSON_NUMBER, JSON_TRUE, JSON_FALSE,
                                           JSON_NULL, JSON_STRING, JSON_OBJECT, JSON_ARRAY};
        int ok = 1;
        for (int i = 0; i < 9; i++) ok &= a->u.array.items[i].type == types[i];
        CHECK(ok, "item types");
        CHECK(a->u.array.items[1].pos == 12 && a->u.array.items[6].pos == 40, "item positions %zu %zu",
              a->u.array.items[1].pos, a->u.array.items[6].pos);
        CHECK(a->u.array.items[7].u.object.count == 0 && a->u.array.items[8].u.array.count == 0, "empties");
    }
    const json_value *d = json_object_get(json_object_get(json_object_get(root, "b"), "c"), "d");
    CHECK(d && d->type == JSON_STRING && strcmp(d->u.string.chars, "e") == 0, "b.c.d");
    const json_value *k = json_object_get(root, "k");
    CHECK(k && k->type == JSON_NUMBER && k->u.number.value == 1, "duplicate key: the first wins");
    const json_value *n = json_object_get(root, "n");
    CHECK(n && n->u.number.value == 4, "a key with an inner NUL is not its prefix");
    CHECK(root->u.object.members[4].key_len == 4 && root->u.object.members[4].key[1] == 0,
          "key with an inner NUL keeps its length");
    CHECK(json_object_get(root, "missing") == NULL, "missing key");
    CHECK(json_object_get(a, "0") == NULL, "get on an array");
    CHECK(json_object_get(d, "e") == NULL, "get on a string");
    CHECK(json_object_get(NULL, "a") == NULL, "get on NULL");
    json_free(root);
    json_free(NULL);

    /* Containers large enough to grow many times. */
    size_t cap = 20000, len = 0;
    char *big = malloc(cap);
    len += (size_t)sprintf(big + len, "{\"list\": [");
    for (int i = 0; i < 1000; i++) len += (size_t)sprintf(big + len, "%s%d", i ? "," : "", i);
    len += (size_t)sprintf(big + len, "]");
    for (int i = 0; i < 300; i++) len += (size_t)sprintf(big + len, ", \"m%d\": %d", i, -i);
    len += (size_t)sprintf(big + len, "}");
    root = parse(big, len);
    const json_value *list = json_object_get(root, "list"), *m299 = json_object_get(root, "m299");
    CHECK(root && root->u.object.count == 301 && list && list->u.array.count == 1000 &&
              list->u.array.items[999].u.number.value == 999 && m299 && m299->u.number.value == -299,
          "large containers: %s", err);
    json_free(root);
    free(big);
}

/* Depth counts the containers around a value: the root is at depth 0, and no
 * value may sit deeper than JSON_MAX_DEPTH. */
static void test_depth(void) {
    static const struct { int n, objects; const char *inner; int ok; size_t err_at; } cases[] = {
        {JSON_MAX_DEPTH, 0, "0", 1, 0},
        {JSON_MAX_DEPTH, 1, "\"x\"", 1, 0},
        {JSON_MAX_DEPTH + 1, 0, "", 1, 0}, /* the innermost (empty) array is itself at depth 64 */
        {JSON_MAX_DEPTH + 1, 0, "0", 0, JSON_MAX_DEPTH + 1},
        {JSON_MAX_DEPTH + 2, 0, "", 0, JSON_MAX_DEPTH + 1},
        {JSON_MAX_DEPTH + 1, 1, "0", 0, 5 * (JSON_MAX_DEPTH + 1)},
        {100000, 0, "", 0, JSON_MAX_DEPTH + 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len;
        char *text = nest(cases[i].n, cases[i].objects, cases[i].inner, &len);
        json_value *v = parse(text, len);
        char want[96];
        snprintf(want, sizeof want, "JSON: nesting deeper than %d at byte %zu", JSON_MAX_DEPTH, cases[i].err_at);
        if (cases[i].ok) CHECK(v != NULL, "depth case %zu accepted: %s", i, err);
        else CHECK(v == NULL && strcmp(err, want) == 0, "depth case %zu: got \"%s\", want \"%s\"", i, err, want);
        json_free(v);
        free(text);
    }
}

static void test_refusals(void) {
    static const struct { const char *text; size_t len; const char *message; } cases[] = {
        {S(""), "unexpected end of input at byte 0"},
        {S(" \n\t"), "unexpected end of input at byte 3"},
        {S("{} x"), "unexpected data after the document at byte 3"},
        {S("[1] [2]"), "unexpected data after the document at byte 4"},
        {S("[1]\0"), "unexpected data after the document at byte 3"},
        {S("\"abc"), "unterminated string at byte 0"},
        {S("[\"a\\\""), "unterminated string at byte 1"},
        {S("\"ab\\"), "unterminated string at byte 0"},
        {S("\"\\u"), "unterminated string at byte 0"},
        {S("[1, 2"), "unterminated array at byte 5"},
        {S("["), "unexpected end of input at byte 1"},
        {S("[1,"), "unexpected end of input at byte 3"},
        {S("[1,]"), "unexpected character 0x5d at byte 3"},
        {S("[1 2]"), "expected ',' or ']' at byte 3"},
        {S("{\"a\": 1"), "unterminated object at byte 7"},
        {S("{"), "expected a string key at byte 1"},
        {S("{\"a\""), "expected ':' at byte 4"},
        {S("{\"a\" 1}"), "expected ':' at byte 5"},
        {S("{\"a\":"), "unexpected end of input at byte 5"},
        {S("{1: 2}"), "expected a string key at byte 1"},
        {S("{\"a\": 1,}"), "expected a string key at byte 8"},
        {S("{\"a\": 1 \"b\": 2}"), "expected ',' or '}' at byte 8"},
        {S("\"a\tb\""), "control character in string at byte 2"},
        {S("\"a\nb\""), "control character in string at byte 2"},
        {S("\"a\0b\""), "control character in string at byte 2"},
        {S("\"\x1f\""), "control character in string at byte 1"},
        {S("\"\x80\""), "invalid UTF-8 in string at byte 1"},
        {S("\"a\xC3\""), "invalid UTF-8 in string at byte 2"},
        {S("\"\xC0\xAF\""), "invalid UTF-8 in string at byte 1"},         /* overlong */
        {S("\"\xE0\x80\x80\""), "invalid UTF-8 in string at byte 1"},     /* overlong */
        {S("\"\xED\xA0\x80\""), "invalid UTF-8 in string at byte 1"},     /* encoded surrogate */
        {S("\"\xF4\x90\x80\x80\""), "invalid UTF-8 in string at byte 1"}, /* > U+10FFFF */
        {S("\"\xE2\x82x\""), "invalid UTF-8 in string at byte 1"},
        {S("\"\xFF\""), "invalid UTF-8 in string at byte 1"},
        {S("\"\\uDC00\""), "lone low surrogate in \\u escape at byte 1"},
        {S("\"\\uD800\""), "high surrogate without a low one at byte 1"},
        {S("\"x\\uD800\\n\""), "high surrogate without a low one at byte 2"},
        {S("\"\\uD800\\u0041\""), "high surrogate without a low one at byte 1"},
        {S("\"\\uD800\\uD800\""), "high surrogate without a low one at byte 1"},
        {S("\"\\uD800\\u\"DC00\""), "invalid hex digit in \\u escape at byte 9"},
        {S("\"\\x\""), "invalid escape at byte 1"},
        {S("\"ab\\a\""), "invalid escape at byte 3"},
        {S("\"\\U0041\""), "invalid escape at byte 1"},
        {S("\"\\'\""), "invalid escape at byte 1"},
        {S("\"\\u00G0\""), "invalid hex digit in \\u escape at byte 5"},
        {S("\"\\u12\""), "truncated \\u escape at byte 3"},
        {S("01"), "unexpected data after the document at byte 1"},
        {S("-01"), "unexpected data after the document at byte 2"},
        {S("[00]"), "expected ',' or ']' at byte 2"},
        {S("-"), "expected a digit at byte 1"},
        {S("-a"), "expected a digit at byte 1"},
        {S("1."), "expected a digit after '.' at byte 2"},
        {S("1.e5"), "expected a digit after '.' at byte 2"},
        {S("1e"), "expected a digit in the exponent at byte 2"},
        {S("1e+"), "expected a digit in the exponent at byte 3"},
        {S(".5"), "unexpected character 0x2e at byte 0"},
        {S("+1"), "unexpected character 0x2b at byte 0"},
        {S("1e400"), "number out of range at byte 0"},
        {S("[0, -1e309]"), "number out of range at byte 4"},
        {S("tru"), "invalid literal at byte 0"},
        {S("[nul"), "invalid literal at byte 1"},
        {S("[truex]"), "expected ',' or ']' at byte 5"},
        {S("True"), "unexpected character 0x54 at byte 0"},
        {S("NaN"), "unexpected character 0x4e at byte 0"},
        {S("'a'"), "unexpected character 0x27 at byte 0"},
        {S("\0"), "unexpected character 0x00 at byte 0"},
        {S("\xEF\xBB\xBF{}"), "unexpected character 0xef at byte 0"},
        {S("\f1"), "unexpected character 0x0c at byte 0"},
        {S("/* c */ 1"), "unexpected character 0x2f at byte 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_value *v = parse(cases[i].text, cases[i].len);
        char want[160];
        snprintf(want, sizeof want, "JSON: %s", cases[i].message);
        CHECK(v == NULL && strcmp(err, want) == 0, "refusal %zu: got \"%s\", want \"%s\"", i, err, want);
        json_free(v);
    }
    /* A NULL text with a length, a tiny error buffer, and none at all. */
    CHECK(json_parse(NULL, 3, err, sizeof err) == NULL && strcmp(err, "JSON: no input at byte 0") == 0,
          "NULL text: %s", err);
    char tiny[8];
    CHECK(json_parse("[", 1, tiny, sizeof tiny) == NULL && strcmp(tiny, "JSON: u") == 0,
          "truncated message \"%s\"", tiny);
    CHECK(json_parse("[", 1, NULL, 0) == NULL, "no error buffer");
}

int main(void) {
    test_numbers();
    test_strings();
    test_structure();
    test_depth();
    test_refusals();
    return test_report("test_json");
}
