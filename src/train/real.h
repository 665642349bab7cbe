/*
 * real.h — the number type of the trainer's math.
 *
 * float normally; double when compiled with -DELMO_TRAIN_DOUBLE, the build
 * the gradient check runs (tests/c/test_train_grad.c): finite differences
 * need more digits than float has to reach 1e-6 relative.
 */
#ifndef ELMO_TRAIN_REAL_H
#define ELMO_TRAIN_REAL_H

#include <math.h>

#ifdef ELMO_TRAIN_DOUBLE
typedef double elmo_train_real;
#define REAL_EXP exp
#define REAL_TANH tanh
#define REAL_LOG log
#define REAL_SQRT sqrt
#else
typedef float elmo_train_real;
#define REAL_EXP expf
#define REAL_TANH tanhf
#define REAL_LOG logf
#define REAL_SQRT sqrtf
#endif

typedef elmo_train_real real;

static inline real real_sigmoid(real x) { return (real)1 / ((real)1 + REAL_EXP(-x)); }

#endif /* ELMO_TRAIN_REAL_H */
