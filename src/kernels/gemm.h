/*
 * gemm.h — f32 GEMM with packed weights, the one operation the model spends
 * its time in:
 *
 *   C[m×n] = (accumulate ? C : 0) + bias[n] + A[m×k] · B[k×n]
 *
 * A and C are row-major with leading dimensions lda, ldc (in floats); bias
 * may be NULL. B is a weight matrix stored PACKED (models/FORMAT.md,
 * "panels8"): column panels of ELMO_PANEL_WIDTH columns, panel q holding its
 * k rows of 8 floats one after another,
 *
 *   B[p][j] = b[((j / 8) * k + p) * 8 + j % 8],   columns n..8*ceil(n/8)-1 zero,
 *
 * so every kernel streams a panel front to back and a GEMV-shaped call reads
 * the weights once, sequentially.
 *
 * Every element is formed in the same order in every kernel (start value,
 * + bias, then + a·b for p = 0..k-1, no fused multiply-add), so the kernels
 * agree bit for bit and a row's result never depends on m or on the other
 * rows. The scalar kernel is the spec. elmo_f32_gemm() is the kernel chosen
 * in dispatch.c.
 *
 * Weights may also be int8 (models/FORMAT.md, dtype "int8"): one float
 * scale per column, W[p][j] = scale[j] * q[p][j], in panels of 8 columns
 * whose rows go in PAIRS — row pair r holds 16 bytes, (q[2r][c], q[2r+1][c])
 * for c = 0..7 (a zero row pads an odd k) — so that one i32x4.dot_i16x8_s
 * multiplies and adds two rows of four columns at once. The activations are
 * quantized too, per row and per chunk of ELMO_I8_CHUNK values, to int16
 * with s = max |a| / 32767 (elmo_i16_quantize); the int8 kernels form
 *
 *   C[i][j] = (accumulate ? C : 0) + bias[j], then for each chunk in order:
 *   C[i][j] += (s * scale[j]) * float(sum over the chunk of aq[p] * q[p][j])
 *
 * with the sums exact in int32, so every kernel gives the same bits.
 *
 * Or float16 (dtype "float16"): the float layout above with IEEE binary16
 * elements, B[p][j] = f32(h[((j / 8) * k + p) * 8 + j % 8]). A half widens to
 * a float exactly (elmo_f16_to_f32), and the float16 kernels form every
 * element in the float order above, so their results are bit for bit those
 * of the float kernels on the widened weights.
 *
 * Or bfloat16 (dtype "bfloat16"): the same layout with bfloat16 elements, the
 * top 16 bits of a float32, B[p][j] = f32(h[...] << 16) (elmo_bf16_to_f32):
 * widening is exact and costs one shuffle, and the bfloat16 kernels keep the
 * same promise as the float16 ones.
 *
 * elmo_weight_gemm() takes any kind of weight; model code calls that. The
 * int8, float16 and bfloat16 packers below exist for the tests only (ELMO_TESTING):
 * the converter (js/) packs and quantizes a model once.
 */
#ifndef ELMO_KERNELS_GEMM_H
#define ELMO_KERNELS_GEMM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isa.h"

#define ELMO_PANEL_WIDTH 8

/* Columns of a packed matrix as stored: n padded to whole panels. */
static inline size_t elmo_panel_columns(size_t n) {
    return (n + ELMO_PANEL_WIDTH - 1) / ELMO_PANEL_WIDTH * ELMO_PANEL_WIDTH;
}

/* Elements of a packed k×n matrix. */
static inline size_t elmo_packed_floats(size_t k, size_t n) { return k * elmo_panel_columns(n); }

/* A GEMM weight as the model holds it: packed panels of float, of int8, of float16 or of bfloat16. */
typedef enum elmo_weight_type { ELMO_WEIGHT_F32, ELMO_WEIGHT_I8, ELMO_WEIGHT_F16, ELMO_WEIGHT_BF16 } elmo_weight_type;

typedef struct elmo_weight {
    elmo_weight_type type;
    /* elmo_packed_floats(k, n) floats or 16-bit floats, or elmo_i8_packed_bytes(k, n) int8 */
    const void *data;
    const float *scale; /* int8: elmo_panel_columns(n) per-column scales (zero past n); else NULL */
} elmo_weight;

/*
 * The stored size of a packed weight: the one place that knows it (the model
 * loader, the parameter count, the threads' column slices and the tests call
 * these; js/format/model-format.js tensorByteLength mirrors elmo_weight_stored_bytes
 * and tests/js/tensor-bytes.test.js holds the two equal).
 *
 * Bytes of one stored column of a k-row weight's values: columns j0.. of a
 * packed weight start j0 * this into its values (j0 on a panel boundary).
 * int8 rows go in pairs, so an odd k stores k + 1.
 */
static inline size_t elmo_weight_column_bytes(elmo_weight_type type, size_t k) {
    return type == ELMO_WEIGHT_I8                                 ? k + (k & 1)
           : type == ELMO_WEIGHT_F16 || type == ELMO_WEIGHT_BF16 ? k * sizeof(uint16_t)
                                                                 : k * sizeof(float);
}

