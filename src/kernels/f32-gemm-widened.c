/*
 * f32-gemm-widened.c — what the 16-bit float weights (float16, bfloat16)
 * share: a GEMM made of a float kernel, the weights widened a block at a
 * time onto the stack and the float kernel run on each block; and, for the
 * tests, their packer, given the rounding. See gemm.h.
 */
#include "gemm.h"

#include <string.h>

#if ELMO_TESTING
void elmo_pack_panels16(size_t k, size_t n, const float *b, size_t ldb, uint16_t (*round)(float), uint16_t *out) {
    for (size_t j0 = 0; j0 < n; j0 += ELMO_PANEL_WIDTH) {
        const size_t cols = n - j0 < ELMO_PANEL_WIDTH ? n - j0 : ELMO_PANEL_WIDTH;
        for (size_t p = 0; p < k; p++, out += ELMO_PANEL_WIDTH) {
            memset(out, 0, ELMO_PANEL_WIDTH * sizeof *out);
            for (size_t j = 0; j < cols; j++) out[j] = round(b[p * ldb + j0 + j]);
        }
    }
}
#endif

void elmo_f32_gemm_widened(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint16_t *b_packed,
                           const float *bias, float *c, size_t ldc, int accumulate, elmo_f32_gemm_fn kernel,
                           elmo_widen16_fn widen) {
    float block[ELMO_WIDEN_BLOCK_COLUMNS * ELMO_WIDEN_BLOCK_ROWS];
    for (size_t j0 = 0; j0 < n; j0 += ELMO_WIDEN_BLOCK_COLUMNS) {
        const size_t cols = n - j0 < ELMO_WIDEN_BLOCK_COLUMNS ? n - j0 : ELMO_WIDEN_BLOCK_COLUMNS;
        size_t p0 = 0;
        do { /* once at least, so that k = 0 still writes start + bias */
            const size_t rows = k - p0 < ELMO_WIDEN_BLOCK_ROWS ? k - p0 : ELMO_WIDEN_BLOCK_ROWS;
            /* Rows p0.. of the block's panels, themselves packed panels of `rows` rows. */
            for (size_t q = 0; q * ELMO_PANEL_WIDTH < cols; q++)
                widen(b_packed + (j0 + q * ELMO_PANEL_WIDTH) * k + p0 * ELMO_PANEL_WIDTH, rows * ELMO_PANEL_WIDTH,
                      block + q * ELMO_PANEL_WIDTH * rows);
            kernel(m, cols, rows, a + p0, lda, block, bias && p0 == 0 ? bias + j0 : NULL, c + j0, ldc,
                   p0 == 0 ? accumulate : 1);
            p0 += rows;
        } while (p0 < k);
    }
}
