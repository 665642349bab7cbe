/*
 * json.h — a small strict JSON (RFC 8259) parser for the model manifest.
 *
 * Used once, at load time. The input is a byte range (not NUL-terminated);
 * the parser never reads outside it, bounds the nesting depth, and reports
 * the byte position of the first error. The result is a tree of json_value
 * nodes that json_free() releases.
 */
#ifndef ELMO_JSON_H
#define ELMO_JSON_H

#include <stddef.h>

/* Deeper documents are refused: parsing recurses once per level. */
#define JSON_MAX_DEPTH 64

typedef enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_value json_value;
typedef struct json_member json_member;

struct json_value {
    json_type type;
    size_t pos; /* byte offset of the value in the input, for messages */
    union {
        struct {
            double value;
            int is_integer; /* written without fraction or exponent */
        } number;
        struct {
            char *chars; /* decoded UTF-8, NUL-terminated, may hold inner NULs */
            size_t len;
        } string;
        struct {
            json_value *items;
            size_t count;
        } array;
        struct {
            json_member *members;
            size_t count;
        } object;
    } u;
};

struct json_member {
    char *key; /* decoded, NUL-terminated */
    size_t key_len;
    json_value value;
};

/*
 * Parses text[0 .. len). Returns the root (to free with json_free) or NULL,
 * with a message naming the byte position in err[err_size]; a NULL return
 * with an empty message means out of memory.
 */
json_value *json_parse(const char *text, size_t len, char *err, size_t err_size);

void json_free(json_value *root);

/* The value of the first member called key, or NULL (also when obj is not an object). */
const json_value *json_object_get(const json_value *obj, const char *key);

#endif /* ELMO_JSON_H */
