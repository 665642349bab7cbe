/*
 * f32i8-gemm-wasmsimd.c — the int8-weight GEMM of gemm.h in wasm SIMD128.
 * Activations are quantized to int16 chunk by chunk; a row pair of a weight
 * panel (16 int8) is widened to two i16x8 and multiplied with a splat of the
 * row's two int16 activations by i32x4.dot_i16x8_s: 16 multiply-adds in 5
 * instructions, exact in int32, from a quarter of the float bytes. Tiles:
 * 4 rows × 8 columns (one panel), and for the rows left over 1 × 32 (the
 * GEMV of the LSTM's recurrent step).
 */
#include "gemm.h"
#include "simd-tile.h"

#include <string.h>

/* c[0..valid) += (s * scale) * float(sum), as the scalar spec does it. */
static inline void add_scaled4(float *c, const float *scale, float s, v128_t sum, size_t valid) {
    if (valid == 0) return;
    const v128_t factor = wasm_f32x4_mul(wasm_f32x4_splat(s), wasm_v128_load(scale));
    const v128_t update = wasm_f32x4_mul(factor, wasm_f32x4_convert_i32x4(sum));
    store_upto4(c, wasm_f32x4_add(load_upto4(c, valid), update), valid);
}

#define DOTADD(acc, x, w) (acc) = wasm_i32x4_add((acc), wasm_i32x4_dot_i16x8((x), (w)))

/* Rows 0..3 (their quantized chunks aq[r], scales s[r]), one panel of `cols` columns. */
static inline void tile_4x8(size_t pairs, int16_t aq[4][ELMO_I8_CHUNK], const float s[4], const int8_t *w,
                            const float *scale, float *c, size_t ldc, size_t cols) {
    v128_t a0l = wasm_i32x4_splat(0), a0h = a0l, a1l = a0l, a1h = a0l, a2l = a0l, a2h = a0l, a3l = a0l, a3h = a0l;
    for (size_t t = 0; t < pairs; t++, w += 2 * ELMO_PANEL_WIDTH) {
        const v128_t q = wasm_v128_load(w);
        const v128_t ql = wasm_i16x8_extend_low_i8x16(q), qh = wasm_i16x8_extend_high_i8x16(q);
        const v128_t x0 = wasm_v128_load32_splat(aq[0] + 2 * t), x1 = wasm_v128_load32_splat(aq[1] + 2 * t);
        const v128_t x2 = wasm_v128_load32_splat(aq[2] + 2 * t), x3 = wasm_v128_load32_splat(aq[3] + 2 * t);
        DOTADD(a0l, x0, ql);
        DOTADD(a0h, x0, qh);
        DOTADD(a1l, x1, ql);
        DOTADD(a1h, x1, qh);
        DOTADD(a2l, x2, ql);
        DOTADD(a2h, x2, qh);
        DOTADD(a3l, x3, ql);
        DOTADD(a3h, x3, qh);
    }
    const v128_t sums[4][2] = {{a0l, a0h}, {a1l, a1h}, {a2l, a2h}, {a3l, a3h}};
    for (size_t r = 0; r < 4; r++) {
        if (s[r] == 0.0f) continue; /* an all-zero chunk adds nothing, as in the spec */
        add_scaled4(c + r * ldc, scale, s[r], sums[r][0], clamp4(cols, 0));
        add_scaled4(c + r * ldc + 4, scale + 4, s[r], sums[r][1], clamp4(cols, 4));
    }
}

