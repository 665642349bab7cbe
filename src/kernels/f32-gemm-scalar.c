/* f32-gemm-scalar.c — the float GEMM spec and the packer of its panels; see gemm.h. */
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
