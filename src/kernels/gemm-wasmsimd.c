/*
 * gemm-4x8-wasmsimd.c — GEMM with a 4-row × 8-column register tile (two v128
 * per row), A broadcast by splat; see gemm.h for the contract.
 *
 * Rows past m alias the last valid row (XNNPACK's trick) so the inner loop has
 * no row branches; they compute the same values and store to the same place.
 * Columns: blocks of 8, then one block of 4, then single scalar columns.
 */
#include "gemm.h"
#include "wasm-simd.h"

/* The start value of a tile row: C (when accumulating) or 0, plus bias. */
static inline v128_t tile_start(const float *c_row, const float *bias, int accumulate) {
    v128_t start = accumulate ? wasm_v128_load(c_row) : wasm_f32x4_splat(0.0f);
    return bias ? wasm_f32x4_add(start, wasm_v128_load(bias)) : start;
}

void elmo_f32_gemm_4x8__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                 const float *restrict b, size_t ldb, const float *restrict bias,
                                 float *restrict c, size_t ldc, int accumulate) {
    for (size_t i = 0; i < m; i += 4) {
        const size_t mr = m - i < 4 ? m - i : 4;
        const float *a0 = a + i * lda;
        const float *a1 = mr > 1 ? a0 + lda : a0;
        const float *a2 = mr > 2 ? a1 + lda : a1;
        const float *a3 = mr > 3 ? a2 + lda : a2;
        float *c0 = c + i * ldc;
        float *c1 = mr > 1 ? c0 + ldc : c0;
        float *c2 = mr > 2 ? c1 + ldc : c1;
        float *c3 = mr > 3 ? c2 + ldc : c2;

        size_t j = 0;
        for (; j + 8 <= n; j += 8) {
            const float *bias_j = bias ? bias + j : NULL;
            v128_t acc0l = tile_start(c0 + j, bias_j, accumulate);
            v128_t acc0h = tile_start(c0 + j + 4, bias_j ? bias_j + 4 : NULL, accumulate);
            v128_t acc1l = tile_start(c1 + j, bias_j, accumulate);
            v128_t acc1h = tile_start(c1 + j + 4, bias_j ? bias_j + 4 : NULL, accumulate);
            v128_t acc2l = tile_start(c2 + j, bias_j, accumulate);
            v128_t acc2h = tile_start(c2 + j + 4, bias_j ? bias_j + 4 : NULL, accumulate);
            v128_t acc3l = tile_start(c3 + j, bias_j, accumulate);
            v128_t acc3h = tile_start(c3 + j + 4, bias_j ? bias_j + 4 : NULL, accumulate);
            const float *b_p = b + j;
            for (size_t p = 0; p < k; p++, b_p += ldb) {
                const v128_t bl = wasm_v128_load(b_p);
                const v128_t bh = wasm_v128_load(b_p + 4);
                const v128_t va0 = wasm_f32x4_splat(a0[p]);
                const v128_t va1 = wasm_f32x4_splat(a1[p]);
                const v128_t va2 = wasm_f32x4_splat(a2[p]);
                const v128_t va3 = wasm_f32x4_splat(a3[p]);
                acc0l = wasm_f32x4_add(acc0l, wasm_f32x4_mul(va0, bl));
                acc0h = wasm_f32x4_add(acc0h, wasm_f32x4_mul(va0, bh));
                acc1l = wasm_f32x4_add(acc1l, wasm_f32x4_mul(va1, bl));
                acc1h = wasm_f32x4_add(acc1h, wasm_f32x4_mul(va1, bh));
                acc2l = wasm_f32x4_add(acc2l, wasm_f32x4_mul(va2, bl));
                acc2h = wasm_f32x4_add(acc2h, wasm_f32x4_mul(va2, bh));
                acc3l = wasm_f32x4_add(acc3l, wasm_f32x4_mul(va3, bl));
                acc3h = wasm_f32x4_add(acc3h, wasm_f32x4_mul(va3, bh));
            }
            wasm_v128_store(c3 + j, acc3l);
            wasm_v128_store(c3 + j + 4, acc3h);
            wasm_v128_store(c2 + j, acc2l);
            wasm_v128_store(c2 + j + 4, acc2h);
            wasm_v128_store(c1 + j, acc1l);
            wasm_v128_store(c1 + j + 4, acc1h);
            wasm_v128_store(c0 + j, acc0l);
            wasm_v128_store(c0 + j + 4, acc0h);
        }
        if (j + 4 <= n) {
            const float *bias_j = bias ? bias + j : NULL;
            v128_t acc0 = tile_start(c0 + j, bias_j, accumulate);
            v128_t acc1 = tile_start(c1 + j, bias_j, accumulate);
            v128_t acc2 = tile_start(c2 + j, bias_j, accumulate);
            v128_t acc3 = tile_start(c3 + j, bias_j, accumulate);
            const float *b_p = b + j;
            for (size_t p = 0; p < k; p++, b_p += ldb) {
                const v128_t vb = wasm_v128_load(b_p);
                acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_f32x4_splat(a0[p]), vb));
                acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_f32x4_splat(a1[p]), vb));
                acc2 = wasm_f32x4_add(acc2, wasm_f32x4_mul(wasm_f32x4_splat(a2[p]), vb));
                acc3 = wasm_f32x4_add(acc3, wasm_f32x4_mul(wasm_f32x4_splat(a3[p]), vb));
            }
            wasm_v128_store(c3 + j, acc3);
            wasm_v128_store(c2 + j, acc2);
            wasm_v128_store(c1 + j, acc1);
            wasm_v128_store(c0 + j, acc0);
            j += 4;
        }
        for (; j < n; j++) {
            float start0 = accumulate ? c0[j] : 0.0f;
            float start1 = accumulate ? c1[j] : 0.0f;
            float start2 = accumulate ? c2[j] : 0.0f;
            float start3 = accumulate ? c3[j] : 0.0f;
            float acc0 = bias ? start0 + bias[j] : start0;
            float acc1 = bias ? start1 + bias[j] : start1;
            float acc2 = bias ? start2 + bias[j] : start2;
            float acc3 = bias ? start3 + bias[j] : start3;
            const float *b_p = b + j;
            for (size_t p = 0; p < k; p++, b_p += ldb) {
                acc0 += a0[p] * *b_p;
                acc1 += a1[p] * *b_p;
                acc2 += a2[p] * *b_p;
                acc3 += a3[p] * *b_p;
            }
            c3[j] = acc3;
            c2[j] = acc2;
            c1[j] = acc1;
            c0[j] = acc0;
        }
    }
}
