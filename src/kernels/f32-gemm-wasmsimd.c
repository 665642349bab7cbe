/* f32-gemm-wasmsimd.c — the float GEMM of gemm.h in wasm SIMD128: the tiles of f32-gemm-wasmsimd-tiles.h on float panels. */
#include "gemm.h"
#include "simd-tile.h"

typedef float tile_weight;

/* A panel row: 8 floats, two aligned loads. */
static inline tile_row load_row8(const float *w) { return (tile_row){wasm_v128_load(w), wasm_v128_load(w + 4)}; }

#include "f32-gemm-wasmsimd-tiles.h"

void elmo_f32_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                             const float *restrict b_packed, const float *restrict bias, float *restrict c,
                             size_t ldc, int accumulate) {
    tiles_gemm(m, n, k, a, lda, b_packed, bias, c, ldc, accumulate);
}
