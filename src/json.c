/*
 * json.c — strict recursive-descent JSON parser; see json.h.
 *
 * Recursion is bounded by JSON_MAX_DEPTH, every read is checked against the
 * input length, and every size that grows (containers, strings) is checked
 * before it can overflow.
 */
#include "json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const unsigned char *text;
    size_t len;
    size_t pos;
    char *err;
    size_t err_size;
    int failed;
} parser;

static int fail(parser *p, size_t pos, const char *fmt, ...) {
    if (!p->failed && p->err_size > 0) {
        char what[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(p->err, p->err_size, "JSON: %s at byte %zu", what, pos);
    }
    p->failed = 1;
    return 0;
}

static int fail_oom(parser *p) {
    if (!p->failed && p->err_size > 0) p->err[0] = '\0';
    p->failed = 1;
    return 0;
}

static void skip_whitespace(parser *p) {
    while (p->pos < p->len) {
        unsigned char ch = p->text[p->pos];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') break;
        p->pos++;
    }
}

static int at_end(const parser *p) { return p->pos >= p->len; }

/* Grows *buf (of *cap elements of elem bytes) to hold at least need elements. */
static int grow(void **buf, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t new_cap = *cap ? *cap : 4;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2) return 0;
        new_cap *= 2;
    }
    if (new_cap > SIZE_MAX / elem) return 0;
    void *grown = realloc(*buf, new_cap * elem);
    if (!grown) return 0;
    *buf = grown;
    *cap = new_cap;
    return 1;
}

static int match_literal(parser *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
        return fail(p, p->pos, "invalid literal");
    p->pos += n;
    return 1;
}

static int is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }

static int parse_number(parser *p, json_value *v) {
    size_t start = p->pos;
    int is_integer = 1;
    if (!at_end(p) && p->text[p->pos] == '-') p->pos++;
    if (at_end(p) || !is_digit(p->text[p->pos])) return fail(p, p->pos, "expected a digit");
    if (p->text[p->pos] == '0') {
        p->pos++;
    } else {
        while (!at_end(p) && is_digit(p->text[p->pos])) p->pos++;
    }
    if (!at_end(p) && p->text[p->pos] == '.') {
        is_integer = 0;
        p->pos++;
        if (at_end(p) || !is_digit(p->text[p->pos]))
            return fail(p, p->pos, "expected a digit after '.'");
        while (!at_end(p) && is_digit(p->text[p->pos])) p->pos++;
    }
    if (!at_end(p) && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
        is_integer = 0;
        p->pos++;
        if (!at_end(p) && (p->text[p->pos] == '+' || p->text[p->pos] == '-')) p->pos++;
        if (at_end(p) || !is_digit(p->text[p->pos]))
            return fail(p, p->pos, "expected a digit in the exponent");
        while (!at_end(p) && is_digit(p->text[p->pos])) p->pos++;
    }
    /* strtod needs a NUL-terminated copy; the grammar above already holds. */
    size_t n = p->pos - start;
    char small[64];
    char *copy = n < sizeof small ? small : malloc(n + 1);
    if (!copy) return fail_oom(p);
    memcpy(copy, p->text + start, n);
    copy[n] = '\0';
    double value = strtod(copy, NULL);
    if (copy != small) free(copy);
    if (value > 1.7976931348623157e308 || value < -1.7976931348623157e308)
        return fail(p, start, "number out of range");
    v->type = JSON_NUMBER;
    v->u.number.value = value;
    v->u.number.is_integer = is_integer;
    return 1;
}

static int hex_value(unsigned char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits of a \u escape whose 'u' is at p->pos - 1. */
static int read_hex4(parser *p, unsigned *out) {
    if (p->len - p->pos < 4) return fail(p, p->pos, "truncated \\u escape");
    unsigned code = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p->text[p->pos + i]);
        if (h < 0) return fail(p, p->pos + i, "invalid hex digit in \\u escape");
        code = code * 16 + (unsigned)h;
    }
    p->pos += 4;
    *out = code;
    return 1;
}

