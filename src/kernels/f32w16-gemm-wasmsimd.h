/*
 * f32w16-gemm-wasmsimd.h — the wasm SIMD128 GEMM on 16-bit float weights
 * (float16, bfloat16) of gemm.h, whatever the format: included once, after
 * f32-gemm-wasmsimd-tiles.h, by a kernel source whose load_row8() widens a
 * panel row of 8 such weights to floats, exactly.
 *
 * - under 8 rows (the LSTM's recurrent GEMV), the float kernel's tiles run on
 *   the 16-bit panels, widening each panel row in registers once per 4-row
 *   tile or leftover row;
 * - from 8 rows, elmo_f32_gemm_widened() widens each 32-column block, 128
 *   rows at a time, into a float block on the stack (16 KiB, in L1), and the
 *   float kernel runs on it for every row: the widening is paid once, not
 *   once per 4 rows.
 * Either way the weights are read once per call, and every element is formed
 * as the float kernel forms it.
 */

/* From this many rows of A on, blocks are widened once for all of them. */
#define WIDEN_ONCE_MIN_ROWS 8

/* count weights (a multiple of 8: whole panel rows) to floats. */
static void widen_wasmsimd(const uint16_t *h, size_t count, float *out) {
    for (size_t i = 0; i < count; i += ELMO_PANEL_WIDTH) {
        const tile_row row = load_row8(h + i);
        wasm_v128_store(out + i, row.lo);
        wasm_v128_store(out + i + 4, row.hi);
    }
}

static void w16_gemm(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                     const uint16_t *restrict b_packed, const float *restrict bias, float *restrict c, size_t ldc,
                     int accumulate) {
    if (m < WIDEN_ONCE_MIN_ROWS)
        tiles_gemm(m, n, k, a, lda, b_packed, bias, c, ldc, accumulate);
    else
        elmo_f32_gemm_widened(m, n, k, a, lda, b_packed, bias, c, ldc, accumulate, elmo_f32_gemm__wasmsimd,
                              widen_wasmsimd);
}
