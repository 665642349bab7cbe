/*
 * gemm-f16-wasmsimd.c — the float16-weight GEMM of gemm.h in wasm SIMD128:
 * the tiles of gemm-wasmsimd-tiles.h on panels of halves, half the bytes of
 * float panels. One 16-byte load holds a panel row; it widens to 8 floats in
 * registers as elmo_f16_to_f32 does it, so the results are the float
 * kernel's on the widened weights, bit for bit.
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

#define ELMO_TILES_GEMM elmo_f32f16_gemm__wasmsimd
#include "gemm-wasmsimd-tiles.h"
