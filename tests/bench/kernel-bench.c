/*
 * kernel-bench.c — a tiny wasm module for tests/bench/kernel-bench.js: it
 * holds A, B, C buffers of one GEMM shape, B packed into panels once (as the
 * model's weights are, src/kernels/gemm.h: float, int8, float16 and bfloat16), and runs
 * one of the project's GEMM kernels on them, so JS can time the kernel alone.
 * Built with emcc by kernel-bench.js together with every src/kernels/ source;
 * not part of the library.
 */
#include <emscripten/emscripten.h>
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>

#include "kernels/gemm.h"

static float *buf_a, *buf_b, *buf_c, *buf_bias, *buf_scale;
static int8_t *buf_q;
static uint16_t *buf_h, *buf_bf;
static size_t shape_m, shape_n, shape_k;

static float *alloc_filled(size_t count, unsigned seed) {
    float *p = aligned_alloc(64, ((count * sizeof(float) + 63) / 64) * 64);
    if (!p) return NULL;
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (float)((seed >> 9) & 0xffff) / 65536.0f - 0.5f;
    }
    return p;
}

EMSCRIPTEN_KEEPALIVE void kb_free(void) {
    free(buf_a);
    free(buf_b);
    free(buf_c);
    free(buf_bias);
    free(buf_scale);
    free(buf_q);
    free(buf_h);
    free(buf_bf);
    buf_a = buf_b = buf_c = buf_bias = buf_scale = NULL;
    buf_q = NULL;
    buf_h = buf_bf = NULL;
}

/* Allocates and fills the buffers of C[m×n] = bias + A[m×k]·B[k×n]; 0 on success. */
EMSCRIPTEN_KEEPALIVE int kb_setup(size_t m, size_t n, size_t k) {
    kb_free();
    buf_a = alloc_filled(m * k, 1);
    buf_c = alloc_filled(m * n, 3);
    buf_bias = alloc_filled(n, 4);
    float *b = alloc_filled(k * n, 2);
    buf_b = b ? alloc_filled(elmo_packed_floats(k, n), 5) : NULL;
    if (buf_b) elmo_f32_pack_panels(k, n, b, n, buf_b);
    buf_q = malloc(elmo_i8_packed_bytes(k, n));
    buf_scale = malloc(elmo_panel_columns(n) * sizeof(float));
    if (b && buf_q && buf_scale) elmo_i8_quantize_panels(k, n, b, n, buf_q, buf_scale);
    buf_h = aligned_alloc(64, (elmo_packed_floats(k, n) * sizeof(uint16_t) + 63) / 64 * 64);
    if (b && buf_h) elmo_f16_pack_panels(k, n, b, n, buf_h);
    buf_bf = aligned_alloc(64, (elmo_packed_floats(k, n) * sizeof(uint16_t) + 63) / 64 * 64);
    if (b && buf_bf) elmo_bf16_pack_panels(k, n, b, n, buf_bf);
    free(b);
    if (!buf_a || !buf_b || !buf_c || !buf_bias || !buf_q || !buf_scale || !buf_h || !buf_bf) return -1;
    shape_m = m;
    shape_n = n;
    shape_k = k;
    return 0;
}

/* Runs kernel 0 (float scalar), 1 (float wasm SIMD), 2 (int8 weights, wasm SIMD),
 * 3 (float16 weights, wasm SIMD) or 4 (bfloat16 weights, wasm SIMD) `reps` times;
 * returns C[0] so the work is kept. */
EMSCRIPTEN_KEEPALIVE float kb_run(int kernel, int reps) {
    const elmo_f32_gemm_fn fn = kernel == 1 ? elmo_f32_gemm__wasmsimd : elmo_f32_gemm__scalar;
    for (int r = 0; r < reps; r++) {
        if (kernel == 2)
            elmo_f32i8_gemm__wasmsimd(shape_m, shape_n, shape_k, buf_a, shape_k, buf_q, buf_scale, buf_bias, buf_c,
                                      shape_n, 0);
        else if (kernel == 3)
            elmo_f32f16_gemm__wasmsimd(shape_m, shape_n, shape_k, buf_a, shape_k, buf_h, buf_bias, buf_c, shape_n, 0);
        else if (kernel == 4)
            elmo_f32bf16_gemm__wasmsimd(shape_m, shape_n, shape_k, buf_a, shape_k, buf_bf, buf_bias, buf_c, shape_n, 0);
        else
            fn(shape_m, shape_n, shape_k, buf_a, shape_k, buf_b, buf_bias, buf_c, shape_n, 0);
    }
    return buf_c[0];
}

static v128_t *buf_stream;
static size_t stream_vectors;

/* A buffer of `bytes` (a multiple of 64) for kb_stream; 0 on success. */
EMSCRIPTEN_KEEPALIVE int kb_stream_setup(size_t bytes) {
    free(buf_stream);
    stream_vectors = bytes / sizeof(v128_t);
    buf_stream = aligned_alloc(64, stream_vectors * sizeof(v128_t));
    if (!buf_stream) return -1;
    memset(buf_stream, 1, stream_vectors * sizeof(v128_t));
    return 0;
}

/* Reads the whole buffer once with 128-bit loads, as `streams` sequential
 * streams through its equal parts side by side (a GEMV tile reads 4 panels
 * so; more streams keep more lines in flight), into four accumulators so the
 * loop is bound by loads, not by add latency; returns a sum so the reads are kept. */
static inline float stream_read(size_t streams) {
    v128_t acc[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
    const size_t unroll = streams < 4 ? 4 / streams : 1, part = stream_vectors / streams;
    for (size_t i = 0; i + unroll <= part; i += unroll)
        for (size_t j = 0; j < streams; j++)
            for (size_t u = 0; u < unroll; u++)
                acc[(j * unroll + u) % 4] = wasm_f32x4_add(acc[(j * unroll + u) % 4], wasm_v128_load(buf_stream + j * part + i + u));
    const v128_t s = wasm_f32x4_add(wasm_f32x4_add(acc[0], acc[1]), wasm_f32x4_add(acc[2], acc[3]));
    return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 3);
}

/* streams: 1, 2, 4 or 8, each a constant to stream_read so its loops unroll into registers. */
EMSCRIPTEN_KEEPALIVE float kb_stream(size_t streams) {
    switch (streams) {
    case 1: return stream_read(1);
    case 2: return stream_read(2);
    case 4: return stream_read(4);
    default: return stream_read(8);
    }
}
