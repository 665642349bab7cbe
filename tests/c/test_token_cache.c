/*
 * test_token_cache.c — the LRU cache of token vectors: recency order and
 * eviction, pending entries that are never evicted, and a forward pass with
 * the cache (large, tiny, warm) equal bit for bit to one without it.
 */
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "model_builder.h"
#include "test_util.h"
#include "token_cache.h"

static int32_t find(elmo_token_cache *c, const char *word) {
    return elmo_token_cache_find(c, ELMO_TOKEN_BYTES, (const uint8_t *)word, strlen(word));
}

static int32_t claim(elmo_token_cache *c, const char *word, int32_t miss) {
    return elmo_token_cache_claim(c, ELMO_TOKEN_BYTES, (const uint8_t *)word, strlen(word), miss);
}

static void test_lru(void) {
    elmo_token_cache *c = elmo_token_cache_create(3, 8, 2);
    CHECK(find(c, "a") < 0, "empty cache");
    const int32_t a = claim(c, "a", 0), b = claim(c, "b", 1), x = claim(c, "c", 2);
    CHECK(a >= 0 && b >= 0 && x >= 0, "three entries");
    CHECK(elmo_token_cache_pending(c, b) == 1, "pending until settled");
    CHECK(claim(c, "d", 3) < 0, "every entry pending: nothing to evict");
    elmo_token_cache_vector(c, a)[0] = 1.5f;
    elmo_token_cache_settle(c);
    CHECK(elmo_token_cache_pending(c, b) == -1, "settled");
    CHECK(find(c, "a") == a && elmo_token_cache_vector(c, a)[0] == 1.5f, "hit keeps the vector");
    CHECK(elmo_token_cache_find(c, ELMO_TOKEN_BOS, (const uint8_t *)"a", 1) < 0, "kind is part of the key");
    CHECK(find(c, "ab") < 0 && find(c, "") < 0, "length is part of the key");
    const int32_t d = claim(c, "d", 0); /* b is now the least recently used */
    CHECK(d == b, "evicts the least recently used entry (%d, want %d)", (int)d, (int)b);
    elmo_token_cache_settle(c);
    CHECK(find(c, "b") < 0 && find(c, "a") == a && find(c, "c") == x && find(c, "d") == d, "after eviction");
    CHECK(elmo_token_cache_find(c, ELMO_TOKEN_EOS, NULL, 0) < 0, "boundary miss");
    const int32_t eos = elmo_token_cache_claim(c, ELMO_TOKEN_EOS, NULL, 0, 0);
    elmo_token_cache_settle(c);
    CHECK(eos >= 0 && elmo_token_cache_find(c, ELMO_TOKEN_EOS, NULL, 0) == eos, "boundary hit");
    uint64_t hits, misses;
    elmo_token_cache_counts(c, &hits, &misses);
    CHECK(hits == 5 && misses == 6, "counts %llu hits %llu misses", (unsigned long long)hits, (unsigned long long)misses);
    elmo_token_cache_free(c);
}

static float *embed(elmo_context *ctx, const elmo_model *model, const uint8_t *bytes, const uint32_t *offsets,
                    const int32_t *lengths, int32_t n, size_t *n_out) {
    *n_out = elmo_output_floats(model, lengths, n, 0);
    float *out = malloc(*n_out * sizeof(float));
    elmo_status st = elmo_embed(ctx, bytes, offsets, lengths, n, 0, out, *n_out);
    CHECK(st == ELMO_STATUS_OK, "embed: %s", elmo_context_last_error(ctx));
    return out;
}

static void test_forward(void) {
    test_model_spec spec = {.char_dim = 3, .n_characters = 262, .max_chars = 8, .n_filters = 2,
                            .filter_width = {1, 3}, .filter_count = {6, 9}, .n_highway = 1, .activation = "relu",
                            .lstm_dim = 8, .proj_dim = 5, .n_layers = 2, .cell_clip = 3, .proj_clip = 3,
                            .use_skip_connections = 1, .seed = 5, .weight_scale = 0.5f};
    test_model tm;
    elmo_model *model = test_model_build_and_load(&spec, &tm);
    CHECK(model != NULL, "build and load the test model");
    if (!model) return;
    /* Repeats within and across sentences; "longword1" and "longword2" share the 6 bytes the ids see. */
    const char *words[] = {"the", "cat", "the", "mat", "longword1", "longword2", "the", "a", "cat", "é", "é"};
    const int32_t lengths[] = {4, 0, 5, 2};
    uint8_t bytes[128];
    uint32_t offsets[16] = {0};
    for (size_t i = 0, at = 0; i < 11; i++) {
        memcpy(bytes + at, words[i], strlen(words[i]));
        at += strlen(words[i]);
        offsets[i + 1] = (uint32_t)at;
    }
    elmo_context *plain = elmo_context_create(model), *cached = elmo_context_create(model);
    elmo_context *tiny = elmo_context_create(model);
    CHECK(elmo_context_set_token_cache(plain, 0) == ELMO_STATUS_OK, "cache off");
    CHECK(elmo_context_set_token_cache(tiny, 2) == ELMO_STATUS_OK, "tiny cache");
    CHECK(elmo_context_set_token_cache(tiny, -1) == ELMO_STATUS_INVALID_ARGUMENT &&
              elmo_context_set_token_cache(tiny, ELMO_MAX_TOKEN_CACHE + 1) == ELMO_STATUS_INVALID_ARGUMENT,
          "sizes outside 0..ELMO_MAX_TOKEN_CACHE are refused");
    CHECK(elmo_context_set_token_cache(tiny, 2) == ELMO_STATUS_OK, "tiny cache again");
    size_t n, n2;
    float *want = embed(plain, model, bytes, offsets, lengths, 4, &n);
    for (int round = 0; round < 2; round++) {
        float *got = embed(cached, model, bytes, offsets, lengths, 4, &n2);
        CHECK(n2 == n && memcmp(got, want, n * sizeof(float)) == 0, "cached, round %d: not the same bits", round);
        free(got);
        got = embed(tiny, model, bytes, offsets, lengths, 4, &n2);
        CHECK(memcmp(got, want, n * sizeof(float)) == 0, "2-entry cache, round %d: not the same bits", round);
        free(got);
    }
    /* 11 tokens + 8 boundaries = 19 lookups a round. The first misses <S>, </S>, the, cat, mat,
     * longword1, a and é (8) and finds the rest (11: "longword2" has longword1's ids); the
     * second round finds all 19. */
    double counts[2];
    elmo_context_token_cache_counts(cached, counts);
    CHECK(counts[0] == 11 + 19 && counts[1] == 8, "counts: %g hits, %g misses", counts[0], counts[1]);
    elmo_context_token_cache_counts(plain, counts);
    CHECK(counts[0] == 0 && counts[1] == 0, "no cache, no counts");
    free(want);
    elmo_context_free(plain);
    elmo_context_free(cached);
    elmo_context_free(tiny);
    elmo_model_free(model);
    test_model_free(&tm);
}

int main(void) {
    test_lru();
    test_forward();
    return test_report("test_token_cache");
}
