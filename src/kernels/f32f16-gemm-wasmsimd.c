/*
 * f32f16-gemm-wasmsimd.c — the float16-weight GEMM of gemm.h in wasm SIMD128,
 * reading half the bytes of float panels. One 16-byte load holds a panel
 * row of 8 halves; it widens to 8 floats in registers as elmo_f16_to_f32
 * does it, and every element is then formed as the float kernel forms it,
 * so the results are the float kernel's on the widened weights, bit for bit.
 *
 * Widening costs about as much as the multiply-adds it feeds (V8 on x64),
 * hence f32w16-gemm-wasmsimd.h's split by rows: from 8 rows each block is
 * widened once for all rows (256×256×256: 32 GFLOP/s instead of 20 with the
 * tiles on the halves, the float kernel's 34).
 */
#include "gemm.h"
#include "simd-tile.h"

typedef uint16_t tile_weight;

/* Halves sign-extended to 32 bits and shifted left by 13 hold the sign in
 * bits 31..28 and the exponent and mantissa in bits 27..13; keeping bit 31
 * and bits 27..0 gives elmo_f16_to_f32's float before its factor 2^112. */
static inline v128_t widen4(v128_t extended) {
    const v128_t bits = wasm_v128_and(wasm_i32x4_shl(extended, 13), wasm_i32x4_splat(INT32_MIN | 0x0fffffff));
    return wasm_f32x4_mul(bits, wasm_f32x4_splat(0x1p112f));
}

/* A panel row: 8 halves, one load, widened to floats. */
static inline tile_row load_row8(const uint16_t *w) {
    const v128_t h = wasm_v128_load(w);
    return (tile_row){widen4(wasm_i32x4_extend_low_i16x8(h)), widen4(wasm_i32x4_extend_high_i16x8(h))};
}

#include "f32-gemm-wasmsimd-tiles.h"
#include "f32w16-gemm-wasmsimd.h"

void elmo_f32f16_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                const uint16_t *restrict b_packed, const float *restrict bias,
                                float *restrict c, size_t ldc, int accumulate) {
    w16_gemm(m, n, k, a, lda, b_packed, bias, c, ldc, accumulate);
}