/* Length of the valid UTF-8 sequence starting at s[0] (of n bytes), 0 if invalid. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n) {
    unsigned char b0 = s[0];
    size_t len;
    unsigned min, code;
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) { len = 2; code = b0 & 0x1F; min = 0x80; }
    else if (b0 >= 0xE0 && b0 <= 0xEF) { len = 3; code = b0 & 0x0F; min = 0x800; }
    else if (b0 >= 0xF0 && b0 <= 0xF4) { len = 4; code = b0 & 0x07; min = 0x10000; }
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        code = (code << 6) | (s[i] & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return len;
}

static size_t encode_utf8(unsigned code, char *out) {
    if (code < 0x80) { out[0] = (char)code; return 1; }
    if (code < 0x800) {
        out[0] = (char)(0xC0 | (code >> 6));
        out[1] = (char)(0x80 | (code & 0x3F));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (char)(0xE0 | (code >> 12));
        out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
        out[2] = (char)(0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (code >> 18));
    out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((code >> 6) & 0x3F));
    out[3] = (char)(0x80 | (code & 0x3F));
    return 4;
}

/* Parses a string whose opening quote is at p->pos; decoded text is never
 * longer than its source, so one allocation of the source length suffices. */
static int parse_string(parser *p, char **chars, size_t *chars_len) {
    size_t start = p->pos;
    p->pos++; /* the opening quote */
    size_t end = p->pos;
    while (end < p->len && p->text[end] != '"') {
        if (p->text[end] == '\\') end++;
        end++;
    }
    if (end >= p->len) return fail(p, start, "unterminated string");
    char *out = malloc(end - p->pos + 1);
    if (!out) return fail_oom(p);
    size_t n = 0;
    while (p->text[p->pos] != '"') {
        unsigned char ch = p->text[p->pos];
        if (ch < 0x20) {
            free(out);
            return fail(p, p->pos, "control character in string");
        }
        if (ch != '\\') {
            size_t seq = utf8_sequence_length(p->text + p->pos, end - p->pos);
            if (seq == 0) {
                free(out);
                return fail(p, p->pos, "invalid UTF-8 in string");
            }
            memcpy(out + n, p->text + p->pos, seq);
            n += seq;
            p->pos += seq;
            continue;
        }
        size_t escape_pos = p->pos;
        p->pos++;
        char esc = (char)p->text[p->pos++];
        switch (esc) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            unsigned code;
            if (!read_hex4(p, &code)) { free(out); return 0; }
            if (code >= 0xDC00 && code <= 0xDFFF) {
                free(out);
                return fail(p, escape_pos, "lone low surrogate in \\u escape");
            }
            if (code >= 0xD800 && code <= 0xDBFF) {
                unsigned low;
                if (p->len - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u') {
                    free(out);
                    return fail(p, escape_pos, "high surrogate without a low one");
                }
                p->pos += 2;
                if (!read_hex4(p, &low)) { free(out); return 0; }
                if (low < 0xDC00 || low > 0xDFFF) {
                    free(out);
                    return fail(p, escape_pos, "high surrogate without a low one");
                }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            }
            /* \uXXXX is 6 source bytes and at most 3 output bytes; a pair is 12 → 4. */
            n += encode_utf8(code, out + n);
            break;
        }
        default:
            free(out);
            return fail(p, escape_pos, "invalid escape");
        }
    }
    p->pos++; /* the closing quote */
    out[n] = '\0';
    *chars = out;
    *chars_len = n;
    return 1;
}

static int parse_value(parser *p, json_value *v, int depth);

static void free_value(json_value *v);

static int parse_array(parser *p, json_value *v, int depth) {
    size_t cap = 0;
    v->type = JSON_ARRAY;
    v->u.array.items = NULL;
    v->u.array.count = 0;
    p->pos++; /* '[' */
    skip_whitespace(p);
    if (!at_end(p) && p->text[p->pos] == ']') {
        p->pos++;
        return 1;
    }
    for (;;) {
        if (!grow((void **)&v->u.array.items, &cap, v->u.array.count + 1, sizeof(json_value)))
            return fail_oom(p);
        /* Counted before parsing so that a partial item is freed on failure. */
        json_value *item = &v->u.array.items[v->u.array.count++];
        if (!parse_value(p, item, depth + 1)) return 0;
        skip_whitespace(p);
        if (at_end(p)) return fail(p, p->pos, "unterminated array");
        if (p->text[p->pos] == ']') {
            p->pos++;
            return 1;
        }
        if (p->text[p->pos] != ',') return fail(p, p->pos, "expected ',' or ']'");
        p->pos++;
    }
}

