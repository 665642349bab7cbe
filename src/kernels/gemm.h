/*
 * gemm.h — f32 GEMM with packed weights, the one operation the model spends
 * its time in:
 *
 *   C[m×n] = (accumulate ? C : 0) + bias[n] + A[m×k] · B[k×n]
 *
 * A and C are row-major with leading dimensions lda, ldc (in floats); bias
 * may be NULL. B is a weight matrix stored PACKED (models/FORMAT.md,
 * "panels8"): column panels of ELMO_PANEL_WIDTH columns, panel q holding its
 * k rows of 8 floats one after another,
 *
 *   B[p][j] = b[((j / 8) * k + p) * 8 + j % 8],   columns n..8*ceil(n/8)-1 zero,
 *
 * so every kernel streams a panel front to back and a GEMV-shaped call reads
 * the weights once, sequentially.
 *
 * Every element is formed in the same order in every kernel (start value,
 * + bias, then + a·b for p = 0..k-1, no fused multiply-add), so the kernels
 * agree bit for bit and a row's result never depends on m or on the other
 * rows. The scalar kernel is the spec. elmo_f32_gemm() is the kernel chosen
 * in dispatch.c; model code calls only that.
 */
#ifndef ELMO_KERNELS_GEMM_H
#define ELMO_KERNELS_GEMM_H

#include <stddef.h>

#if defined(__wasm_simd128__) || defined(ELMO_NATIVE_SIMD)
#define ELMO_HAVE_WASMSIMD 1
#else
#define ELMO_HAVE_WASMSIMD 0
#endif

#define ELMO_PANEL_WIDTH 8

/* Floats of a packed k×n matrix. */
static inline size_t elmo_packed_floats(size_t k, size_t n) {
    return k * ((n + ELMO_PANEL_WIDTH - 1) / ELMO_PANEL_WIDTH * ELMO_PANEL_WIDTH);
}

/* Packs row-major b (k×n, leading dimension ldb) into out (elmo_packed_floats(k, n)).
 * The converter does this once per model; the core uses it in tests only. */
void elmo_f32_pack_panels(size_t k, size_t n, const float *b, size_t ldb, float *out);

typedef void (*elmo_f32_gemm_fn)(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                 const float *restrict b_packed, const float *restrict bias,
                                 float *restrict c, size_t ldc, int accumulate);

void elmo_f32_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                           const float *restrict b_packed, const float *restrict bias,
                           float *restrict c, size_t ldc, int accumulate);

#if ELMO_HAVE_WASMSIMD
/* 4×8 register tiles for blocks of 4 rows, 1×16 for the rest (GEMV). */
void elmo_f32_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                             const float *restrict b_packed, const float *restrict bias,
                             float *restrict c, size_t ldc, int accumulate);
#endif

/* The implementation this build uses (dispatch.c). */
void elmo_f32_gemm(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                   const float *restrict b_packed, const float *restrict bias, float *restrict c,
                   size_t ldc, int accumulate);

/* Name of the chosen GEMM kernel, for tests and benchmarks. */
const char *elmo_f32_gemm_name(void);

#endif /* ELMO_KERNELS_GEMM_H */
