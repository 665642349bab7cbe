/*
 * test_kernels.c — every GEMM kernel against the scalar spec on edge shapes:
 * m = 1..9 (partial 4-row tiles), n around the 8- and 4-column blocks
 * and the 8-column panels (1, 3, 4, 7, 8, 9, 15, 16, 17, 129), k from 1 to
 * 129 (600 for int8 and the 16-bit floats; for those also m, n, k among 1, 3,
 * 17, 129), strided operands, with and without bias and accumulation. gemm.h
 * promises the same summation order in every kernel, so results must agree
 * bit for bit — float16 and bfloat16 ones also with the float spec on the
 * widened weights; the scalar specs themselves are checked against sums and
 * roundings by hand.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/gemm.h"
#include "test_util.h"

static float random_float(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) & 0xFFFFFF) / 8388608.0f - 1.0f;
}

static void fill(float *x, size_t n, uint32_t *rng) {
    for (size_t i = 0; i < n; i++) x[i] = random_float(rng);
}

/* A 16-bit float format: its rounding, its widening and its GEMM spec. */
typedef struct format16 {
    const char *name;
    uint16_t (*round)(float);
    float (*widen)(uint16_t);
    elmo_f32w16_gemm_fn spec;
} format16;

static const format16 float16 = {"float16", elmo_f32_to_f16, elmo_f16_to_f32, elmo_f32f16_gemm__scalar};
static const format16 bfloat16 = {"bfloat16", elmo_f32_to_bf16, elmo_bf16_to_f32, elmo_f32bf16_gemm__scalar};

/* A kernel under test: the one of its kind that is set (w16 on weights of format). */
typedef struct kernel_under_test {
    elmo_f32_gemm_fn f32;
    elmo_f32i8_gemm_fn i8;
    elmo_f32w16_gemm_fn w16;
    const format16 *format;
} kernel_under_test;

/* 1 if got and want (m rows of ldc floats, the padding columns included)
 * hold the same bits; else 0, and where names the first difference. */
static int same_bits(const float *got, const float *want, size_t m, size_t ldc, char *where, size_t where_size) {
    for (size_t i = 0; i < m * ldc; i++) {
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            snprintf(where, where_size, "C[%zu][%zu] = %.9g, spec %.9g", i / ldc, i % ldc, got[i], want[i]);
            return 0;
        }
    }
    return 1;
}

/* Runs the kernel and its spec on the same random operands (strides wider
 * than the rows, C prefilled): the float spec for float kernels, the int8
 * spec for int8 ones, and for 16-bit float ones both their format's spec and
 * the float spec on the widened weights, which must all give the same bits. */
static int agrees(const kernel_under_test *kernel, size_t m, size_t n, size_t k, int with_bias, int accumulate,
                  uint32_t *rng, char *where, size_t where_size) {
    const size_t lda = k + 3, ldb = n + 5, ldc = n + 2;
    float *a = malloc(m * lda * sizeof(float)), *b = malloc(k * ldb * sizeof(float));
    float *packed = malloc(elmo_packed_floats(k, n) * sizeof(float)), *bias = malloc(n * sizeof(float));
    float *want = malloc(m * ldc * sizeof(float)), *got = malloc(m * ldc * sizeof(float));
    int8_t *q = malloc(elmo_i8_packed_bytes(k, n));
    float *scale = malloc(elmo_panel_columns(n) * sizeof(float));
    uint16_t *halves = malloc(elmo_packed_floats(k, n) * sizeof(uint16_t));
    fill(a, m * lda, rng);
    fill(b, k * ldb, rng);
    fill(bias, n, rng);
    fill(want, m * ldc, rng);
    memcpy(got, want, m * ldc * sizeof(float));
    const float *bias_or_null = with_bias ? bias : NULL;
    int ok = 1;
    if (kernel->i8) {
        elmo_i8_quantize_panels(k, n, b, ldb, q, scale);
        elmo_f32i8_gemm__scalar(m, n, k, a, lda, q, scale, bias_or_null, want, ldc, accumulate);
        kernel->i8(m, n, k, a, lda, q, scale, bias_or_null, got, ldc, accumulate);
    } else if (kernel->w16) {
        const format16 *format = kernel->format;
        elmo_pack_panels16(k, n, b, ldb, format->round, halves);
        for (size_t e = 0; e < elmo_packed_floats(k, n); e++) packed[e] = format->widen(halves[e]);
        float *spec = malloc(m * ldc * sizeof(float));
        memcpy(spec, want, m * ldc * sizeof(float));
        elmo_f32_gemm__scalar(m, n, k, a, lda, packed, bias_or_null, want, ldc, accumulate);
        format->spec(m, n, k, a, lda, halves, bias_or_null, spec, ldc, accumulate);
        ok = same_bits(spec, want, m, ldc, where, where_size);
        if (!ok) snprintf(where + strlen(where), where_size - strlen(where), " (%s spec vs float spec)", format->name);
        free(spec);
        kernel->w16(m, n, k, a, lda, halves, bias_or_null, got, ldc, accumulate);
    } else {
        elmo_f32_pack_panels(k, n, b, ldb, packed);
        elmo_f32_gemm__scalar(m, n, k, a, lda, packed, bias_or_null, want, ldc, accumulate);
        kernel->f32(m, n, k, a, lda, packed, bias_or_null, got, ldc, accumulate);
    }
    ok = ok && same_bits(got, want, m, ldc, where, where_size);
    free(a), free(b), free(packed), free(bias), free(want), free(got), free(q), free(scale), free(halves);
    return ok;
}