static int parse_object(parser *p, json_value *v, int depth) {
    size_t cap = 0;
    v->type = JSON_OBJECT;
    v->u.object.members = NULL;
    v->u.object.count = 0;
    p->pos++; /* '{' */
    skip_whitespace(p);
    if (!at_end(p) && p->text[p->pos] == '}') {
        p->pos++;
        return 1;
    }
    for (;;) {
        skip_whitespace(p);
        if (at_end(p) || p->text[p->pos] != '"') return fail(p, p->pos, "expected a string key");
        if (!grow((void **)&v->u.object.members, &cap, v->u.object.count + 1, sizeof(json_member)))
            return fail_oom(p);
        json_member *m = &v->u.object.members[v->u.object.count];
        if (!parse_string(p, &m->key, &m->key_len)) return 0;
        m->value.type = JSON_NULL; /* keeps free_value safe if the value fails */
        v->u.object.count++;
        skip_whitespace(p);
        if (at_end(p) || p->text[p->pos] != ':') return fail(p, p->pos, "expected ':'");
        p->pos++;
        if (!parse_value(p, &m->value, depth + 1)) return 0;
        skip_whitespace(p);
        if (at_end(p)) return fail(p, p->pos, "unterminated object");
        if (p->text[p->pos] == '}') {
            p->pos++;
            return 1;
        }
        if (p->text[p->pos] != ',') return fail(p, p->pos, "expected ',' or '}'");
        p->pos++;
    }
}

/* On failure *v is still a valid (possibly partial) tree for free_value. */
static int parse_value(parser *p, json_value *v, int depth) {
    v->type = JSON_NULL;
    skip_whitespace(p);
    v->pos = p->pos;
    if (depth > JSON_MAX_DEPTH) return fail(p, p->pos, "nesting deeper than %d", JSON_MAX_DEPTH);
    if (at_end(p)) return fail(p, p->pos, "unexpected end of input");
    switch (p->text[p->pos]) {
    case '{': return parse_object(p, v, depth);
    case '[': return parse_array(p, v, depth);
    case '"':
        if (!parse_string(p, &v->u.string.chars, &v->u.string.len)) return 0;
        v->type = JSON_STRING;
        return 1;
    case 't':
        if (!match_literal(p, "true")) return 0;
        v->type = JSON_TRUE;
        return 1;
    case 'f':
        if (!match_literal(p, "false")) return 0;
        v->type = JSON_FALSE;
        return 1;
    case 'n': return match_literal(p, "null");
    default:
        if (p->text[p->pos] == '-' || is_digit(p->text[p->pos])) return parse_number(p, v);
        return fail(p, p->pos, "unexpected character 0x%02x", p->text[p->pos]);
    }
}

/* Recursion here follows the parsed depth, which JSON_MAX_DEPTH bounds. */
static void free_value(json_value *v) {
    switch (v->type) {
    case JSON_STRING: free(v->u.string.chars); break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.array.count; i++) free_value(&v->u.array.items[i]);
        free(v->u.array.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.object.count; i++) {
            free(v->u.object.members[i].key);
            free_value(&v->u.object.members[i].value);
        }
        free(v->u.object.members);
        break;
    default: break;
    }
}

json_value *json_parse(const char *text, size_t len, char *err, size_t err_size) {
    parser p = {(const unsigned char *)text, len, 0, err, err_size, 0};
    if (err_size > 0) err[0] = '\0';
    if (!text && len > 0) {
        fail(&p, 0, "no input");
        return NULL;
    }
    json_value *root = malloc(sizeof *root);
    if (!root) return NULL;
    int ok = parse_value(&p, root, 0);
    if (ok) {
        skip_whitespace(&p);
        if (!at_end(&p)) ok = fail(&p, p.pos, "unexpected data after the document");
    }
    if (!ok) {
        free_value(root);
        free(root);
        return NULL;
    }
    return root;
}

void json_free(json_value *root) {
    if (!root) return;
    free_value(root);
    free(root);
}

const json_value *json_object_get(const json_value *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    size_t key_len = strlen(key);
    for (size_t i = 0; i < obj->u.object.count; i++) {
        const json_member *m = &obj->u.object.members[i];
        if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0) return &m->value;
    }
    return NULL;
}
