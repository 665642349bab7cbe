/*
 * gemm-i8-wasmsimd.c — the int8-weight GEMM of gemm.h in wasm SIMD128. Each
 * panel row's 8 int8 are widened to two f32x4 (load8x8, extend, convert)
 * and used as the float kernels use theirs; the column scale multiplies the
 * sum once at the end. The weights stream at a quarter of the float bytes,
 * which is what the memory-bound GEMV of a large LSTM needs; in 4-row tiles
 * the widening is shared by the 4 rows.
 */
#include "gemm.h"
#include "simd-tile.h"

/*
 * int32 to float exactly, for |x| < 2^22: the bits 0x4B400000 + x are the
 * float 1.5 * 2^23 + x, and subtracting 1.5 * 2^23 leaves x. (LLVM 14 folds
 * extend + f32x4.convert_i32x4 into a conversion from i16 that it then does
 * one lane at a time, which made this kernel 5x slower than the float one.)
 */
static inline v128_t exact_float(v128_t x) {
    const v128_t biased = wasm_i32x4_add(x, wasm_i32x4_splat(0x4B400000));
    return wasm_f32x4_sub(biased, wasm_f32x4_splat(12582912.0f));
}

static inline void widen8(const int8_t *q, v128_t *lo, v128_t *hi) {
    const v128_t q16 = wasm_i16x8_load8x8(q);
    *lo = exact_float(wasm_i32x4_extend_low_i16x8(q16));
    *hi = exact_float(wasm_i32x4_extend_high_i16x8(q16));
}

/* start + scale * sum, stored; scales are padded to whole panels, so they load whole. */
static inline void finish4(float *c, const float *bias, const float *scale, v128_t sum, size_t valid,
                           int accumulate) {
    if (valid == 0) return;
    const v128_t start = start4(c, bias, valid, accumulate);
    store_upto4(c, wasm_f32x4_add(start, wasm_f32x4_mul(wasm_v128_load(scale), sum)), valid);
}

/* Rows 0..3 of a, columns 0..cols-1 (cols <= 8) of one panel q. */
static inline void tile_4x8(size_t k, const float *a, size_t lda, const int8_t *q, const float *scale,
                            const float *bias, float *c, size_t ldc, size_t cols, int accumulate) {
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda;
    v128_t s0l = wasm_f32x4_splat(0.0f), s0h = s0l, s1l = s0l, s1h = s0l, s2l = s0l, s2h = s0l, s3l = s0l,
           s3h = s0l;
    for (size_t p = 0; p < k; p++, q += ELMO_PANEL_WIDTH) {
        v128_t wl, wh;
        widen8(q, &wl, &wh);
        const v128_t x0 = wasm_f32x4_splat(a0[p]), x1 = wasm_f32x4_splat(a1[p]);
        const v128_t x2 = wasm_f32x4_splat(a2[p]), x3 = wasm_f32x4_splat(a3[p]);
        MULADD(s0l, x0, wl);
        MULADD(s0h, x0, wh);
        MULADD(s1l, x1, wl);
        MULADD(s1h, x1, wh);
        MULADD(s2l, x2, wl);
        MULADD(s2h, x2, wh);
        MULADD(s3l, x3, wl);
        MULADD(s3h, x3, wh);
    }
    const size_t lo = clamp4(cols, 0), hi = clamp4(cols, 4);
    const float *bias_hi = bias ? bias + 4 : NULL;
    const v128_t sums[4][2] = {{s0l, s0h}, {s1l, s1h}, {s2l, s2h}, {s3l, s3h}};
    for (size_t r = 0; r < 4; r++) {
        finish4(c + r * ldc, bias, scale, sums[r][0], lo, accumulate);
        finish4(c + r * ldc + 4, bias_hi, scale + 4, sums[r][1], hi, accumulate);
    }
}

/* One row of a, columns 0..cols-1 (cols <= 16) of the panels q0 and q0 + 8k. */
static inline void tile_1x16(size_t k, const float *a, const int8_t *q0, const float *scale, const float *bias,
                             float *c, size_t cols, int accumulate) {
    const int8_t *q1 = q0 + ELMO_PANEL_WIDTH * k;
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
    if (cols > ELMO_PANEL_WIDTH) {
        for (size_t p = 0; p < k; p++, q0 += ELMO_PANEL_WIDTH, q1 += ELMO_PANEL_WIDTH) {
            const v128_t x = wasm_f32x4_splat(a[p]);
            v128_t w0, w1, w2, w3;
            widen8(q0, &w0, &w1);
            widen8(q1, &w2, &w3);
            MULADD(s0, x, w0);
            MULADD(s1, x, w1);
            MULADD(s2, x, w2);
            MULADD(s3, x, w3);
        }
    } else {
        for (size_t p = 0; p < k; p++, q0 += ELMO_PANEL_WIDTH) {
            const v128_t x = wasm_f32x4_splat(a[p]);
            v128_t w0, w1;
            widen8(q0, &w0, &w1);
            MULADD(s0, x, w0);
            MULADD(s1, x, w1);
        }
    }
    const v128_t sums[4] = {s0, s1, s2, s3};
    for (size_t g = 0; g < 4; g++)
        finish4(c + 4 * g, bias ? bias + 4 * g : NULL, scale + 4 * g, sums[g], clamp4(cols, 4 * g), accumulate);
}

void elmo_f32i8_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                               const int8_t *restrict q_packed, const float *restrict scale,
                               const float *restrict bias, float *restrict c, size_t ldc, int accumulate) {
    const size_t m4 = m / 4 * 4;
    for (size_t j0 = 0; j0 < n; j0 += 2 * ELMO_PANEL_WIDTH) {
        const size_t cols = n - j0 < 2 * ELMO_PANEL_WIDTH ? n - j0 : 2 * ELMO_PANEL_WIDTH;
        const int8_t *q = q_packed + j0 * k;
        const float *bias_j = bias ? bias + j0 : NULL;
        for (size_t i = 0; i < m4; i += 4) {
            float *c_ij = c + i * ldc + j0;
            tile_4x8(k, a + i * lda, lda, q, scale + j0, bias_j, c_ij, ldc, cols < 8 ? cols : 8, accumulate);
            if (cols > ELMO_PANEL_WIDTH)
                tile_4x8(k, a + i * lda, lda, q + ELMO_PANEL_WIDTH * k, scale + j0 + 8, bias_j ? bias_j + 8 : NULL,
                         c_ij + 8, ldc, cols - 8, accumulate);
        }
        for (size_t i = m4; i < m; i++)
            tile_1x16(k, a + i * lda, q, scale + j0, bias_j, c + i * ldc + j0, cols, accumulate);
    }
}
