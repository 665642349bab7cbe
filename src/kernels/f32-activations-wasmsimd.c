/*
 * f32-activations-wasmsimd.c — the kernels of activations.h in wasm SIMD128, 4
 * lanes at a time; each lane does what f32-activations-scalar.c does to one
 * element, and the scalar kernels take the tails.
 */
#include "activations.h"
#include "wasm-simd.h"

#define SPLAT(x) wasm_f32x4_splat(x)

static inline v128_t exp4(v128_t x) {
    x = wasm_f32x4_pmax(x, SPLAT(ELMO_EXP_MIN));
    x = wasm_f32x4_pmin(x, SPLAT(ELMO_EXP_MAX));
    const v128_t round = SPLAT(ELMO_EXP_ROUND);
    const v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, SPLAT(ELMO_EXP_LOG2E)), round);
    const v128_t n = wasm_f32x4_sub(t, round);
    const v128_t k = wasm_i32x4_sub(t, round);
    v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, SPLAT(ELMO_EXP_C1)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, SPLAT(ELMO_EXP_C2)));
    const v128_t z = wasm_f32x4_mul(r, r);
    v128_t p = wasm_f32x4_add(wasm_f32x4_mul(SPLAT(ELMO_EXP_P0), r), SPLAT(ELMO_EXP_P1));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(ELMO_EXP_P2));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(ELMO_EXP_P3));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(ELMO_EXP_P4));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(ELMO_EXP_P5));
    p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, z), r), SPLAT(1.0f));
    const v128_t k1 = wasm_i32x4_shr(k, 1), k2 = wasm_i32x4_sub(k, k1);
    const v128_t bias = wasm_i32x4_splat(127);
    const v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(k1, bias), 23);
    const v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(k2, bias), 23);
    return wasm_f32x4_mul(wasm_f32x4_mul(p, s1), s2);
}

static inline v128_t sigmoid4(v128_t x) {
    const v128_t one = SPLAT(1.0f);
    return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(x))));
}

static inline v128_t tanh4(v128_t x) {
    const v128_t sign = wasm_v128_and(x, wasm_i32x4_splat((int32_t)0x80000000u));
    const v128_t a = wasm_v128_andnot(x, sign);
    const v128_t z = wasm_f32x4_mul(a, a);
    v128_t q = wasm_f32x4_add(wasm_f32x4_mul(SPLAT(ELMO_TANH_Q0), z), SPLAT(ELMO_TANH_Q1));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, z), SPLAT(ELMO_TANH_Q2));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, z), SPLAT(ELMO_TANH_Q3));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, z), SPLAT(ELMO_TANH_Q4));
    const v128_t small = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(q, z), a), a);
    const v128_t one = SPLAT(1.0f);
    const v128_t e = exp4(wasm_f32x4_add(a, a));
    const v128_t large = wasm_f32x4_sub(one, wasm_f32x4_div(SPLAT(2.0f), wasm_f32x4_add(e, one)));
    const v128_t t = wasm_v128_bitselect(small, large, wasm_f32x4_lt(a, SPLAT(ELMO_TANH_SMALL)));
    return wasm_v128_or(t, sign);
}

/* y = f(x) over n elements: 4 at a time, the tail by the scalar kernel. */
#define ELMO_MAP_KERNEL(name, f4)                                                \
    void elmo_f32_##name##__wasmsimd(size_t n, const float *x, float *y) {      \
        size_t i = 0;                                                            \
        for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, f4(wasm_v128_load(x + i))); \
        elmo_f32_##name##__scalar(n - i, x + i, y + i);                          \
    }

ELMO_MAP_KERNEL(vexp, exp4)
ELMO_MAP_KERNEL(vsigmoid, sigmoid4)
ELMO_MAP_KERNEL(vtanh, tanh4)

void elmo_f32_lstm_cell__wasmsimd(size_t rows, size_t H, size_t u0, size_t u1, const float *gates, float *c,
                                  float *m, float cell_clip) {
    const size_t u4 = u0 + (u1 - u0) / 4 * 4;
    const v128_t one = SPLAT(1.0f), hi = SPLAT(cell_clip), lo = SPLAT(-cell_clip);
    for (size_t r = 0; r < rows; r++) {
        const float *g = gates + r * 4 * H;
        float *c_row = c + r * H, *m_row = m + r * H;
        for (size_t u = u0; u < u4; u += 4) {
            const v128_t i = wasm_v128_load(g + u), j = wasm_v128_load(g + H + u);
            const v128_t f = wasm_v128_load(g + 2 * H + u), o = wasm_v128_load(g + 3 * H + u);
            const v128_t keep = wasm_f32x4_mul(sigmoid4(wasm_f32x4_add(f, one)), wasm_v128_load(c_row + u));
            v128_t cell = wasm_f32x4_add(keep, wasm_f32x4_mul(sigmoid4(i), tanh4(j)));
            const v128_t below = wasm_f32x4_lt(cell, lo), above = wasm_f32x4_gt(cell, hi);
            cell = wasm_v128_bitselect(hi, wasm_v128_bitselect(lo, cell, below), above);
            wasm_v128_store(c_row + u, cell);
            wasm_v128_store(m_row + u, wasm_f32x4_mul(sigmoid4(o), tanh4(cell)));
        }
    }
    if (u4 < u1) elmo_f32_lstm_cell__scalar(rows, H, u4, u1, gates, c, m, cell_clip);
}

void elmo_f32_highway_mix__wasmsimd(size_t n, const float *carry, const float *transform, float *x) {
    const v128_t one = SPLAT(1.0f), zero = SPLAT(0.0f);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v128_t g = sigmoid4(wasm_v128_load(carry + i));
        const v128_t t = wasm_f32x4_pmax(zero, wasm_v128_load(transform + i));
        const v128_t rest = wasm_f32x4_mul(wasm_f32x4_sub(one, g), wasm_v128_load(x + i));
        wasm_v128_store(x + i, wasm_f32x4_add(wasm_f32x4_mul(g, t), rest));
    }
    elmo_f32_highway_mix__scalar(n - i, carry + i, transform + i, x + i);
}