/* Bytes of a k×n weight's values: whole panels of columns. */
static inline size_t elmo_weight_values_bytes(elmo_weight_type type, size_t k, size_t n) {
    return elmo_panel_columns(n) * elmo_weight_column_bytes(type, k);
}

/* Bytes of a k×n int8 weight's values: panels of 8 columns, rows in pairs. */
static inline size_t elmo_i8_packed_bytes(size_t k, size_t n) { return elmo_weight_values_bytes(ELMO_WEIGHT_I8, k, n); }

/* Where an int8 weight's scales start: after its values, 64-byte aligned. */
static inline size_t elmo_i8_scales_offset(size_t k, size_t n) { return (elmo_i8_packed_bytes(k, n) + 63) / 64 * 64; }

/* Bytes a k×n weight takes in the weights buffer (models/FORMAT.md): its
 * values, and for int8 its elmo_panel_columns(n) float scales after them. */
static inline size_t elmo_weight_stored_bytes(elmo_weight_type type, size_t k, size_t n) {
    return type == ELMO_WEIGHT_I8 ? elmo_i8_scales_offset(k, n) + elmo_panel_columns(n) * sizeof(float)
                                  : elmo_weight_values_bytes(type, k, n);
}

/* Where q[p][j] sits in an int8 weight's values. */
static inline size_t elmo_i8_index(size_t k, size_t p, size_t j) {
    return (j / ELMO_PANEL_WIDTH) * (k + (k & 1)) * ELMO_PANEL_WIDTH + (p / 2) * 2 * ELMO_PANEL_WIDTH +
           (j % ELMO_PANEL_WIDTH) * 2 + p % 2;
}

/* Quantizes row-major b (k×n) to int8 q (elmo_i8_packed_bytes(k, n)) and scale
 * (elmo_panel_columns(n) floats): per column, scale = max|b| / 127 and
 * q = round(b / scale). The converter does the same; the core uses it in tests only. */
#if ELMO_TESTING
void elmo_i8_quantize_panels(size_t k, size_t n, const float *b, size_t ldb, int8_t *q, float *scale);
#endif

/* Activations go to int16 in chunks of this many values (an even number:
 * the int32 sums of a chunk stay below 2^31 for |aq| <= 32767, |q| <= 127). */
#define ELMO_I8_CHUNK 256

/* Quantizes a[0..len) (len <= ELMO_I8_CHUNK) to aq[0..len + len % 2) (a zero
 * pads an odd len) and returns the scale s, a[p] ~ s * aq[p]; 0 when all are 0. */
float elmo_i16_quantize(const float *a, size_t len, int16_t *aq);

/* Packs row-major b (k×n, leading dimension ldb) into out (elmo_packed_floats(k, n)).
 * The converter does this once per model; the trainer once per step, for the weights it changes. */
void elmo_f32_pack_panels(size_t k, size_t n, const float *b, size_t ldb, float *out);

typedef void (*elmo_f32_gemm_fn)(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                 const float *restrict b_packed, const float *restrict bias,
                                 float *restrict c, size_t ldc, int accumulate);

void elmo_f32_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                           const float *restrict b_packed, const float *restrict bias,
                           float *restrict c, size_t ldc, int accumulate);

#if ELMO_HAVE_WASMSIMD
/* 4×8 register tiles for blocks of 4 rows, 1×32 (1×16 at the edge) for the rest (GEMV). */
void elmo_f32_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                             const float *restrict b_packed, const float *restrict bias,
                             float *restrict c, size_t ldc, int accumulate);
#endif

/* The float a binary16 stands for, exactly: the exponent and mantissa bits
 * moved to their float places (a float of exponent e - 112 for half exponent
 * e), times 2^112 — exact for normals, subnormals and zeros alike. Exponent
 * 31 (infinity, NaN) is no weight the converter writes; it reads as the
 * finite 2^16 * (1 + m / 1024). The SIMD kernels widen the same way. */
static inline float elmo_f16_to_f32(uint16_t h) {
    const uint32_t bits = (uint32_t)(h & 0x8000u) << 16 | (uint32_t)(h & 0x7fffu) << 13;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f * 0x1p112f;
}

/* Rounds a float to the nearest binary16, ties to even; beyond the largest
 * half (65504) it gives infinity (the converter refuses such weights). For tests. */
#if ELMO_TESTING
uint16_t elmo_f32_to_f16(float x);

/* Packs row-major b (k×n) into out (elmo_packed_floats(k, n) 16-bit floats),
 * each element rounded by round(). The converter does this; the core uses it in tests only. */
void elmo_pack_panels16(size_t k, size_t n, const float *b, size_t ldb, uint16_t (*round)(float), uint16_t *out);

/* The same with elmo_f32_to_f16: float16 panels. */
static inline void elmo_f16_pack_panels(size_t k, size_t n, const float *b, size_t ldb, uint16_t *out) {
    elmo_pack_panels16(k, n, b, ldb, elmo_f32_to_f16, out);
}
#endif

