/*
 * test_activations.c — kernels/activations.h:
 *  - accuracy of exp, sigmoid and tanh (the scalar spec) against double
 *    precision libm, on a dense grid of [-20, 20], every binade of float
 *    (both signs) and the edges (±0, denormals, the saturation points,
 *    ±FLT_MAX, ±inf); the largest errors are printed;
 *  - the SIMD kernels against the scalar ones, bit for bit: the element
 *    functions on all those inputs, the LSTM cell update and the highway mix
 *    on odd sizes (1, 3, 4, 5, 17, 129, 1000), unit ranges that start and
 *    end off the 4-lane grid, 1-3 rows, with and without the cell clip, on
 *    random inputs mixed with extreme ones;
 *  - the cell update and the mix against their formulas in double.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/activations.h"
#include "test_util.h"

typedef void (*map_fn)(size_t n, const float *x, float *y);

static float random_float(uint32_t *state, float lo, float hi) {
    *state = *state * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((float)(*state >> 8) / 16777216.0f);
}

static const float extremes[] = {0.0f,   -0.0f,  1e-8f,    -1e-8f,   1e-40f,  -1e-40f, 0.625f,   -0.625f,
                                 50.0f,  -50.0f, 88.0f,    -88.0f,   88.72f,  -88.72f, 89.0f,    -89.0f,
                                 100.0f, -100.0f, 104.0f,  -104.0f,  1e30f,   -1e30f,  FLT_MAX,  -FLT_MAX,
                                 INFINITY, -INFINITY};
#define N_EXTREMES (sizeof extremes / sizeof extremes[0])

/* Random values, one in four taken from the extremes. */
static void fill_mixed(float *x, size_t n, float range, uint32_t *rng) {
    for (size_t i = 0; i < n; i++) {
        const float v = random_float(rng, -range, range);
        x[i] = random_float(rng, 0.0f, 1.0f) < 0.25f ? extremes[(size_t)random_float(rng, 0.0f, N_EXTREMES - 0.5f)] : v;
    }
}

static int same_bits(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

/* ---- accuracy ---- */

/* The grid, the binades and the edges, with the values just around the
 * tanh branch point and exp's ends. */
static size_t accuracy_inputs(float **out) {
    const size_t grid = 1u << 21, per_binade = 256, binades = 277;
    const float edges[] = {ELMO_TANH_SMALL, ELMO_EXP_MIN, ELMO_EXP_MAX, 88.7228394f, 88.3762589f, -87.3365479f};
    size_t n = 0, cap = grid + 1 + 2 * per_binade * binades + N_EXTREMES + 6 * sizeof edges / sizeof edges[0];
    float *x = malloc(cap * sizeof(float));
    for (size_t i = 0; i <= grid; i++) x[n++] = -20.0f + 40.0f * (float)i / (float)grid;
    uint32_t rng = 7;
    for (int e = -149; e < 128; e++)
        for (size_t i = 0; i < per_binade; i++) {
            const float v = ldexpf(random_float(&rng, 1.0f, 2.0f), e);
            x[n++] = v;
            x[n++] = -v;
        }
    for (size_t i = 0; i < N_EXTREMES; i++) x[n++] = extremes[i];
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        const float v = edges[i];
        const float around[3] = {nextafterf(v, -INFINITY), v, nextafterf(v, INFINITY)};
        for (size_t s = 0; s < 3; s++) {
            x[n++] = around[s];
            x[n++] = -around[s];
        }
    }
    *out = x;
    return n;
}

/* Distance in units of the last place of want (as a float; 2^-149 below FLT_MIN). */
static double ulps(float got, double want) {
    const double a = fabs(want);
    const double ulp = a < FLT_MIN ? ldexp(1.0, -149) : ldexp(1.0, ilogb(a) - 23);
    return fabs((double)got - want) / ulp;
}

typedef struct error_stats {
    double max_ulp, ulp_at, max_abs, abs_at;
} error_stats;

