/*
 * token_cache.h — an LRU cache of context-free token vectors (layer 0),
 * keyed by what determines them: the token's bytes as the char ids see them
 * (cut at max_chars - 2) or a sentence boundary. A token's vector does not
 * depend on the rest of the batch (every GEMM row is computed alone), so a
 * cached vector is the very one the encoder would give: real text repeats
 * most of its words, and the char CNN and highways are most of a small
 * model's cost.
 *
 * Within one batch, a token seen for the first time gets an entry marked
 * pending with the index of the miss that will compute it; later positions
 * of the same token copy from that miss. elmo_token_cache_settle() ends the
 * batch. Pending entries are never evicted, so a batch with more distinct
 * new tokens than the cache holds simply leaves the rest uncached.
 */
#ifndef ELMO_TOKEN_CACHE_H
#define ELMO_TOKEN_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct elmo_token_cache elmo_token_cache;

/* What a key is: a token's bytes, or one of the boundary tokens. */
typedef enum elmo_token_kind { ELMO_TOKEN_BYTES, ELMO_TOKEN_BOS, ELMO_TOKEN_EOS } elmo_token_kind;

/* NULL when out of memory. Keys longer than key_capacity bytes must be cut by the caller. */
elmo_token_cache *elmo_token_cache_create(size_t max_entries, size_t key_capacity, size_t dim);
void elmo_token_cache_free(elmo_token_cache *cache);

/* The entry holding this key (now the most recently used), or -1. */
int32_t elmo_token_cache_find(elmo_token_cache *cache, elmo_token_kind kind, const uint8_t *key, size_t len);

/* A new entry for this key, pending for miss `miss` (the least recently used
 * settled entry is evicted for it), or -1 when every entry is pending. */
int32_t elmo_token_cache_claim(elmo_token_cache *cache, elmo_token_kind kind, const uint8_t *key, size_t len,
                               int32_t miss);

/* The miss an entry waits for, or -1 when its vector is there. */
int32_t elmo_token_cache_pending(const elmo_token_cache *cache, int32_t entry);

/* The entry's dim floats. */
float *elmo_token_cache_vector(elmo_token_cache *cache, int32_t entry);

/* Marks every pending entry as filled: call once their vectors are written. */
void elmo_token_cache_settle(elmo_token_cache *cache);

/* Lookups that found a filled or pending entry, and those that did not, since creation. */
void elmo_token_cache_counts(const elmo_token_cache *cache, uint64_t *hits, uint64_t *misses);

#endif /* ELMO_TOKEN_CACHE_H */
