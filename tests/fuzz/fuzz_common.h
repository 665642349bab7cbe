/*
 * fuzz_common.h — what the libFuzzer harnesses share: the small model they
 * run on (built in memory by tests/c/model_builder.c, so no fixture is
 * needed) and a reader that turns fuzz bytes into numbers.
 */
#ifndef ELMO_FUZZ_COMMON_H
#define ELMO_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "../c/model_builder.h"

/* The harnesses' model: 2 layers, skip connections, clips, a highway; weights under 48 KiB. */
static inline test_model_spec fuzz_model_spec(void) {
    test_model_spec spec = {.char_dim = 4, .n_characters = 262, .max_chars = 10, .n_filters = 3,
                            .filter_width = {1, 2, 3}, .filter_count = {4, 5, 7}, .n_highway = 1,
                            .activation = "relu", .lstm_dim = 8, .proj_dim = 4, .n_layers = 2,
                            .cell_clip = 3, .proj_clip = 3, .use_skip_connections = 1, .seed = 7,
                            .weight_scale = 0.5f};
    return spec;
}

/* Consumes fuzz bytes from the front; past the end every read is 0. */
typedef struct fuzz_reader {
    const uint8_t *data;
    size_t size;
} fuzz_reader;

static inline uint32_t fuzz_byte(fuzz_reader *r) {
    if (r->size == 0) return 0;
    r->size--;
    return *r->data++;
}

static inline uint32_t fuzz_u16(fuzz_reader *r) {
    uint32_t lo = fuzz_byte(r);
    return lo | fuzz_byte(r) << 8;
}

#endif
