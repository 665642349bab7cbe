/* gemm-scalar.c — the reference GEMM; see gemm.h for the contract. */
#include "gemm.h"

void elmo_f32_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                           const float *restrict b, size_t ldb, const float *restrict bias,
                           float *restrict c, size_t ldc, int accumulate) {
    for (size_t i = 0; i < m; i++) {
        const float *a_row = a + i * lda;
        float *c_row = c + i * ldc;
        for (size_t j = 0; j < n; j++) {
            float start = accumulate ? c_row[j] : 0.0f;
            c_row[j] = bias ? start + bias[j] : start;
        }
        /* p outer, j inner: B is read row by row, and each element still
         * receives its products in p order. */
        for (size_t p = 0; p < k; p++) {
            const float a_ip = a_row[p];
            const float *b_row = b + p * ldb;
            for (size_t j = 0; j < n; j++) c_row[j] += a_ip * b_row[j];
        }
    }
}
