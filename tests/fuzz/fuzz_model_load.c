/*
 * fuzz_model_load.c — elmo_model_load() on arbitrary manifest bytes with a
 * fixed 48 KiB weights buffer: it must accept or refuse with a message,
 * never read outside the buffer or the text. A manifest it accepts is run:
 * a context is made and one short sentence embedded, so every tensor the
 * load mapped is read.
 */
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "fuzz_common.h"

enum { WEIGHTS_BYTES = 48 * 1024 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static float *weights;
    if (!weights) {
        /* Small values, so an accepted model computes finite numbers (UBSan checks float-to-int casts),
         * read as floats or as 16-bit floats (dtypes "float16", "bfloat16"): a float's high bits read
         * as a number below 0.25 in either format, and clearing bit 14 (the top bit of the exponent in
         * both) keeps its low bits below 2, so none reads as a huge number. */
        weights = aligned_alloc(64, WEIGHTS_BYTES);
        uint32_t rng = 1;
        for (size_t i = 0; i < WEIGHTS_BYTES / sizeof(float); i++) {
            const float x = 0.25f * test_random(&rng);
            uint32_t bits;
            memcpy(&bits, &x, sizeof bits);
            bits &= ~(uint32_t)0x4000;
            memcpy(&weights[i], &bits, sizeof bits);
        }
    }
    /* A copy of exactly size bytes: ASan sees any read past the text's end. */
    char *json = malloc(size ? size : 1);
    memcpy(json, data, size);
    elmo_model *model = elmo_model_create();
    const elmo_status st = elmo_model_load(model, json, size, weights, WEIGHTS_BYTES);
    if (st != ELMO_STATUS_OK && elmo_model_last_error(model)[0] == '\0') abort(); /* every refusal says why */
    if (st == ELMO_STATUS_OK) {
        elmo_context *ctx = elmo_context_create(model);
        if (ctx) {
            const uint8_t bytes[] = "bank";
            const uint32_t offsets[] = {0, 4};
            const int32_t lengths[] = {1};
            const size_t n = elmo_output_floats(model, lengths, 1, 0);
            float *out = malloc(n * sizeof(float));
            if (elmo_embed(ctx, bytes, offsets, lengths, 1, 0, out, n) != ELMO_STATUS_OK) abort();
            free(out);
            elmo_context_free(ctx);
        }
    }
    elmo_model_free(model);
    free(json);
    return 0;
}
