/* f32i8-gemm-scalar.c — the int8-weight GEMM spec, its activation quantizer
 * (and the test quantizer of its panels); see gemm.h. */
#include "gemm.h"

#include <math.h>
#include <string.h>

#if ELMO_TESTING
void elmo_i8_quantize_panels(size_t k, size_t n, const float *b, size_t ldb, int8_t *q, float *scale) {
    memset(q, 0, elmo_i8_packed_bytes(k, n));
    for (size_t j = 0; j < elmo_panel_columns(n); j++) {
        float max = 0.0f;
        for (size_t p = 0; j < n && p < k; p++) max = fabsf(b[p * ldb + j]) > max ? fabsf(b[p * ldb + j]) : max;
        scale[j] = max / 127.0f;
        for (size_t p = 0; j < n && max > 0.0f && p < k; p++) {
            const float r = roundf(b[p * ldb + j] / scale[j]);
            q[elmo_i8_index(k, p, j)] = (int8_t)(r > 127.0f ? 127.0f : r < -127.0f ? -127.0f : r);
        }
    }
}
#endif

float elmo_i16_quantize(const float *a, size_t len, int16_t *aq) {
    float max = 0.0f;
    for (size_t p = 0; p < len; p++) max = fabsf(a[p]) > max ? fabsf(a[p]) : max;
    const float s = max / 32767.0f;
    for (size_t p = 0; p < len; p++) {
        float r = max > 0.0f ? roundf(a[p] / s) : 0.0f;
        if (r != r) r = 0.0f; /* a NaN (or an infinite activation over an infinite max) has no int16 */
        aq[p] = (int16_t)(r > 32767.0f ? 32767.0f : r < -32767.0f ? -32767.0f : r);
    }
    if (len % 2) aq[len] = 0;
    return s;
}

void elmo_f32i8_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                             const int8_t *restrict q_packed, const float *restrict scale,
                             const float *restrict bias, float *restrict c, size_t ldc, int accumulate) {
    int16_t aq[ELMO_I8_CHUNK];
    for (size_t i = 0; i < m; i++) {
        float *c_row = c + i * ldc;
        for (size_t j = 0; j < n; j++) {
            const float start = accumulate ? c_row[j] : 0.0f;
            c_row[j] = bias ? start + bias[j] : start;
        }
        for (size_t p0 = 0; p0 < k; p0 += ELMO_I8_CHUNK) {
            const size_t len = k - p0 < ELMO_I8_CHUNK ? k - p0 : ELMO_I8_CHUNK;
            const float s = elmo_i16_quantize(a + i * lda + p0, len, aq);
            if (s == 0.0f) continue;
            for (size_t j = 0; j < n; j++) {
                int32_t acc = 0;
                for (size_t p = 0; p < len; p++) acc += (int32_t)aq[p] * q_packed[elmo_i8_index(k, p0 + p, j)];
                c_row[j] = c_row[j] + (s * scale[j]) * (float)acc;
            }
        }
    }
}