#define COUNT(array) (sizeof array / sizeof *array)

/* Every m of ms, n of ns, k of ks, with and without bias and accumulation. */
static void sweep_shapes(const char *name, kernel_under_test kernel, const size_t *ms, size_t n_ms, const size_t *ns,
                         size_t n_ns, const size_t *ks, size_t n_ks, uint32_t seed) {
    char where[160];
    for (size_t mi = 0; mi < n_ms; mi++)
        for (size_t ni = 0; ni < n_ns; ni++)
            for (size_t ki = 0; ki < n_ks; ki++)
                for (int variant = 0; variant < 4; variant++) {
                    const int with_bias = variant & 1, accumulate = variant >> 1;
                    const int ok =
                        agrees(&kernel, ms[mi], ns[ni], ks[ki], with_bias, accumulate, &seed, where, sizeof where);
                    CHECK(ok, "%s m=%zu n=%zu k=%zu bias=%d accumulate=%d: %s", name, ms[mi], ns[ni], ks[ki],
                          with_bias, accumulate, where);
                }
}

/* Every m = 1..9 (whole and partial 4-row tiles, and the 16-bit kernels' switch at 8 rows). */
static const size_t small_ms[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

static void sweep(const char *name, kernel_under_test kernel, const size_t *ns, size_t n_ns, const size_t *ks,
                  size_t n_ks, uint32_t seed) {
    sweep_shapes(name, kernel, small_ms, COUNT(small_ms), ns, n_ns, ks, n_ks, seed);
}

/* Columns around the 4-, 8-, 16- and 32-column tiles; k odd and even, and
 * for the 16-bit floats and int8 past 128 and 256 (16-bit weights are widened
 * 128 rows at a time, int8 kernels quantize activations in chunks of 256). */
static const size_t float_ns[] = {1, 3, 4, 7, 8, 9, 15, 16, 17, 24, 25, 31, 32, 33, 129};
static const size_t float_ks[] = {1, 2, 3, 4, 17, 129};
static const size_t f16_ns[] = {1, 3, 7, 8, 9, 16, 17, 31, 32, 33, 129};
static const size_t f16_ks[] = {1, 2, 3, 17, 129, 256, 257, 600};
static const size_t i8_ns[] = {1, 3, 7, 8, 9, 16, 17, 33, 129};
static const size_t i8_ks[] = {1, 2, 3, 17, 129, 256, 257, 600};

static void sweep_f32(const char *name, elmo_f32_gemm_fn fn) {
    sweep(name, (kernel_under_test){.f32 = fn}, float_ns, COUNT(float_ns), float_ks, COUNT(float_ks), 12345);
}

/* Odd shapes in all three dimensions, m past the 8 rows from which 16-bit weights are widened once. */
static const size_t odd_dims[] = {1, 3, 17, 129};

static void sweep_w16(const char *name, elmo_f32w16_gemm_fn fn, const format16 *format) {
    const kernel_under_test kernel = {.w16 = fn, .format = format};
    sweep(name, kernel, f16_ns, COUNT(f16_ns), f16_ks, COUNT(f16_ks), 4242);
    sweep_shapes(name, kernel, odd_dims, COUNT(odd_dims), odd_dims, COUNT(odd_dims), odd_dims, COUNT(odd_dims), 2424);
}

static void sweep_i8(const char *name, elmo_f32i8_gemm_fn fn) {
    sweep(name, (kernel_under_test){.i8 = fn}, i8_ns, COUNT(i8_ns), i8_ks, COUNT(i8_ks), 777);
}

/* Quantization and the int8 spec against numbers worked out by hand. */
static void test_i8_spec(void) {
    /* Column 0: max 2.54 → scale 0.02, q = [127, -50]; column 1: all zero → scale 0, q = 0.
     * Rows go in pairs: bytes 0, 1 are column 0's rows 0, 1; bytes 2, 3 column 1's. */
    const float b[2 * 2] = {2.54f, 0.0f, -1.0f, 0.0f};
    int8_t q[2 * 8];
    float scale[8];
    elmo_i8_quantize_panels(2, 2, b, 2, q, scale);
    CHECK(q[0] == 127 && q[1] == -50 && q[2] == 0 && q[3] == 0 && q[15] == 0, "int8 panels: %d %d %d %d", q[0], q[1],
          q[2], q[3]);
    CHECK(fabsf(scale[0] - 0.02f) < 1e-7f && scale[1] == 0.0f && scale[7] == 0.0f, "scales %g %g", scale[0], scale[1]);
    /* a = [1, 2]: s = 2 / 32767, aq = [16384 (16383.5 rounded away from zero), 32767];
     * column 0 = 10 + 0.02 * s * (127 * 16384 - 50 * 32767) ~ 10 + 0.02 * 27.0 = 10.54; column 1 = bias only. */
    const float a[2] = {1.0f, 2.0f}, bias[2] = {10.0f, -3.0f};
    int16_t aq[2];
    CHECK(elmo_i16_quantize(a, 2, aq) == 2.0f / 32767.0f && aq[0] == 16384 && aq[1] == 32767, "int16 activations");
    /* NaN and infinite activations (from a hostile model) quantize to defined values, not UB (UBSan checks). */
    const float odd[4] = {NAN, 1.0f, INFINITY, -4.0f};
    int16_t oq[4];
    elmo_i16_quantize(odd, 2, oq);
    CHECK(oq[0] == 0 && oq[1] == 32767, "a NaN activation: %d %d", oq[0], oq[1]);
    elmo_i16_quantize(odd + 1, 3, oq);
    CHECK(oq[0] == 0 && oq[1] == 0 && oq[2] == 0, "an infinite activation: %d %d %d", oq[0], oq[1], oq[2]);
    float c[2];
    elmo_f32i8_gemm__scalar(1, 2, 2, a, 2, q, scale, bias, c, 2, 0);
    CHECK(fabsf(c[0] - 10.54f) < 1e-4f && c[1] == -3.0f, "int8 GEMM: %g %g", c[0], c[1]);
}

/* The 16-bit kernels as model code reaches them: elmo_weight_gemm() with a float16 or a bfloat16 weight. */
static void dispatched_f16(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                           const uint16_t *restrict b_packed, const float *restrict bias, float *restrict c, size_t ldc,
                           int accumulate) {
    const elmo_weight w = {ELMO_WEIGHT_F16, b_packed, NULL};
    elmo_weight_gemm(m, n, k, a, lda, &w, bias, c, ldc, accumulate);
}

static void dispatched_bf16(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                            const uint16_t *restrict b_packed, const float *restrict bias, float *restrict c,
                            size_t ldc, int accumulate) {
    const elmo_weight w = {ELMO_WEIGHT_BF16, b_packed, NULL};
    elmo_weight_gemm(m, n, k, a, lda, &w, bias, c, ldc, accumulate);
}

/* float32 -> float16 rounding (to nearest, ties to even) at its edges, and
 * widening, exhaustively: every finite half widens to a float that rounds back to it. */
static void test_f16_spec(void) {
    static const struct { float x; uint16_t h; } cases[] = {
        {1.0f, 0x3c00},
        {-2.0f, 0xc000},
        {-0.0f, 0x8000},
        {65504.0f, 0x7bff},          /* the largest half */
        {65519.996f, 0x7bff},        /* just under the tie with 65536 */
        {65520.0f, 0x7c00},          /* the tie: to even, which is infinity */
        {1e9f, 0x7c00},
        {1.0f + 0x1p-11f, 0x3c00},   /* ties: to the even neighbour */
        {1.0f + 0x3p-11f, 0x3c02},
        {1.0f + 0x1p-11f + 0x1p-20f, 0x3c01},
        {0x1p-14f, 0x0400},          /* the smallest normal */
        {0x1p-14f - 0x1p-25f, 0x0400}, /* a tie between the largest subnormal and it */
        {0x1p-24f, 0x0001},          /* the smallest subnormal */
        {0x1p-25f, 0x0000},          /* half of it: a tie, to even 0 */
        {0x1.000002p-25f, 0x0001},
        {0x3p-25f, 0x0002},          /* 1.5 units: a tie, to even 2 */
        {1e-10f, 0x0000},
        {-1e-10f, 0x8000},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const uint16_t h = elmo_f32_to_f16(cases[i].x);
        CHECK(h == cases[i].h, "f32_to_f16(%a) = 0x%04x, want 0x%04x", (double)cases[i].x, h, cases[i].h);
    }
    CHECK((elmo_f32_to_f16(NAN) & 0x7fffu) > 0x7c00u, "NaN stays NaN");
    CHECK(elmo_f16_to_f32(0x3c00) == 1.0f && elmo_f16_to_f32(0x7bff) == 65504.0f &&
              elmo_f16_to_f32(0x0001) == 0x1p-24f && elmo_f16_to_f32(0x83ff) == -0x3ffp-24f &&
              signbit(elmo_f16_to_f32(0x8000)) && elmo_f16_to_f32(0x8000) == 0.0f,
          "widening: 1, 65504, the subnormals, -0");
    size_t mismatches = 0;
    for (uint32_t h = 0; h <= 0xffff; h++)
        if ((h & 0x7c00u) != 0x7c00u && elmo_f32_to_f16(elmo_f16_to_f32((uint16_t)h)) != h) mismatches++;
    CHECK(mismatches == 0, "%zu finite halves do not round-trip", mismatches);
}

/* float32 -> bfloat16 rounding (to nearest, ties to even) at its edges, and
 * widening, exhaustively: every bfloat16 but NaN widens to a float that rounds back to it. */
static void test_bf16_spec(void) {
    static const struct { float x; uint16_t h; } cases[] = {
        {1.0f, 0x3f80},
        {-2.0f, 0xc000},
        {0.0f, 0x0000},
        {-0.0f, 0x8000},
        {1.0f + 0x1p-8f, 0x3f80},            /* ties: to the even neighbour */
        {1.0f + 0x3p-8f, 0x3f82},
        {1.0f + 0x1p-8f + 0x1p-20f, 0x3f81}, /* just past the tie */
        {1.0f + 0x1p-8f - 0x1p-23f, 0x3f80}, /* just under it */
        {-(1.0f + 0x3p-8f), 0xbf82},
        {0x1.fep127f, 0x7f7f},               /* the largest bfloat16 */
        {0x1.fefffep127f, 0x7f7f},           /* just under the tie with 2^128 */
        {0x1.ffp127f, 0x7f80},               /* the tie: to even, which is infinity */
        {0x1.fffffep127f, 0x7f80},           /* the largest float */
        {-0x1.fffffep127f, 0xff80},
        {INFINITY, 0x7f80},
        {-INFINITY, 0xff80},
        {0x1p-126f, 0x0080},                 /* the smallest normal */
        {0x1p-133f, 0x0001},                 /* the smallest subnormal */
        {-0x1p-133f, 0x8001},
        {0x1p-134f, 0x0000},                 /* half of it: a tie, to even 0 */
        {0x3p-134f, 0x0002},                 /* 1.5 units: a tie, to even 2 */
        {0x1.0002p-134f, 0x0001},            /* just past it */
        {0xffp-134f, 0x0080},                /* largest subnormal + half a unit: a tie, to the even smallest normal */
        {0x1p-149f, 0x0000},                 /* the smallest float subnormal */
        {-0x1p-149f, 0x8000},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const uint16_t h = elmo_f32_to_bf16(cases[i].x);
        CHECK(h == cases[i].h, "f32_to_bf16(%a) = 0x%04x, want 0x%04x", (double)cases[i].x, h, cases[i].h);
    }
    CHECK((elmo_f32_to_bf16(NAN) & 0x7fffu) > 0x7f80u, "NaN stays NaN");
    /* A NaN whose payload is all in the bits rounding drops: truncated, it would read as infinity. */
    const uint32_t low_nan_bits = 0xff800001u;
    float low_nan;
    memcpy(&low_nan, &low_nan_bits, sizeof low_nan);
    const uint16_t low_nan_h = elmo_f32_to_bf16(low_nan);
    CHECK((low_nan_h & 0x7fffu) > 0x7f80u && (low_nan_h & 0x8000u), "a low-payload NaN stays a NaN: 0x%04x", low_nan_h);
    CHECK(elmo_bf16_to_f32(0x3f80) == 1.0f && elmo_bf16_to_f32(0x7f7f) == 0x1.fep127f &&
              elmo_bf16_to_f32(0x0001) == 0x1p-133f && elmo_bf16_to_f32(0x807f) == -0x7fp-133f &&
              elmo_bf16_to_f32(0x7f80) == INFINITY && signbit(elmo_bf16_to_f32(0x8000)) &&
              elmo_bf16_to_f32(0x8000) == 0.0f,
          "widening: 1, the largest, the subnormals, infinity, -0");
    size_t mismatches = 0;
    for (uint32_t h = 0; h <= 0xffff; h++)
        if ((h & 0x7fffu) <= 0x7f80u && elmo_f32_to_bf16(elmo_bf16_to_f32((uint16_t)h)) != h) mismatches++;
    CHECK(mismatches == 0, "%zu bfloat16s do not round-trip", mismatches);
}

/* The scalar spec itself, against sums written out by hand. */
static void test_scalar_spec(void) {
    const float a[2 * 3] = {1, 2, 3, 4, 5, 6};     /* (2, 3) */
    const float b[3 * 2] = {1, -1, 0.5f, 2, -2, 0}; /* (3, 2) */
    const float bias[2] = {10, 20};
    float c[2 * 2] = {100, 200, 300, 400};
    float packed[3 * 8];
    elmo_f32_pack_panels(3, 2, b, 2, packed);
    CHECK(packed[0] == 1 && packed[1] == -1 && packed[2] == 0 && packed[8] == 0.5f && packed[16] == -2,
          "packing: panel rows of 8, zero beyond n");
    elmo_f32_gemm__scalar(2, 2, 3, a, 3, packed, bias, c, 2, 1);
    /* row 0: 1*1 + 2*0.5 + 3*-2 = -4, 1*-1 + 2*2 + 0 = 3; row 1: 4 + 2.5 - 12 = -5.5, -4 + 10 = 6 */
    const float want[4] = {100 + 10 - 4, 200 + 20 + 3, 300 + 10 - 5.5f, 400 + 20 + 6};
    for (int i = 0; i < 4; i++) CHECK(c[i] == want[i], "scalar C[%d] = %g, want %g", i, c[i], want[i]);
    elmo_f32_gemm__scalar(2, 2, 3, a, 3, packed, NULL, c, 2, 0);
    CHECK(c[0] == -4 && c[1] == 3 && c[2] == -5.5f && c[3] == 6, "scalar without bias or accumulate");
}

int main(void) {
    test_scalar_spec();
    test_i8_spec();
    test_f16_spec();
    test_bf16_spec();
    sweep_w16("elmo_f32f16_gemm__scalar", elmo_f32f16_gemm__scalar, &float16);
    sweep_w16("elmo_f32bf16_gemm__scalar", elmo_f32bf16_gemm__scalar, &bfloat16);
#if ELMO_HAVE_WASMSIMD
    sweep_f32("elmo_f32_gemm__wasmsimd", elmo_f32_gemm__wasmsimd);
    sweep_i8("elmo_f32i8_gemm__wasmsimd", elmo_f32i8_gemm__wasmsimd);
    sweep_w16("elmo_f32f16_gemm__wasmsimd", elmo_f32f16_gemm__wasmsimd, &float16);
    sweep_w16("elmo_f32bf16_gemm__wasmsimd", elmo_f32bf16_gemm__wasmsimd, &bfloat16);
#else
    CHECK(0, "built without wasm SIMD intrinsics (install libsimde-dev): the SIMD kernel is untested");
#endif
    /* The dispatched kernel is the one model code runs. */
    sweep_f32(elmo_f32_gemm_name(), elmo_f32_gemm);
    sweep_w16("elmo_weight_gemm (float16)", dispatched_f16, &float16);
    sweep_w16("elmo_weight_gemm (bfloat16)", dispatched_bf16, &bfloat16);
    printf("dispatched kernel: %s\n", elmo_f32_gemm_name());
    return test_report("test_kernels");
}
