/*
 * simd-tile.h — what the wasm SIMD GEMM kernels share: loads and stores of
 * a tile's edge columns (the last panel may be partial) and the start value
 * of a tile's columns, formed as the scalar spec forms it.
 */
#ifndef ELMO_KERNELS_SIMD_TILE_H
#define ELMO_KERNELS_SIMD_TILE_H

#include <stddef.h>

#include "wasm-simd.h"

/* Loads 4 floats of which only the first `valid` (0..4) exist; the rest read as 0. */
static inline v128_t load_upto4(const float *p, size_t valid) {
    if (valid >= 4) return wasm_v128_load(p);
    float tmp[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (size_t i = 0; i < valid; i++) tmp[i] = p[i];
    return wasm_v128_load(tmp);
}

static inline void store_upto4(float *p, v128_t v, size_t valid) {
    if (valid >= 4) {
        wasm_v128_store(p, v);
        return;
    }
    float tmp[4];
    wasm_v128_store(tmp, v);
    for (size_t i = 0; i < valid; i++) p[i] = tmp[i];
}

static inline size_t clamp4(size_t cols, size_t from) { return cols <= from ? 0 : (cols - from < 4 ? cols - from : 4); }

/* The start of 4 columns: C (when accumulating) or 0, plus bias; as the scalar spec. */
static inline v128_t start4(const float *c, const float *bias, size_t valid, int accumulate) {
    v128_t start = accumulate ? load_upto4(c, valid) : wasm_f32x4_splat(0.0f);
    return bias ? wasm_f32x4_add(start, load_upto4(bias, valid)) : start;
}

/* One row of a panel (ELMO_PANEL_WIDTH = 8 weights) as floats: columns 0..3 and 4..7. */
typedef struct tile_row {
    v128_t lo, hi;
} tile_row;

#define MULADD(acc, x, y) (acc) = wasm_f32x4_add((acc), wasm_f32x4_mul((x), (y)))

#endif /* ELMO_KERNELS_SIMD_TILE_H */
