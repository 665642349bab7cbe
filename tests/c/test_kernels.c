/*
 * test_kernels.c — every GEMM kernel against the scalar spec on edge shapes:
 * m = 1..9 (partial 4-row tiles), n around the 8- and 4-column blocks
 * and the 8-column panels (1, 3, 4, 7, 8, 9, 15, 16, 17, 129), k from 1 to
 * 129, strided operands, with and without bias and accumulation. gemm.h
 * promises the same summation order in every kernel, so results must agree
 * bit for bit; the scalar spec itself is checked against sums by hand.
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

/* Runs kernel and the scalar spec on the same inputs; returns 1 if they agree
 * everywhere, including the padding columns of C that must stay untouched. */
static int agrees(elmo_f32_gemm_fn kernel, size_t m, size_t n, size_t k, int with_bias, int accumulate,
                  uint32_t *rng, char *where, size_t where_size) {
    const size_t lda = k + 3, ldb = n + 5, ldc = n + 2; /* strides wider than the rows */
    float *a = malloc(m * lda * sizeof(float)), *b = malloc(k * ldb * sizeof(float));
    float *packed = malloc(elmo_packed_floats(k, n) * sizeof(float));
    float *bias = malloc(n * sizeof(float));
    float *want = malloc(m * ldc * sizeof(float)), *got = malloc(m * ldc * sizeof(float));
    fill(a, m * lda, rng);
    fill(b, k * ldb, rng);
    fill(bias, n, rng);
    fill(want, m * ldc, rng);
    memcpy(got, want, m * ldc * sizeof(float));
    elmo_f32_pack_panels(k, n, b, ldb, packed);
    elmo_f32_gemm__scalar(m, n, k, a, lda, packed, with_bias ? bias : NULL, want, ldc, accumulate);
    kernel(m, n, k, a, lda, packed, with_bias ? bias : NULL, got, ldc, accumulate);
    int ok = 1;
    for (size_t i = 0; i < m * ldc && ok; i++) {
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            snprintf(where, where_size, "C[%zu][%zu] = %.9g, scalar %.9g", i / ldc, i % ldc, got[i], want[i]);
            ok = 0;
        }
    }
    free(a);
    free(b);
    free(packed);
    free(bias);
    free(want);
    free(got);
    return ok;
}

/* The same for int8 weights: kernel against the int8 scalar spec. */
static int agrees_i8(elmo_f32i8_gemm_fn kernel, size_t m, size_t n, size_t k, int with_bias, int accumulate,
                     uint32_t *rng, char *where, size_t where_size) {
    const size_t lda = k + 3, ldc = n + 2;
    float *a = malloc(m * lda * sizeof(float)), *b = malloc(k * n * sizeof(float));
    int8_t *q = malloc(elmo_i8_packed_bytes(k, n));
    float *scale = malloc(elmo_panel_columns(n) * sizeof(float)), *bias = malloc(n * sizeof(float));
    float *want = malloc(m * ldc * sizeof(float)), *got = malloc(m * ldc * sizeof(float));
    fill(a, m * lda, rng);
    fill(b, k * n, rng);
    fill(bias, n, rng);
    fill(want, m * ldc, rng);
    memcpy(got, want, m * ldc * sizeof(float));
    elmo_i8_quantize_panels(k, n, b, n, q, scale);
    elmo_f32i8_gemm__scalar(m, n, k, a, lda, q, scale, with_bias ? bias : NULL, want, ldc, accumulate);
    kernel(m, n, k, a, lda, q, scale, with_bias ? bias : NULL, got, ldc, accumulate);
    int ok = 1;
    for (size_t i = 0; i < m * ldc && ok; i++) {
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            snprintf(where, where_size, "C[%zu][%zu] = %.9g, scalar %.9g", i / ldc, i % ldc, got[i], want[i]);
            ok = 0;
        }
    }
    free(a), free(b), free(q), free(scale), free(bias), free(want), free(got);
    return ok;
}

static void sweep_i8(const char *name, elmo_f32i8_gemm_fn kernel) {
    static const size_t ns[] = {1, 3, 7, 8, 9, 16, 17, 33, 129};
    static const size_t ks[] = {1, 2, 3, 17, 129, 256, 257, 600};
    uint32_t rng = 777;
    char where[128];
    for (size_t m = 1; m <= 9; m++)
        for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
            for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++)
                for (int variant = 0; variant < 4; variant++) {
                    const int ok = agrees_i8(kernel, m, ns[ni], ks[ki], variant & 1, variant >> 1, &rng, where,
                                             sizeof where);
                    CHECK(ok, "%s m=%zu n=%zu k=%zu bias=%d accumulate=%d: %s", name, m, ns[ni], ks[ki], variant & 1,
                          variant >> 1, where);
                }
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
    float c[2];
    elmo_f32i8_gemm__scalar(1, 2, 2, a, 2, q, scale, bias, c, 2, 0);
    CHECK(fabsf(c[0] - 10.54f) < 1e-4f && c[1] == -3.0f, "int8 GEMM: %g %g", c[0], c[1]);
}

static void sweep(const char *name, elmo_f32_gemm_fn kernel) {
    static const size_t ns[] = {1, 3, 4, 7, 8, 9, 15, 16, 17, 24, 25, 31, 32, 33, 129};
    static const size_t ks[] = {1, 2, 3, 4, 17, 129};
    uint32_t rng = 12345;
    char where[128];
    for (size_t m = 1; m <= 9; m++)
        for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
            for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++)
                for (int variant = 0; variant < 4; variant++) {
                    const int with_bias = variant & 1, accumulate = variant >> 1;
                    const int ok = agrees(kernel, m, ns[ni], ks[ki], with_bias, accumulate, &rng, where,
                                          sizeof where);
                    CHECK(ok, "%s m=%zu n=%zu k=%zu bias=%d accumulate=%d: %s", name, m, ns[ni], ks[ki],
                          with_bias, accumulate, where);
                }
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
#if ELMO_HAVE_WASMSIMD
    sweep("elmo_f32_gemm__wasmsimd", elmo_f32_gemm__wasmsimd);
    sweep_i8("elmo_f32i8_gemm__wasmsimd", elmo_f32i8_gemm__wasmsimd);
#else
    CHECK(0, "built without wasm SIMD intrinsics (install libsimde-dev): the SIMD kernel is untested");
#endif
    /* The dispatched kernel is the one model code runs. */
    sweep(elmo_f32_gemm_name(), elmo_f32_gemm);
    printf("dispatched kernel: %s\n", elmo_f32_gemm_name());
    return test_report("test_kernels");
}
