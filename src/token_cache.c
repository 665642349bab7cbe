/* token_cache.c — see token_cache.h. A chained hash table over a fixed array
 * of entries, with a doubly linked list in recency order; all memory is
 * allocated at creation. */
#include "token_cache.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    uint32_t hash;
    uint32_t len;
    int32_t kind;     /* elmo_token_kind, or -1 when the entry is free */
    int32_t pending;  /* miss index, or -1 */
    int32_t chain;    /* next entry in the same bucket, or -1 */
    int32_t newer, older;
} entry;

struct elmo_token_cache {
    size_t n_entries, key_capacity, dim, n_buckets;
    entry *entries;
    int32_t *buckets;     /* first entry of each bucket, or -1 */
    uint8_t *keys;        /* n_entries * key_capacity */
    float *vectors;       /* n_entries * dim */
    int32_t newest, oldest;
    int32_t *pending;     /* entries pending in this batch */
    size_t n_pending;
    uint64_t hits, misses;
};

static uint32_t hash_key(elmo_token_kind kind, const uint8_t *key, size_t len) {
    uint32_t h = 2166136261u ^ (uint32_t)kind; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ key[i]) * 16777619u;
    return h;
}

elmo_token_cache *elmo_token_cache_create(size_t max_entries, size_t key_capacity, size_t dim) {
    if (max_entries == 0 || max_entries > INT32_MAX / 2) return NULL;
    elmo_token_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->n_entries = max_entries;
    c->key_capacity = key_capacity;
    c->dim = dim;
    c->n_buckets = 2 * max_entries;
    c->entries = malloc(max_entries * sizeof *c->entries);
    c->buckets = malloc(c->n_buckets * sizeof *c->buckets);
    c->keys = malloc(max_entries * (key_capacity ? key_capacity : 1));
    c->vectors = malloc(max_entries * dim * sizeof(float));
    c->pending = malloc(max_entries * sizeof *c->pending);
    if (!c->entries || !c->buckets || !c->keys || !c->vectors || !c->pending) {
        elmo_token_cache_free(c);
        return NULL;
    }
    for (size_t b = 0; b < c->n_buckets; b++) c->buckets[b] = -1;
    /* Free entries sit in the recency list too, as the oldest: claim takes them first. */
    for (size_t i = 0; i < max_entries; i++)
        c->entries[i] = (entry){0, 0, -1, -1, -1, i > 0 ? (int32_t)i - 1 : -1,
                                i + 1 < max_entries ? (int32_t)i + 1 : -1};
    c->newest = 0;
    c->oldest = (int32_t)max_entries - 1;
    return c;
}

void elmo_token_cache_free(elmo_token_cache *c) {
    if (!c) return;
    free(c->entries);
    free(c->buckets);
    free(c->keys);
    free(c->vectors);
    free(c->pending);
    free(c);
}

static void unlink_recency(elmo_token_cache *c, int32_t i) {
    entry *e = &c->entries[i];
    if (e->newer >= 0) c->entries[e->newer].older = e->older;
    else c->newest = e->older;
    if (e->older >= 0) c->entries[e->older].newer = e->newer;
    else c->oldest = e->newer;
}

static void make_newest(elmo_token_cache *c, int32_t i) {
    if (c->newest == i) return;
    unlink_recency(c, i);
    entry *e = &c->entries[i];
    e->newer = -1;
    e->older = c->newest;
    c->entries[c->newest].newer = i;
    c->newest = i;
}

int32_t elmo_token_cache_find(elmo_token_cache *c, elmo_token_kind kind, const uint8_t *key, size_t len) {
    const uint32_t h = hash_key(kind, key, len);
    for (int32_t i = c->buckets[h % c->n_buckets]; i >= 0; i = c->entries[i].chain) {
        const entry *e = &c->entries[i];
        if (e->hash == h && e->kind == (int32_t)kind && e->len == len &&
            (len == 0 || memcmp(c->keys + (size_t)i * c->key_capacity, key, len) == 0)) {
            make_newest(c, i);
            c->hits++;
            return i;
        }
    }
    c->misses++;
    return -1;
}

static void unlink_bucket(elmo_token_cache *c, int32_t i) {
    int32_t *link = &c->buckets[c->entries[i].hash % c->n_buckets];
    while (*link != i) link = &c->entries[*link].chain;
    *link = c->entries[i].chain;
}

int32_t elmo_token_cache_claim(elmo_token_cache *c, elmo_token_kind kind, const uint8_t *key, size_t len,
                               int32_t miss) {
    const int32_t i = c->oldest;
    entry *e = &c->entries[i];
    if (e->pending >= 0) return -1; /* the oldest is pending, so every entry is */
    if (e->kind >= 0) unlink_bucket(c, i);
    const uint32_t h = hash_key(kind, key, len);
    *e = (entry){h, (uint32_t)len, (int32_t)kind, miss, c->buckets[h % c->n_buckets], e->newer, e->older};
    c->buckets[h % c->n_buckets] = i;
    if (len > 0) memcpy(c->keys + (size_t)i * c->key_capacity, key, len); /* boundaries have no bytes */
    make_newest(c, i);
    c->pending[c->n_pending++] = i;
    return i;
}

int32_t elmo_token_cache_pending(const elmo_token_cache *c, int32_t i) { return c->entries[i].pending; }

float *elmo_token_cache_vector(elmo_token_cache *c, int32_t i) { return c->vectors + (size_t)i * c->dim; }

void elmo_token_cache_settle(elmo_token_cache *c) {
    for (size_t p = 0; p < c->n_pending; p++) c->entries[c->pending[p]].pending = -1;
    c->n_pending = 0;
}

void elmo_token_cache_counts(const elmo_token_cache *c, uint64_t *hits, uint64_t *misses) {
    *hits = c->hits;
    *misses = c->misses;
}
