/* linalg.c — see linalg.h. */
#include "train/linalg.h"

#include <string.h>

#ifndef ELMO_TRAIN_DOUBLE
#include "kernels/activations.h"
#include "kernels/gemm.h"

void elmo_train_sigmoid(size_t n, const real *x, real *y) { elmo_f32_vsigmoid(n, x, y); }
void elmo_train_tanh(size_t n, const real *x, real *y) { elmo_f32_vtanh(n, x, y); }
void elmo_train_exp(size_t n, const real *x, real *y) { elmo_f32_vexp(n, x, y); }

/* Rows of A (and of B) a chunk of elmo_train_mul_tn transposes and packs at a time. */
#define TN_CHUNK 256

size_t elmo_train_operand_floats(size_t k, size_t n) { return elmo_packed_floats(k, n); }

/* Packs the k×n matrix b(p, j) = src[j * ld + p] (the transpose of an n×k one). */
static void pack_transposed(size_t k, size_t n, const float *src, size_t ld, float *out) {
    for (size_t j0 = 0; j0 < n; j0 += ELMO_PANEL_WIDTH) {
        const size_t cols = n - j0 < ELMO_PANEL_WIDTH ? n - j0 : ELMO_PANEL_WIDTH;
        float *panel = out + j0 * k;
        if (cols < ELMO_PANEL_WIDTH) memset(panel, 0, k * ELMO_PANEL_WIDTH * sizeof *panel);
        for (size_t j = 0; j < cols; j++) {
            const float *col = src + (j0 + j) * ld;
            for (size_t p = 0; p < k; p++) panel[p * ELMO_PANEL_WIDTH + j] = col[p];
        }
    }
}

void elmo_train_operand_set(elmo_train_operand *op, const real *src, size_t ld, size_t k, size_t n, int transposed,
                            float *panels) {
    *op = (elmo_train_operand){src, ld, k, n, transposed, panels};
    if (transposed)
        pack_transposed(k, n, src, ld, panels);
    else
        elmo_f32_pack_panels(k, n, src, ld, panels);
}

void elmo_train_mul(size_t m, const real *a, size_t lda, const elmo_train_operand *op, const real *bias, real *c,
                    size_t ldc, int accumulate) {
    if (m == 0) return;
    elmo_f32_gemm(m, op->n, op->k, a, lda, op->panels, bias, c, ldc, accumulate);
}

size_t elmo_train_tn_floats(size_t m, size_t n) { return m * TN_CHUNK + elmo_packed_floats(TN_CHUNK, n); }

void elmo_train_mul_tn(size_t m, size_t n, size_t k, const real *a, size_t lda, const real *b, size_t ldb, real *c,
                       size_t ldc, float *scratch) {
    float *at = scratch, *panels = scratch + m * TN_CHUNK;
    for (size_t p0 = 0; p0 < k; p0 += TN_CHUNK) {
        const size_t len = k - p0 < TN_CHUNK ? k - p0 : TN_CHUNK;
        /* in blocks of 16 columns of A: each row of A read in order, 16 rows of at written at a time */
        for (size_t i0 = 0; i0 < m; i0 += 16) {
            const size_t i1 = m - i0 < 16 ? m : i0 + 16;
            for (size_t p = 0; p < len; p++) {
                const float *src = a + (p0 + p) * lda;
                for (size_t i = i0; i < i1; i++) at[i * len + p] = src[i];
            }
        }
        elmo_f32_pack_panels(len, n, b + p0 * ldb, ldb, panels);
        elmo_f32_gemm(m, n, len, at, len, panels, NULL, c, ldc, 1);
    }
}

#else /* ELMO_TRAIN_DOUBLE: plain loops */

void elmo_train_sigmoid(size_t n, const real *x, real *y) {
    for (size_t i = 0; i < n; i++) y[i] = real_sigmoid(x[i]);
}
void elmo_train_tanh(size_t n, const real *x, real *y) {
    for (size_t i = 0; i < n; i++) y[i] = REAL_TANH(x[i]);
}
void elmo_train_exp(size_t n, const real *x, real *y) {
    for (size_t i = 0; i < n; i++) y[i] = REAL_EXP(x[i]);
}

size_t elmo_train_operand_floats(size_t k, size_t n) { return (void)k, (void)n, 0; }

void elmo_train_operand_set(elmo_train_operand *op, const real *src, size_t ld, size_t k, size_t n, int transposed,
                            float *panels) {
    *op = (elmo_train_operand){src, ld, k, n, transposed, panels};
}

void elmo_train_mul(size_t m, const real *a, size_t lda, const elmo_train_operand *op, const real *bias, real *c,
                    size_t ldc, int accumulate) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < op->n; j++) {
            real s = (accumulate ? c[i * ldc + j] : 0) + (bias ? bias[j] : 0);
            for (size_t p = 0; p < op->k; p++)
                s += a[i * lda + p] * (op->transposed ? op->src[j * op->ld + p] : op->src[p * op->ld + j]);
            c[i * ldc + j] = s;
        }
}

size_t elmo_train_tn_floats(size_t m, size_t n) { return (void)m, (void)n, 0; }

void elmo_train_mul_tn(size_t m, size_t n, size_t k, const real *a, size_t lda, const real *b, size_t ldb, real *c,
                       size_t ldc, float *scratch) {
    (void)scratch;
    for (size_t p = 0; p < k; p++)
        for (size_t i = 0; i < m; i++) {
            const real x = a[p * lda + i];
            for (size_t j = 0; j < n; j++) c[i * ldc + j] += x * b[p * ldb + j];
        }
}
#endif