/* Checks got against want over n inputs; ulps count where |want| >= min_normal
 * (exp: its denormals too), overflowing values must come out infinite. */
static error_stats measure(const char *name, const float *x, const float *got, size_t n, double (*ref)(double),
                           int denormal_ulps) {
    error_stats s = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const double want = ref(x[i]);
        if (isnan(want)) {
            CHECK(isnan(got[i]), "%s(%.9g) = %.9g, want NaN", name, x[i], got[i]);
            continue;
        }
        if (fabs(want) > FLT_MAX) {
            CHECK(isinf(got[i]) || fabs(got[i]) == FLT_MAX, "%s(%.9g) = %.9g, want %g", name, x[i], got[i], want);
            continue;
        }
        const double abs_err = fabs((double)got[i] - want);
        if (abs_err > s.max_abs) s.max_abs = abs_err, s.abs_at = x[i];
        if (fabs(want) >= FLT_MIN || denormal_ulps) {
            const double u = ulps(got[i], want);
            if (u > s.max_ulp) s.max_ulp = u, s.ulp_at = x[i];
        }
    }
    printf("%-8s max error %.3f ulp (at x = %.9g), %.3g absolute (at x = %.9g), %zu inputs\n", name, s.max_ulp,
           s.ulp_at, s.max_abs, s.abs_at, n);
    return s;
}

static double ref_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

static void test_accuracy(void) {
    float *x;
    const size_t n = accuracy_inputs(&x);
    float *y = malloc(n * sizeof(float)), *y_simd = malloc(n * sizeof(float));
    const struct {
        const char *name;
        map_fn scalar;
        double (*ref)(double);
        double max_ulp, max_abs;
    } fns[] = {
        {"exp", elmo_f32_vexp__scalar, exp, 1.5, INFINITY},
        {"sigmoid", elmo_f32_vsigmoid__scalar, ref_sigmoid, 3.0, 1.2e-7},
        {"tanh", elmo_f32_vtanh__scalar, tanh, 2.0, 1.2e-7},
    };
    map_fn simd[] = {
#if ELMO_HAVE_WASMSIMD
        elmo_f32_vexp__wasmsimd, elmo_f32_vsigmoid__wasmsimd, elmo_f32_vtanh__wasmsimd,
#else
        NULL, NULL, NULL,
#endif
    };
    for (size_t f = 0; f < sizeof fns / sizeof fns[0]; f++) {
        fns[f].scalar(n, x, y);
        const error_stats s = measure(fns[f].name, x, y, n, fns[f].ref, f == 0);
        CHECK(s.max_ulp <= fns[f].max_ulp, "%s: %.3f ulp > %.1f", fns[f].name, s.max_ulp, fns[f].max_ulp);
        if (fns[f].max_abs < INFINITY)
            CHECK(s.max_abs <= fns[f].max_abs, "%s: %.3g absolute > %.3g", fns[f].name, s.max_abs, fns[f].max_abs);
        if (!simd[f]) continue;
        simd[f](n, x, y_simd);
        size_t differ = 0, first = 0;
        for (size_t i = n; i-- > 0;)
            if (!same_bits(y[i], y_simd[i]) && !(isnan(y[i]) && isnan(y_simd[i]))) differ++, first = i;
        CHECK(differ == 0, "%s: SIMD differs from scalar at %zu inputs, first x = %.9g: %.9g vs %.9g", fns[f].name,
              differ, x[first], y_simd[first], y[first]);
    }
    /* Saturation and signs, exactly. */
    float e[4] = {-INFINITY, INFINITY, -0.0f, 0.0f}, out[4];
    elmo_f32_vsigmoid__scalar(2, e, out);
    CHECK(out[0] == 0.0f && out[1] == 1.0f, "sigmoid(-inf, inf) = %g, %g", out[0], out[1]);
    elmo_f32_vtanh__scalar(4, e, out);
    CHECK(out[0] == -1.0f && out[1] == 1.0f && signbit(out[2]) && out[2] == 0.0f && !signbit(out[3]),
          "tanh(-inf, inf, -0, 0) = %g, %g, %g, %g", out[0], out[1], out[2], out[3]);
    elmo_f32_vexp__scalar(2, e, out);
    CHECK(out[0] == 0.0f && isinf(out[1]), "exp(-inf, inf) = %g, %g", out[0], out[1]);
    free(x);
    free(y);
    free(y_simd);
}

