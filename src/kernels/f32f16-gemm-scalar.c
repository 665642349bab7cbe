/*
 * f32f16-gemm-scalar.c — float16 rounding, and the float16-weight GEMM spec:
 * the float spec on the widened halves, a block at a time; see gemm.h.
 */
#include "gemm.h"

#include <string.h>

#if ELMO_TESTING
uint16_t elmo_f32_to_f16(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    const uint16_t sign = (uint16_t)(bits >> 16 & 0x8000u);
    const uint32_t mag = bits & 0x7fffffffu, exponent = mag >> 23;
    if (mag > 0x7f800000u) return sign | 0x7e00u; /* NaN */
    if (mag >= 0x477ff000u) return sign | 0x7c00u; /* 65520 and up round past 65504 */
    /* The kept bits of the significand and the rest, ties to even. A carry out
     * of the significand moves to the next exponent, which is the right result. */
    const uint32_t significand = exponent ? (mag & 0x7fffffu) | 0x800000u : mag & 0x7fffffu;
    uint32_t shift, h;
    if (exponent >= 113) { /* a normal half: 10 of the 23 significand bits */
        shift = 13;
        h = (exponent - 112) << 10 | (mag & 0x7fffffu) >> 13;
    } else { /* a subnormal half: units of 2^-24 */
        shift = 126 - exponent;
        if (shift > 24) return sign;
        h = significand >> shift;
    }
    const uint32_t rest = significand & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rest > half || (rest == half && (h & 1u))) h++;
    return sign | (uint16_t)h;
}
#endif

static void widen_scalar(const uint16_t *h, size_t count, float *out) {
    for (size_t i = 0; i < count; i++) out[i] = elmo_f16_to_f32(h[i]);
}

void elmo_f32f16_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                              const uint16_t *restrict b_packed, const float *restrict bias,
                              float *restrict c, size_t ldc, int accumulate) {
    elmo_f32_gemm_widened(m, n, k, a, lda, b_packed, bias, c, ldc, accumulate, elmo_f32_gemm__scalar, widen_scalar);
}
