/*
 * activations.h — exp, sigmoid and tanh in float32 without libm, and the two
 * model steps made of them: the LSTM cell update and the highway mix.
 *
 * musl's expf/tanhf are scalar calls per element (11-15% of a profile);
 * these are a range reduction and a polynomial that wasm SIMD does 4 lanes
 * at a time. Every kernel performs the same float operations in the same
 * order (no fused multiply-add; selects and bit operations, no branches that
 * change the arithmetic), so the SIMD and scalar kernels agree bit for bit.
 * The scalar kernel is the spec; a SIMD kernel hands its tail (sizes that
 * are not a multiple of 4) to it.
 *
 * exp(x) (Cephes expf):
 *   x = min(max(x, -104), 89)             below: 0, above: +inf, as expf
 *   n = round(x·log2 e)                    (+ 1.5·2^23, - 1.5·2^23)
 *   r = (x - n·C1) - n·C2                  C1 + C2 = ln 2, C1 exact in 9 bits
 *   p = ((P0 r + P1) r + ... + P5)·r² + r + 1   ~ e^r on [-ln2/2, ln2/2]
 *   exp = (p·2^(n>>1))·2^(n - (n>>1))       two exact-ish scalings: 2^n
 *                                           need not be a normal float
 * sigmoid(x) = 1 / (1 + exp(-x))
 * tanh(x) = sign(x)·t(|x|), with (Cephes tanhf)
 *   t(a) = a + ((Q(a²)·a²)·a)               for a < 0.625 (odd polynomial:
 *                                           no cancellation near 0)
 *   t(a) = 1 - 2 / (exp(2a) + 1)            otherwise (saturates to 1)
 *
 * Accuracy against double-precision libm (tests/c/test_activations.c:
 * [-20, 20] densely, every binade, the edges), measured: exp 0.97 ulp,
 * sigmoid 2.48 ulp, tanh 1.22 ulp; sigmoid 8.9e-8 and tanh 7.3e-8 absolute
 * (the test asserts 1.5, 3 and 2 ulp, 1.2e-7). A sigmoid below FLT_MIN
 * (x < -87.3) keeps its absolute accuracy only: it is 0 from x = -88.7 on.
 */
#ifndef ELMO_KERNELS_ACTIVATIONS_H
#define ELMO_KERNELS_ACTIVATIONS_H

#include <stddef.h>

#include "isa.h"

/* The constants both twins use, so that they compute the same bits. */
#define ELMO_EXP_MIN (-104.0f) /* exp rounds to 0 from here down */
#define ELMO_EXP_MAX 89.0f     /* exp overflows to +inf from here up */
#define ELMO_EXP_LOG2E 1.44269504088896341f
#define ELMO_EXP_ROUND 12582912.0f /* 1.5·2^23: adding it rounds to an integer */
#define ELMO_EXP_C1 0.693359375f
#define ELMO_EXP_C2 (-2.12194440e-4f)
#define ELMO_EXP_P0 1.9875691500e-4f
#define ELMO_EXP_P1 1.3981999507e-3f
#define ELMO_EXP_P2 8.3334519073e-3f
#define ELMO_EXP_P3 4.1665795894e-2f
#define ELMO_EXP_P4 1.6666665459e-1f
#define ELMO_EXP_P5 5.0000001201e-1f
#define ELMO_TANH_SMALL 0.625f /* below: the odd polynomial */
#define ELMO_TANH_Q0 (-5.70498872745e-3f)
#define ELMO_TANH_Q1 2.06390887954e-2f
#define ELMO_TANH_Q2 (-5.37397155531e-2f)
#define ELMO_TANH_Q3 1.33314422036e-1f
#define ELMO_TANH_Q4 (-3.33332819422e-1f)

/*
 * The kernels of one ISA (`scalar`, `wasmsimd`), named elmo_f32_<kernel>__<isa>:
 *
 * vexp, vsigmoid, vtanh: y[i] = exp(x[i]), sigmoid(x[i]), tanh(x[i]) for
 * i < n (y may be x).
 *
 * lstm_cell: the LSTM cell update (models/SEMANTICS.md §3) of units
 * [u0, u1) of `rows` rows: gates (rows, 4H) holds per row the blocks
 * [i | j | f | o] of H each, c (rows, H) is updated in place and m (rows, H)
 * written:
 *   c = clip(sigmoid(f + 1)·c + sigmoid(i)·tanh(j)),  m = sigmoid(o)·tanh(c)
 * with clip(x) = x > cell_clip ? cell_clip : x < -cell_clip ? -cell_clip : x
 * (cell_clip = +INFINITY: no clipping).
 *
 * highway_mix: the highway mix of n elements, in place on x:
 *   x = g·relu(t) + (1 - g)·x with g = sigmoid(carry), relu(t) = t > 0 ? t : 0.
 */
#define ELMO_ACTIVATION_KERNELS(isa)                                                                         \
    void elmo_f32_lstm_cell__##isa(size_t rows, size_t H, size_t u0, size_t u1, const float *gates, float *c, \
                                   float *m, float cell_clip);                                               \
    void elmo_f32_highway_mix__##isa(size_t n, const float *carry, const float *transform, float *x);

ELMO_ACTIVATION_KERNELS(scalar)
#if ELMO_HAVE_WASMSIMD
ELMO_ACTIVATION_KERNELS(wasmsimd)
#endif

/* The functions alone, over a vector: the trainer's activations (inference
 * uses them inside lstm_cell and highway_mix). */
#define ELMO_ACTIVATION_MAPS(isa)                                      \
    void elmo_f32_vexp__##isa(size_t n, const float *x, float *y);     \
    void elmo_f32_vsigmoid__##isa(size_t n, const float *x, float *y); \
    void elmo_f32_vtanh__##isa(size_t n, const float *x, float *y);
ELMO_ACTIVATION_MAPS(scalar)
#if ELMO_HAVE_WASMSIMD
ELMO_ACTIVATION_MAPS(wasmsimd)
#endif

/* The kernels of this build (dispatch.c); model code calls these. */
void elmo_f32_lstm_cell(size_t rows, size_t H, size_t u0, size_t u1, const float *gates, float *c, float *m,
                        float cell_clip);
void elmo_f32_highway_mix(size_t n, const float *carry, const float *transform, float *x);
void elmo_f32_vexp(size_t n, const float *x, float *y);
void elmo_f32_vsigmoid(size_t n, const float *x, float *y);
void elmo_f32_vtanh(size_t n, const float *x, float *y);

#endif /* ELMO_KERNELS_ACTIVATIONS_H */
