/*
 * f32bf16-gemm-wasmsimd.c — the bfloat16-weight GEMM of gemm.h in wasm
 * SIMD128, reading half the bytes of float panels. One 16-byte load holds a
 * panel row of 8 bfloat16s; as each is a float's top 16 bits, one i16x8
 * shuffle per 4 floats widens them exactly (a zero below each element),
 * where float16 takes about 8 operations per 8 weights. Every element is
 * then formed as the float kernel forms it, so the results are the float
 * kernel's on the widened weights, bit for bit.
 *
 * The split by rows (f32w16-gemm-wasmsimd.h) is float16's, not measured for
 * bfloat16, whose cheaper widening may pay for the tiles at more rows.
 */
#include "gemm.h"
#include "simd-tile.h"

typedef uint16_t tile_weight;

/* A panel row: 8 bfloat16s, one load. Float lane i is 16-bit lanes 2i (its
 * low bits: a zero) and 2i + 1 (the element), little-endian; the shuffle
 * numbers zero's lanes 0..7 and h's 8..15. */
static inline tile_row load_row8(const uint16_t *w) {
    const v128_t h = wasm_v128_load(w), zero = wasm_i32x4_splat(0);
    return (tile_row){wasm_i16x8_shuffle(zero, h, 0, 8, 1, 9, 2, 10, 3, 11),
                      wasm_i16x8_shuffle(zero, h, 4, 12, 5, 13, 6, 14, 7, 15)};
}

#include "f32-gemm-wasmsimd-tiles.h"
#include "f32w16-gemm-wasmsimd.h"

void elmo_f32bf16_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                 const uint16_t *restrict b_packed, const float *restrict bias,
                                 float *restrict c, size_t ldc, int accumulate) {
    w16_gemm(m, n, k, a, lda, b_packed, bias, c, ldc, accumulate);
}
