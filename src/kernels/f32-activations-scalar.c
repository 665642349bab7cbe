/*
 * f32-activations-scalar.c — the spec of activations.h: exp, sigmoid and tanh one
 * element at a time, in exactly the operations (and order) the SIMD kernels
 * do per lane. Comparisons are written as the wasm pmin/pmax/select they
 * stand for.
 */
#include "activations.h"

#include <stdint.h>
#include <string.h>

static inline uint32_t float_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float bits_float(uint32_t u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* 2^k as a float, for -126 <= k <= 127. */
static inline float pow2(int32_t k) { return bits_float((uint32_t)(k + 127) << 23); }

static inline float exp_scalar(float x) {
    x = x < ELMO_EXP_MIN ? ELMO_EXP_MIN : x; /* pmax */
    x = ELMO_EXP_MAX < x ? ELMO_EXP_MAX : x; /* pmin */
    const float t = x * ELMO_EXP_LOG2E + ELMO_EXP_ROUND;
    const float n = t - ELMO_EXP_ROUND;
    /* n as an integer: the low bits of t (two's complement, wrapping like i32x4.sub). */
    const int32_t k = (int32_t)(float_bits(t) - float_bits(ELMO_EXP_ROUND));
    float r = x - n * ELMO_EXP_C1;
    r = r - n * ELMO_EXP_C2;
    const float z = r * r;
    float p = ELMO_EXP_P0 * r + ELMO_EXP_P1;
    p = p * r + ELMO_EXP_P2;
    p = p * r + ELMO_EXP_P3;
    p = p * r + ELMO_EXP_P4;
    p = p * r + ELMO_EXP_P5;
    p = p * z + r + 1.0f;
    const int32_t k1 = k >> 1; /* arithmetic shift, as i32x4.shr_s */
    return p * pow2(k1) * pow2(k - k1);
}

static inline float sigmoid_scalar(float x) { return 1.0f / (1.0f + exp_scalar(-x)); }

static inline float tanh_scalar(float x) {
    const uint32_t sign = float_bits(x) & 0x80000000u;
    const float a = bits_float(float_bits(x) & 0x7FFFFFFFu);
    float t;
    if (a < ELMO_TANH_SMALL) {
        const float z = a * a;
        float q = ELMO_TANH_Q0 * z + ELMO_TANH_Q1;
        q = q * z + ELMO_TANH_Q2;
        q = q * z + ELMO_TANH_Q3;
        q = q * z + ELMO_TANH_Q4;
        t = q * z * a + a;
    } else {
        t = 1.0f - 2.0f / (exp_scalar(a + a) + 1.0f);
    }
    return bits_float(float_bits(t) | sign);
}

void elmo_f32_vexp__scalar(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = exp_scalar(x[i]);
}

void elmo_f32_vsigmoid__scalar(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = sigmoid_scalar(x[i]);
}

void elmo_f32_vtanh__scalar(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = tanh_scalar(x[i]);
}

void elmo_f32_lstm_cell__scalar(size_t rows, size_t H, size_t u0, size_t u1, const float *gates, float *c,
                                float *m, float cell_clip) {
    for (size_t r = 0; r < rows; r++) {
        const float *g = gates + r * 4 * H;
        float *c_row = c + r * H, *m_row = m + r * H;
        for (size_t u = u0; u < u1; u++) {
            const float i = g[u], j = g[H + u], f = g[2 * H + u], o = g[3 * H + u];
            float cell = sigmoid_scalar(f + 1.0f) * c_row[u] + sigmoid_scalar(i) * tanh_scalar(j);
            cell = cell > cell_clip ? cell_clip : (cell < -cell_clip ? -cell_clip : cell);
            c_row[u] = cell;
            m_row[u] = sigmoid_scalar(o) * tanh_scalar(cell);
        }
    }
}

void elmo_f32_highway_mix__scalar(size_t n, const float *carry, const float *transform, float *x) {
    for (size_t i = 0; i < n; i++) {
        const float g = sigmoid_scalar(carry[i]);
        const float t = 0.0f < transform[i] ? transform[i] : 0.0f; /* pmax(0, t) */
        x[i] = g * t + (1.0f - g) * x[i];
    }
}
