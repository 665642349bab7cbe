/*
 * f32-gemm-wasmsimd-tiles.h — the tiles of the wasm SIMD128 GEMM of gemm.h on
 * packed panels, for any element type, and tiles_gemm(), the GEMM made of
 * them: included once by a kernel source that first defines tile_weight
 * (the element type) and load_row8() (one panel row of 8 elements as 8
 * floats). f32-gemm-wasmsimd.c reads float panels, f32f16-gemm-wasmsimd.c halves,
 * f32bf16-gemm-wasmsimd.c bfloat16s.
 *
 * 4×8 register tiles (8 accumulators: V8 gives wasm 16 vector registers, so
 * wider tiles spill) for blocks of 4 rows, and 1×32 tiles over four panels
 * for the rows left over — the GEMV shape of the LSTM's recurrent step,
 * where 8 independent accumulators keep the adds from waiting on each other
 * and four streams keep memory busy (1×16 measured 17 GB/s on a 32 MB float
 * weight, 1×32 more).
 *
 * Column blocks (32 columns) are the outer loop, rows the inner one: a
 * block's panels stay in cache while every row uses them, and the weights
 * stream from memory once per call.
 */

/* Rows 0..3 of a, columns 0..cols-1 (cols <= 8) of one panel w. */
static inline void tile_4x8(size_t k, const float *a, size_t lda, const tile_weight *w, const float *bias,
                            float *c, size_t ldc, size_t cols, int accumulate) {
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda;
    float *c0 = c, *c1 = c + ldc, *c2 = c + 2 * ldc, *c3 = c + 3 * ldc;
    const size_t lo = clamp4(cols, 0), hi = clamp4(cols, 4);
    const float *bias_hi = bias ? bias + 4 : NULL;
    v128_t acc0l = start4(c0, bias, lo, accumulate), acc0h = start4(c0 + 4, bias_hi, hi, accumulate);
    v128_t acc1l = start4(c1, bias, lo, accumulate), acc1h = start4(c1 + 4, bias_hi, hi, accumulate);
    v128_t acc2l = start4(c2, bias, lo, accumulate), acc2h = start4(c2 + 4, bias_hi, hi, accumulate);
    v128_t acc3l = start4(c3, bias, lo, accumulate), acc3h = start4(c3 + 4, bias_hi, hi, accumulate);
    for (size_t p = 0; p < k; p++, w += ELMO_PANEL_WIDTH) {
        const tile_row row = load_row8(w);
        const v128_t wl = row.lo, wh = row.hi;
        const v128_t x0 = wasm_f32x4_splat(a0[p]), x1 = wasm_f32x4_splat(a1[p]);
        const v128_t x2 = wasm_f32x4_splat(a2[p]), x3 = wasm_f32x4_splat(a3[p]);
        MULADD(acc0l, x0, wl);
        MULADD(acc0h, x0, wh);
        MULADD(acc1l, x1, wl);
        MULADD(acc1h, x1, wh);
        MULADD(acc2l, x2, wl);
        MULADD(acc2h, x2, wh);
        MULADD(acc3l, x3, wl);
        MULADD(acc3h, x3, wh);
    }
    store_upto4(c0, acc0l, lo), store_upto4(c0 + 4, acc0h, hi);
    store_upto4(c1, acc1l, lo), store_upto4(c1 + 4, acc1h, hi);
    store_upto4(c2, acc2l, lo), store_upto4(c2 + 4, acc2h, hi);
    store_upto4(c3, acc3l, lo), store_upto4(c3 + 4, acc3h, hi);
}

/* One row of a, columns 0..cols-1 (cols <= 16) of the panels w0 and w0 + 8k. */
static inline void tile_1x16(size_t k, const float *a, const tile_weight *w0, const float *bias, float *c,
                             size_t cols, int accumulate) {
    const tile_weight *w1 = w0 + ELMO_PANEL_WIDTH * k;
    size_t valid[4];
    v128_t acc[4];
    for (size_t g = 0; g < 4; g++) {
        valid[g] = clamp4(cols, 4 * g);
        acc[g] = start4(c + 4 * g, bias ? bias + 4 * g : NULL, valid[g], accumulate);
    }
    v128_t acc0 = acc[0], acc1 = acc[1], acc2 = acc[2], acc3 = acc[3];
    if (cols > ELMO_PANEL_WIDTH) {
        for (size_t p = 0; p < k; p++, w0 += ELMO_PANEL_WIDTH, w1 += ELMO_PANEL_WIDTH) {
            const v128_t x = wasm_f32x4_splat(a[p]);
            const tile_row r0 = load_row8(w0), r1 = load_row8(w1);
            MULADD(acc0, x, r0.lo);
            MULADD(acc1, x, r0.hi);
            MULADD(acc2, x, r1.lo);
            MULADD(acc3, x, r1.hi);
        }
    } else {
        for (size_t p = 0; p < k; p++, w0 += ELMO_PANEL_WIDTH) {
            const v128_t x = wasm_f32x4_splat(a[p]);
            const tile_row r0 = load_row8(w0);
            MULADD(acc0, x, r0.lo);
            MULADD(acc1, x, r0.hi);
        }
    }
    store_upto4(c, acc0, valid[0]);
    store_upto4(c + 4, acc1, valid[1]);
    store_upto4(c + 8, acc2, valid[2]);
    store_upto4(c + 12, acc3, valid[3]);
}

