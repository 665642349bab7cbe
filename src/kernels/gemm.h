/*
 * gemm.h — f32 GEMM micro-kernels, named after XNNPACK's grammar
 * (elmo_f32_gemm_<MR>x<NR>__<isa>), all with one signature:
 *
 *   C[m×n] = (accumulate ? C : 0) + bias[n] + A[m×k] · B[k×n]
 *
 * row-major with leading dimensions lda, ldb, ldc (in floats); bias may be
 * NULL. Every element is formed in the same order in every kernel (start
 * value, + bias, then + a·b for p = 0..k-1, no fused multiply-add), so the
 * kernels agree bit for bit and a row's result never depends on m.
 *
 * The scalar kernel is the spec. elmo_f32_gemm() is the one chosen in
 * dispatch.c; model code calls only that.
 */
#ifndef ELMO_KERNELS_GEMM_H
#define ELMO_KERNELS_GEMM_H

#include <stddef.h>

#if defined(__wasm_simd128__) || defined(ELMO_NATIVE_SIMD)
#define ELMO_HAVE_WASMSIMD 1
#else
#define ELMO_HAVE_WASMSIMD 0
#endif

typedef void (*elmo_f32_gemm_fn)(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                 const float *restrict b, size_t ldb, const float *restrict bias,
                                 float *restrict c, size_t ldc, int accumulate);

void elmo_f32_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                           const float *restrict b, size_t ldb, const float *restrict bias,
                           float *restrict c, size_t ldc, int accumulate);

#if ELMO_HAVE_WASMSIMD
void elmo_f32_gemm_4x8__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                 const float *restrict b, size_t ldb, const float *restrict bias,
                                 float *restrict c, size_t ldc, int accumulate);
#endif

/* The implementation this build uses (dispatch.c). */
void elmo_f32_gemm(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                   const float *restrict b, size_t ldb, const float *restrict bias,
                   float *restrict c, size_t ldc, int accumulate);

/* Name of the chosen GEMM kernel, for tests and benchmarks. */
const char *elmo_f32_gemm_name(void);

#endif /* ELMO_KERNELS_GEMM_H */