/* One row's quantized chunk, up to four panels from w (panel stride `panel` bytes), `cols` <= 32. */
static inline void tile_1x32(size_t pairs, const int16_t *aq, float s, const int8_t *w, size_t panel,
                             const float *scale, float *c, size_t cols) {
    const size_t n_panels = (cols + ELMO_PANEL_WIDTH - 1) / ELMO_PANEL_WIDTH;
    v128_t acc[8];
    for (size_t g = 0; g < 8; g++) acc[g] = wasm_i32x4_splat(0);
    if (n_panels == 4) {
        v128_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3], s4 = acc[4], s5 = acc[5], s6 = acc[6], s7 = acc[7];
        const int8_t *w1 = w + panel, *w2 = w1 + panel, *w3 = w2 + panel;
        for (size_t t = 0; t < pairs; t++) {
            const size_t at = t * 2 * ELMO_PANEL_WIDTH;
            const v128_t x = wasm_v128_load32_splat(aq + 2 * t);
            const v128_t q0 = wasm_v128_load(w + at), q1 = wasm_v128_load(w1 + at);
            const v128_t q2 = wasm_v128_load(w2 + at), q3 = wasm_v128_load(w3 + at);
            DOTADD(s0, x, wasm_i16x8_extend_low_i8x16(q0));
            DOTADD(s1, x, wasm_i16x8_extend_high_i8x16(q0));
            DOTADD(s2, x, wasm_i16x8_extend_low_i8x16(q1));
            DOTADD(s3, x, wasm_i16x8_extend_high_i8x16(q1));
            DOTADD(s4, x, wasm_i16x8_extend_low_i8x16(q2));
            DOTADD(s5, x, wasm_i16x8_extend_high_i8x16(q2));
            DOTADD(s6, x, wasm_i16x8_extend_low_i8x16(q3));
            DOTADD(s7, x, wasm_i16x8_extend_high_i8x16(q3));
        }
        acc[0] = s0, acc[1] = s1, acc[2] = s2, acc[3] = s3, acc[4] = s4, acc[5] = s5, acc[6] = s6, acc[7] = s7;
    } else {
        for (size_t g = 0; g < n_panels; g++) {
            v128_t lo = acc[2 * g], hi = acc[2 * g + 1];
            const int8_t *wg = w + g * panel;
            for (size_t t = 0; t < pairs; t++) {
                const v128_t x = wasm_v128_load32_splat(aq + 2 * t);
                const v128_t q = wasm_v128_load(wg + t * 2 * ELMO_PANEL_WIDTH);
                DOTADD(lo, x, wasm_i16x8_extend_low_i8x16(q));
                DOTADD(hi, x, wasm_i16x8_extend_high_i8x16(q));
            }
            acc[2 * g] = lo, acc[2 * g + 1] = hi;
        }
    }
    for (size_t g = 0; g < 8; g++) add_scaled4(c + 4 * g, scale + 4 * g, s, acc[g], clamp4(cols, 4 * g));
}

void elmo_f32i8_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                               const int8_t *restrict q_packed, const float *restrict scale,
                               const float *restrict bias, float *restrict c, size_t ldc, int accumulate) {
    const size_t panel = (k + (k & 1)) * ELMO_PANEL_WIDTH; /* bytes of one panel */
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j += 4) {
            const size_t valid = clamp4(n, j);
            store_upto4(c + i * ldc + j, start4(c + i * ldc + j, bias ? bias + j : NULL, valid, accumulate), valid);
        }
    int16_t aq[4][ELMO_I8_CHUNK];
    float s[4];
    for (size_t i = 0; i < m;) {
        /* Groups of up to 4 rows read the weights once; a group of 2 or 3
         * runs the 4-row tile with its missing rows at s = 0, which it skips. */
        const size_t rows = m - i >= 4 ? 4 : m - i;
        for (size_t p0 = 0; p0 < k; p0 += ELMO_I8_CHUNK) {
            const size_t len = k - p0 < ELMO_I8_CHUNK ? k - p0 : ELMO_I8_CHUNK, pairs = (len + 1) / 2;
            for (size_t r = 0; r < 4; r++) {
                if (r < rows) {
                    s[r] = elmo_i16_quantize(a + (i + r) * lda + p0, len, aq[r]);
                } else {
                    s[r] = 0.0f;
                    memset(aq[r], 0, sizeof aq[r]);
                }
            }
            const int8_t *w = q_packed + p0 * ELMO_PANEL_WIDTH; /* row pair p0 / 2 of the first panel */
            if (rows > 1) {
                if (s[0] == 0.0f && s[1] == 0.0f && s[2] == 0.0f && s[3] == 0.0f) continue;
                for (size_t j0 = 0; j0 < n; j0 += ELMO_PANEL_WIDTH)
                    tile_4x8(pairs, aq, s, w + (j0 / ELMO_PANEL_WIDTH) * panel, scale + j0, c + i * ldc + j0, ldc,
                             n - j0 < ELMO_PANEL_WIDTH ? n - j0 : ELMO_PANEL_WIDTH);
            } else if (s[0] != 0.0f) {
                for (size_t j0 = 0; j0 < n; j0 += 4 * ELMO_PANEL_WIDTH)
                    tile_1x32(pairs, aq[0], s[0], w + (j0 / ELMO_PANEL_WIDTH) * panel, panel, scale + j0,
                              c + i * ldc + j0, n - j0 < 4 * ELMO_PANEL_WIDTH ? n - j0 : 4 * ELMO_PANEL_WIDTH);
            }
        }
        i += rows;
    }
}