/* One row of a, columns 0..31 of the four panels from w0 (all 32 columns exist). */
static inline void tile_1x32(size_t k, const float *a, const tile_weight *w0, const float *bias, float *c,
                             int accumulate) {
    const size_t panel = ELMO_PANEL_WIDTH * k;
    const tile_weight *w1 = w0 + panel, *w2 = w1 + panel, *w3 = w2 + panel;
    v128_t acc[8];
    for (size_t g = 0; g < 8; g++) acc[g] = start4(c + 4 * g, bias ? bias + 4 * g : NULL, 4, accumulate);
    v128_t acc0 = acc[0], acc1 = acc[1], acc2 = acc[2], acc3 = acc[3];
    v128_t acc4 = acc[4], acc5 = acc[5], acc6 = acc[6], acc7 = acc[7];
    for (size_t p = 0; p < k; p++) {
        const v128_t x = wasm_f32x4_splat(a[p]);
        const size_t at = p * ELMO_PANEL_WIDTH;
        const tile_row r0 = load_row8(w0 + at), r1 = load_row8(w1 + at);
        const tile_row r2 = load_row8(w2 + at), r3 = load_row8(w3 + at);
        MULADD(acc0, x, r0.lo);
        MULADD(acc1, x, r0.hi);
        MULADD(acc2, x, r1.lo);
        MULADD(acc3, x, r1.hi);
        MULADD(acc4, x, r2.lo);
        MULADD(acc5, x, r2.hi);
        MULADD(acc6, x, r3.lo);
        MULADD(acc7, x, r3.hi);
    }
    wasm_v128_store(c, acc0);
    wasm_v128_store(c + 4, acc1);
    wasm_v128_store(c + 8, acc2);
    wasm_v128_store(c + 12, acc3);
    wasm_v128_store(c + 16, acc4);
    wasm_v128_store(c + 20, acc5);
    wasm_v128_store(c + 24, acc6);
    wasm_v128_store(c + 28, acc7);
}

static void tiles_gemm(size_t m, size_t n, size_t k, const float *restrict a, size_t lda,
                       const tile_weight *restrict b_packed, const float *restrict bias, float *restrict c,
                       size_t ldc, int accumulate) {
    const size_t m4 = m / 4 * 4;
    /* One pass over the weights: each block of up to 32 columns serves the
     * 4-row tiles, then the rows left over, while it is in cache. */
    for (size_t j0 = 0; j0 < n; j0 += 4 * ELMO_PANEL_WIDTH) {
        const size_t cols = n - j0 < 4 * ELMO_PANEL_WIDTH ? n - j0 : 4 * ELMO_PANEL_WIDTH;
        const tile_weight *w = b_packed + j0 * k;
        const float *bias_j = bias ? bias + j0 : NULL;
        for (size_t i = 0; i < m4; i += 4)
            for (size_t p0 = 0; p0 < cols; p0 += ELMO_PANEL_WIDTH)
                tile_4x8(k, a + i * lda, lda, w + p0 * k, bias_j ? bias_j + p0 : NULL, c + i * ldc + j0 + p0, ldc,
                         cols - p0 < ELMO_PANEL_WIDTH ? cols - p0 : ELMO_PANEL_WIDTH, accumulate);
        for (size_t i = m4; i < m; i++) {
            const float *a_i = a + i * lda;
            float *c_ij = c + i * ldc + j0;
            if (cols == 4 * ELMO_PANEL_WIDTH) {
                tile_1x32(k, a_i, w, bias_j, c_ij, accumulate);
                continue;
            }
            tile_1x16(k, a_i, w, bias_j, c_ij, cols < 16 ? cols : 16, accumulate);
            if (cols > 16)
                tile_1x16(k, a_i, w + 2 * ELMO_PANEL_WIDTH * k, bias_j ? bias_j + 16 : NULL, c_ij + 16, cols - 16,
                          accumulate);
        }
    }
}
