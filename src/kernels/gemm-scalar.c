/* gemm-scalar.c — the reference GEMM and the panel packing; see gemm.h. */
#include "gemm.h"

#include <math.h>
#include <string.h>

void elmo_f32_pack_panels(size_t k, size_t n, const float *b, size_t ldb, float *out) {
    for (size_t j0 = 0; j0 < n; j0 += ELMO_PANEL_WIDTH) {
        const size_t cols = n - j0 < ELMO_PANEL_WIDTH ? n - j0 : ELMO_PANEL_WIDTH;
        for (size_t p = 0; p < k; p++, out += ELMO_PANEL_WIDTH) {
            memset(out, 0, ELMO_PANEL_WIDTH * sizeof(float));
            memcpy(out, b + p * ldb + j0, cols * sizeof(float));
        }
    }
}

void elmo_f32_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                           const float *restrict b_packed, const float *restrict bias,
                           float *restrict c, size_t ldc, int accumulate) {
    for (size_t j0 = 0; j0 < n; j0 += ELMO_PANEL_WIDTH) {
        const float *panel = b_packed + j0 * k; /* (j0 / 8) * k * 8 */
        const size_t cols = n - j0 < ELMO_PANEL_WIDTH ? n - j0 : ELMO_PANEL_WIDTH;
        for (size_t i = 0; i < m; i++) {
            const float *a_row = a + i * lda;
            float *c_row = c + i * ldc + j0;
            float acc[ELMO_PANEL_WIDTH];
            for (size_t j = 0; j < cols; j++) {
                const float start = accumulate ? c_row[j] : 0.0f;
                acc[j] = bias ? start + bias[j0 + j] : start;
            }
            for (size_t p = 0; p < k; p++) {
                const float a_ip = a_row[p];
                const float *w = panel + p * ELMO_PANEL_WIDTH;
                for (size_t j = 0; j < cols; j++) acc[j] += a_ip * w[j];
            }
            memcpy(c_row, acc, cols * sizeof(float));
        }
    }
}

void elmo_i8_quantize_panels(size_t k, size_t n, const float *b, size_t ldb, int8_t *q, float *scale) {
    for (size_t j = 0; j < elmo_panel_columns(n); j++) {
        float max = 0.0f;
        for (size_t p = 0; j < n && p < k; p++) max = fabsf(b[p * ldb + j]) > max ? fabsf(b[p * ldb + j]) : max;
        scale[j] = max / 127.0f;
        for (size_t p = 0; p < k; p++) {
            const float x = j < n && max > 0.0f ? b[p * ldb + j] / scale[j] : 0.0f;
            const float r = roundf(x);
            q[((j / ELMO_PANEL_WIDTH) * k + p) * ELMO_PANEL_WIDTH + j % ELMO_PANEL_WIDTH] =
                (int8_t)(r > 127.0f ? 127.0f : r < -127.0f ? -127.0f : r);
        }
    }
}

void elmo_f32i8_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                             const int8_t *restrict q_packed, const float *restrict scale,
                             const float *restrict bias, float *restrict c, size_t ldc, int accumulate) {
    for (size_t j0 = 0; j0 < n; j0 += ELMO_PANEL_WIDTH) {
        const int8_t *panel = q_packed + j0 * k;
        const size_t cols = n - j0 < ELMO_PANEL_WIDTH ? n - j0 : ELMO_PANEL_WIDTH;
        for (size_t i = 0; i < m; i++) {
            const float *a_row = a + i * lda;
            float *c_row = c + i * ldc + j0;
            float acc[ELMO_PANEL_WIDTH] = {0};
            for (size_t p = 0; p < k; p++) {
                const float a_ip = a_row[p];
                const int8_t *w = panel + p * ELMO_PANEL_WIDTH;
                for (size_t j = 0; j < cols; j++) acc[j] += a_ip * (float)w[j];
            }
            for (size_t j = 0; j < cols; j++) {
                float start = accumulate ? c_row[j] : 0.0f;
                if (bias) start = start + bias[j0 + j];
                c_row[j] = start + scale[j0 + j] * acc[j];
            }
        }
    }
}
