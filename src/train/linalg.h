/*
 * linalg.h — the matrix products of the trainer, over elmo_train_real.
 *
 * In the float build they run on the GEMM kernels of src/kernels (packed
 * panels, SIMD where the build has it); in the double build (the gradient
 * check) they are plain loops. The right operand of a product is prepared
 * once (elmo_train_operand_set) and may serve many products, as the LSTM's
 * recurrent weights do over the steps of a batch.
 */
#ifndef ELMO_TRAIN_LINALG_H
#define ELMO_TRAIN_LINALG_H

#include <stddef.h>

#include "train/real.h"

/* The k×n right operand: src row-major with leading dimension ld, or, when
 * transposed, the transpose of the n×k matrix src. */
typedef struct elmo_train_operand {
    const real *src;
    size_t ld, k, n;
    int transposed;
    float *panels; /* float build: the packed copy (elmo_train_operand_floats) */
} elmo_train_operand;

/* Floats of panels an operand of k×n needs (0 in the double build). */
size_t elmo_train_operand_floats(size_t k, size_t n);

/* Points op at src and, in the float build, packs it into panels. */
void elmo_train_operand_set(elmo_train_operand *op, const real *src, size_t ld, size_t k, size_t n, int transposed,
                            float *panels);

/* C (m×n, ldc) = (accumulate ? C : 0) + bias + A (m×k, lda) · op. bias may be NULL. */
void elmo_train_mul(size_t m, const real *a, size_t lda, const elmo_train_operand *op, const real *bias, real *c,
                    size_t ldc, int accumulate);

/* Scratch floats elmo_train_mul_tn needs for C of m×n (0 in the double build). */
size_t elmo_train_tn_floats(size_t m, size_t n);

/* C (m×n, ldc) += Aᵀ·B with A (k×m, lda) and B (k×n, ldb): the weight
 * gradients, k being the batch's positions. */
void elmo_train_mul_tn(size_t m, size_t n, size_t k, const real *a, size_t lda, const real *b, size_t ldb, real *c,
                       size_t ldc, float *scratch);

/* y = sigmoid(x), tanh(x), exp(x) over n elements (y may be x): the SIMD
 * kernels of src/kernels/activations.h in the float build, libm in the double one. */
void elmo_train_sigmoid(size_t n, const real *x, real *y);
void elmo_train_tanh(size_t n, const real *x, real *y);
void elmo_train_exp(size_t n, const real *x, real *y);

#endif /* ELMO_TRAIN_LINALG_H */