/* ---- the model steps ---- */

static const size_t sizes[] = {1, 3, 4, 5, 17, 129, 1000};
#define N_SIZES (sizeof sizes / sizeof sizes[0])

static double clip_d(double x, double bound) { return x > bound ? bound : (x < -bound ? -bound : x); }

/* The scalar cell update of units [u0, u1) against the formula in double
 * (on moderate inputs), and the SIMD kernel against the scalar one. */
static void cell_case(size_t rows, size_t H, size_t u0, size_t u1, float cell_clip, int mixed, uint32_t *rng) {
    float *gates = malloc(rows * 4 * H * sizeof(float)), *c0 = malloc(rows * H * sizeof(float));
    float *c = malloc(rows * H * sizeof(float)), *m = malloc(rows * H * sizeof(float));
    float *c_simd = malloc(rows * H * sizeof(float)), *m_simd = malloc(rows * H * sizeof(float));
    if (mixed) {
        fill_mixed(gates, rows * 4 * H, 12.0f, rng);
        fill_mixed(c0, rows * H, 5.0f, rng);
        for (size_t i = 0; i < rows * H; i++)
            if (isinf(c0[i])) c0[i] = 0.5f; /* a cell state is finite: inf * 0 would be NaN */
    } else {
        for (size_t i = 0; i < rows * 4 * H; i++) gates[i] = random_float(rng, -6.0f, 6.0f);
        for (size_t i = 0; i < rows * H; i++) c0[i] = random_float(rng, -4.0f, 4.0f);
    }
    const float sentinel = -12345.0f;
    for (size_t i = 0; i < rows * H; i++) m[i] = m_simd[i] = sentinel;
    memcpy(c, c0, rows * H * sizeof(float));
    memcpy(c_simd, c0, rows * H * sizeof(float));
    elmo_f32_lstm_cell__scalar(rows, H, u0, u1, gates, c, m, cell_clip);
    size_t wrong = 0, untouched = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t u = 0; u < H; u++) {
            const size_t at = r * H + u;
            if (u < u0 || u >= u1) {
                untouched += m[at] == sentinel && same_bits(c[at], c0[at]);
                continue;
            }
            untouched++;
            if (mixed) continue;
            const float *g = gates + r * 4 * H;
            const double want_c = clip_d(ref_sigmoid((double)g[2 * H + u] + 1.0) * c0[at] +
                                             ref_sigmoid(g[u]) * tanh(g[H + u]), cell_clip);
            const double want_m = ref_sigmoid(g[3 * H + u]) * tanh(want_c);
            wrong += fabs(c[at] - want_c) > 1e-6 * (1.0 + fabs(want_c)) || fabs(m[at] - want_m) > 1e-6;
        }
    CHECK(untouched == rows * H && wrong == 0,
          "cell rows %zu H %zu units [%zu, %zu) clip %g: %zu units off the formula, %zu outside the range written",
          rows, H, u0, u1, cell_clip, wrong, rows * H - untouched);
#if ELMO_HAVE_WASMSIMD
    elmo_f32_lstm_cell__wasmsimd(rows, H, u0, u1, gates, c_simd, m_simd, cell_clip);
    size_t differ = 0;
    for (size_t i = 0; i < rows * H; i++) differ += !same_bits(c[i], c_simd[i]) || !same_bits(m[i], m_simd[i]);
    CHECK(differ == 0, "cell rows %zu H %zu units [%zu, %zu) clip %g mixed %d: SIMD differs from scalar at %zu units",
          rows, H, u0, u1, cell_clip, mixed, differ);