/* A GEMM on 16-bit float weights (float16 or bfloat16 panels): the float
 * layout with 2-byte elements, which the kernel widens to floats exactly. */
typedef void (*elmo_f32w16_gemm_fn)(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                    const uint16_t *restrict b_packed, const float *restrict bias,
                                    float *restrict c, size_t ldc, int accumulate);

/* Widens count 16-bit weights h to the floats out they stand for. */
typedef void (*elmo_widen16_fn)(const uint16_t *h, size_t count, float *out);

/* Columns and rows of the blocks elmo_f32_gemm_widened widens at a time (16 KiB of floats). */
#define ELMO_WIDEN_BLOCK_COLUMNS 32
#define ELMO_WIDEN_BLOCK_ROWS 128

/* A GEMM on 16-bit weights as a float kernel computes it on the widened
 * weights: each block of ELMO_WIDEN_BLOCK_COLUMNS columns, ELMO_WIDEN_BLOCK_ROWS
 * of its rows at a time, widened onto the stack (so each weight is read
 * once), then kernel() on that block. A later row chunk accumulates onto C,
 * which holds each partial sum exactly as the kernel's accumulators would,
 * so the result is kernel()'s on the whole widened matrix, bit for bit. */
void elmo_f32_gemm_widened(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint16_t *b_packed,
                           const float *bias, float *c, size_t ldc, int accumulate, elmo_f32_gemm_fn kernel,
                           elmo_widen16_fn widen);

/* The float16 spec: the float spec on the widened halves (elmo_f32_gemm_widened). */
void elmo_f32f16_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                              const uint16_t *restrict b_packed, const float *restrict bias,
                              float *restrict c, size_t ldc, int accumulate);

#if ELMO_HAVE_WASMSIMD
/* Under 8 rows the tiles of elmo_f32_gemm__wasmsimd, halves widened in
 * registers; from 8 rows elmo_f32_gemm_widened with that kernel. */
void elmo_f32f16_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                const uint16_t *restrict b_packed, const float *restrict bias,
                                float *restrict c, size_t ldc, int accumulate);
#endif

/* The float a bfloat16 stands for, exactly: its bits are the float's top 16.
 * Unlike a half's exponent 31, exponent 255 reads as infinity or NaN; the
 * converter writes neither. */
static inline float elmo_bf16_to_f32(uint16_t h) {
    const uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

#if ELMO_TESTING
/* Rounds a float to the nearest bfloat16, ties to even; NaN stays NaN (quiet),
 * and a float past the largest bfloat16 (about 3.39e38) by half a step or
 * more gives infinity (the converter refuses such weights). For tests. */
uint16_t elmo_f32_to_bf16(float x);

/* elmo_pack_panels16 with elmo_f32_to_bf16: bfloat16 panels. */
static inline void elmo_bf16_pack_panels(size_t k, size_t n, const float *b, size_t ldb, uint16_t *out) {
    elmo_pack_panels16(k, n, b, ldb, elmo_f32_to_bf16, out);
}
#endif

/* The bfloat16 spec: the float spec on the widened weights (elmo_f32_gemm_widened). */
void elmo_f32bf16_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                               const uint16_t *restrict b_packed, const float *restrict bias,
                               float *restrict c, size_t ldc, int accumulate);

#if ELMO_HAVE_WASMSIMD
/* float16's split: under 8 rows the tiles of elmo_f32_gemm__wasmsimd,
 * widened in registers; from 8 rows elmo_f32_gemm_widened with that kernel. */
void elmo_f32bf16_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                 const uint16_t *restrict b_packed, const float *restrict bias,
                                 float *restrict c, size_t ldc, int accumulate);
#endif

typedef void (*elmo_f32i8_gemm_fn)(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                                   const int8_t *restrict q_packed, const float *restrict scale,
                                   const float *restrict bias, float *restrict c, size_t ldc, int accumulate);

void elmo_f32i8_gemm__scalar(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                             const int8_t *restrict q_packed, const float *restrict scale,
                             const float *restrict bias, float *restrict c, size_t ldc, int accumulate);

#if ELMO_HAVE_WASMSIMD
void elmo_f32i8_gemm__wasmsimd(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                               const int8_t *restrict q_packed, const float *restrict scale,
                               const float *restrict bias, float *restrict c, size_t ldc, int accumulate);
#endif

/* C = A · w with the kernel of this build for w's type (dispatch.c). */
void elmo_weight_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const elmo_weight *w,
                      const float *bias, float *c, size_t ldc, int accumulate);

/* The implementation this build uses (dispatch.c). */
void elmo_f32_gemm(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                   const float *restrict b_packed, const float *restrict bias, float *restrict c,
                   size_t ldc, int accumulate);

/* Name of the chosen GEMM kernel, for tests and benchmarks. */
const char *elmo_f32_gemm_name(void);

#endif /* ELMO_KERNELS_GEMM_H */
