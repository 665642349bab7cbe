/*
 * dispatch.c — the one place that picks the kernels of this build: the wasm
 * SIMD ones when compiled with -msimd128 (or natively with ELMO_NATIVE_SIMD
 * through simde), the scalar ones otherwise. The choice is made at compile
 * time: a wasm module is built once per ISA and the loader picks the module.
 */
#include "activations.h"
#include "gemm.h"

#if ELMO_HAVE_WASMSIMD
#define ELMO_GEMM_KERNEL elmo_f32_gemm__wasmsimd
#define ELMO_GEMM_I8_KERNEL elmo_f32i8_gemm__wasmsimd
#define ELMO_GEMM_F16_KERNEL elmo_f32f16_gemm__wasmsimd
#define ELMO_GEMM_BF16_KERNEL elmo_f32bf16_gemm__wasmsimd
#define ELMO_GEMM_KERNEL_NAME "elmo_f32_gemm__wasmsimd"
#define ELMO_LSTM_CELL_KERNEL elmo_f32_lstm_cell__wasmsimd
#define ELMO_HIGHWAY_MIX_KERNEL elmo_f32_highway_mix__wasmsimd
#define ELMO_ISA(name) name##__wasmsimd
#else
#define ELMO_GEMM_KERNEL elmo_f32_gemm__scalar
#define ELMO_GEMM_I8_KERNEL elmo_f32i8_gemm__scalar
#define ELMO_GEMM_F16_KERNEL elmo_f32f16_gemm__scalar
#define ELMO_GEMM_BF16_KERNEL elmo_f32bf16_gemm__scalar
#define ELMO_GEMM_KERNEL_NAME "elmo_f32_gemm__scalar"
#define ELMO_LSTM_CELL_KERNEL elmo_f32_lstm_cell__scalar
#define ELMO_HIGHWAY_MIX_KERNEL elmo_f32_highway_mix__scalar
#define ELMO_ISA(name) name##__scalar
#endif

void elmo_f32_gemm(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                   const float *restrict b_packed, const float *restrict bias, float *restrict c,
                   size_t ldc, int accumulate) {
    ELMO_GEMM_KERNEL(m, n, k, a, lda, b_packed, bias, c, ldc, accumulate);
}

const char *elmo_f32_gemm_name(void) { return ELMO_GEMM_KERNEL_NAME; }

void elmo_weight_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const elmo_weight *w,
                      const float *bias, float *c, size_t ldc, int accumulate) {
    if (w->type == ELMO_WEIGHT_I8)
        ELMO_GEMM_I8_KERNEL(m, n, k, a, lda, w->data, w->scale, bias, c, ldc, accumulate);
    else if (w->type == ELMO_WEIGHT_F16)
        ELMO_GEMM_F16_KERNEL(m, n, k, a, lda, w->data, bias, c, ldc, accumulate);
    else if (w->type == ELMO_WEIGHT_BF16)
        ELMO_GEMM_BF16_KERNEL(m, n, k, a, lda, w->data, bias, c, ldc, accumulate);
    else
        ELMO_GEMM_KERNEL(m, n, k, a, lda, w->data, bias, c, ldc, accumulate);
}

void elmo_f32_lstm_cell(size_t rows, size_t H, size_t u0, size_t u1, const float *gates, float *c, float *m,
                        float cell_clip) {
    ELMO_LSTM_CELL_KERNEL(rows, H, u0, u1, gates, c, m, cell_clip);
}

void elmo_f32_highway_mix(size_t n, const float *carry, const float *transform, float *x) {
    ELMO_HIGHWAY_MIX_KERNEL(n, carry, transform, x);
}

void elmo_f32_vexp(size_t n, const float *x, float *y) { ELMO_ISA(elmo_f32_vexp)(n, x, y); }
void elmo_f32_vsigmoid(size_t n, const float *x, float *y) { ELMO_ISA(elmo_f32_vsigmoid)(n, x, y); }
void elmo_f32_vtanh(size_t n, const float *x, float *y) { ELMO_ISA(elmo_f32_vtanh)(n, x, y); }