#endif
    free(gates);
    free(c0);
    free(c);
    free(m);
    free(c_simd);
    free(m_simd);
}

static void test_lstm_cell(void) {
    uint32_t rng = 11;
    const float clips[] = {INFINITY, 3.0f, 0.25f};
    for (size_t s = 0; s < N_SIZES; s++) {
        const size_t H = sizes[s];
        /* All units, then ranges starting and ending off the 4-lane grid. */
        const size_t ranges[3][2] = {{0, H}, {H > 1 ? 1 : 0, H}, {H / 3, H - H / 3}};
        for (size_t rows = 1; rows <= 3; rows++)
            for (size_t k = 0; k < sizeof clips / sizeof clips[0]; k++)
                for (size_t q = 0; q < 3; q++)
                    for (int mixed = 0; mixed <= 1; mixed++)
                        cell_case(rows, H, ranges[q][0], ranges[q][1], clips[k], mixed, &rng);
    }
}

static void mix_case(size_t n, int mixed, uint32_t *rng) {
    /* One float of offset: the SIMD loads are unaligned. */
    float *carry = malloc((n + 1) * sizeof(float)), *transform = malloc((n + 1) * sizeof(float));
    float *x0 = malloc((n + 1) * sizeof(float)), *x = malloc((n + 1) * sizeof(float));
    float *x_simd = malloc((n + 1) * sizeof(float));
    if (mixed) {
        fill_mixed(carry, n + 1, 12.0f, rng);
        fill_mixed(transform, n + 1, 1e3f, rng);
        for (size_t i = 0; i <= n; i++) transform[i] = isinf(transform[i]) ? 7.0f : transform[i];
        fill_mixed(x0, n + 1, 1e3f, rng);
        for (size_t i = 0; i <= n; i++) x0[i] = isinf(x0[i]) ? -7.0f : x0[i];
    } else {
        for (size_t i = 0; i <= n; i++) {
            carry[i] = random_float(rng, -6.0f, 6.0f);
            transform[i] = random_float(rng, -3.0f, 3.0f);
            x0[i] = random_float(rng, -3.0f, 3.0f);
        }
    }
    memcpy(x, x0, (n + 1) * sizeof(float));
    memcpy(x_simd, x0, (n + 1) * sizeof(float));
    elmo_f32_highway_mix__scalar(n, carry + 1, transform + 1, x + 1);
    size_t wrong = 0;
    for (size_t i = 1; i <= n && !mixed; i++) {
        const double g = ref_sigmoid(carry[i]), t = transform[i] > 0.0f ? transform[i] : 0.0;
        const double want = g * t + (1.0 - g) * x0[i];
        wrong += fabs(x[i] - want) > 1e-6 * (1.0 + fabs(want));
    }
    CHECK(wrong == 0 && same_bits(x[0], x0[0]), "mix n %zu: %zu elements off the formula", n, wrong);
#if ELMO_HAVE_WASMSIMD
    elmo_f32_highway_mix__wasmsimd(n, carry + 1, transform + 1, x_simd + 1);
    size_t differ = 0;
    for (size_t i = 0; i <= n; i++) differ += !same_bits(x[i], x_simd[i]);
    CHECK(differ == 0, "mix n %zu mixed %d: SIMD differs from scalar at %zu elements", n, mixed, differ);
#endif
    free(carry);
    free(transform);
    free(x0);
    free(x);
    free(x_simd);
}

static void test_highway_mix(void) {
    uint32_t rng = 13;
    for (size_t s = 0; s < N_SIZES; s++)
        for (int mixed = 0; mixed <= 1; mixed++) mix_case(sizes[s], mixed, &rng);
}

int main(void) {
    printf("SIMD kernels: %s\n", ELMO_HAVE_WASMSIMD ? "wasmsimd" : "none in this build");
    test_accuracy();
    test_lstm_cell();
    test_highway_mix();
    return test_report("test_activations");
}
