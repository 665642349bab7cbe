/*
 * f32bf16-gemm-scalar.c — bfloat16 rounding, and the bfloat16-weight GEMM
 * spec: the float spec on the widened weights, a block at a time; see gemm.h.
 */
#include "gemm.h"

#include <string.h>

#if ELMO_TESTING
uint16_t elmo_f32_to_bf16(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    /* Truncation could turn a NaN whose payload sits in the low bits into
     * infinity; the quiet bit keeps it a NaN. */
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)(bits >> 16 | 0x0040u);
    /* Add just under half a step, plus one when the kept part is odd: ties go
     * to even. A carry into the exponent is the right result, up to infinity,
     * and subnormals need nothing of their own (the exponent is a float's). */
    bits += 0x7fffu + (bits >> 16 & 1u);
    return (uint16_t)(bits >> 16);
}
#endif

static void widen_scalar(const uint16_t *h, size_t count, float *out) {
    for (size_t i = 0; i < count; i++) out[i] = elmo_bf16_to_f32(h[i]);
}

void elmo_f32bf16_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                               const uint16_t *restrict b_packed, const float *restrict bias,
                               float *restrict c, size_t ldc, int accumulate) {
    elmo_f32_gemm_widened(m, n, k, a, lda, b_packed, bias, c, ldc, accumulate, elmo_f32_gemm__scalar, widen_scalar);
}
