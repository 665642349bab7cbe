/* lstm.c — see lstm.h. */
#include "lstm.h"

#include <math.h>
#include <string.h>

#include "kernels/activations.h"

static float clip(float x, float bound) { return x > bound ? bound : (x < -bound ? -bound : x); }

/* The cell update of units [u0, u1) of every row: gates → c (in place) and m. */
typedef struct cell_job {
    const elmo_lstm_dims *dims;
    size_t rows;
    const float *gates;
    float *c, *m;
} cell_job;

/* The transcendentals of the cell update cost as much as a product on one
 * thread for small LSTMs, so the threads share them by units too. */
static void cell_update(void *arg, size_t u0, size_t u1) {
    const cell_job *job = arg;
    elmo_f32_lstm_cell(job->rows, job->dims->H, u0, u1, job->gates, job->c, job->m, job->dims->cell_clip);
}

/* Below this many units, sharing the cell update costs more than it saves. */
#define CELL_PARALLEL_MIN 256

void elmo_lstm_step(elmo_thread_pool *pool, const elmo_lstm_weights *w, const elmo_lstm_dims *dims,
                    size_t rows, float *gates, float *h, float *c, float *m) {
    const size_t H = dims->H, P = dims->P;
    elmo_gemm(pool, rows, 4 * H, P, h, P, &w->w_h, NULL, gates, 4 * H, 1);
    cell_job job = {dims, rows, gates, c, m};
    elmo_parallel_for(pool, H, CELL_PARALLEL_MIN, cell_update, &job);
    elmo_gemm(pool, rows, P, H, m, H, &w->w_proj, NULL, h, P, 0);
    if (!isinf(dims->proj_clip))
        for (size_t i = 0; i < rows * P; i++) h[i] = clip(h[i], dims->proj_clip);
}

/* Position of step t of sequence s (its t-th step; read backwards in reverse). */
static size_t step_position(const elmo_batch_layout *layout, int32_t s, size_t t, int reverse) {
    const size_t len = (size_t)layout->seq_len[s];
    return layout->seq_start[s] + (reverse ? len - 1 - t : t);
}

/*
 * Chunked input products: steps [t0, t1) of each of the `active` rows. A
 * row's steps of a chunk are n consecutive positions of x (descending in
 * reverse), so each row is one product into its own block of `chunk` rows of
 * xg, in position order. A GEMM row does not depend on the other rows, so
 * these are the very bits the one product over all positions gives.
 */
static void chunk_input_products(elmo_thread_pool *pool, const elmo_lstm_weights *w, size_t H4, size_t P,
                                 const elmo_batch_layout *layout, int reverse, const float *x, size_t t0,
                                 size_t t1, size_t chunk, size_t active, float *xg) {
    for (size_t r = 0; r < active; r++) {
        const int32_t s = layout->order[r];
        const size_t len = (size_t)layout->seq_len[s];
        const size_t n = (t1 < len ? t1 : len) - t0;
        const size_t first = reverse ? layout->seq_start[s] + len - t0 - n : layout->seq_start[s] + t0;
        elmo_gemm(pool, n, H4, P, x + first * P, P, &w->w_x, w->b, xg + r * chunk * H4, H4, 0);
    }
}

void elmo_lstm_run(elmo_thread_pool *pool, const elmo_lstm_weights *w, const elmo_lstm_dims *dims,
                   const elmo_batch_layout *layout, int reverse, int skip, const float *x, float *y,
                   const elmo_lstm_buffers *buf) {
    const size_t H4 = 4 * dims->H, P = dims->P;
    if (layout->n_seqs == 0) return;
    const size_t n_steps = (size_t)layout->seq_len[layout->order[0]];
    /* The input half of every gate: for all positions of the batch at once
     * when xg holds them, else for chunks of steps that fit. */
    const int whole = layout->n_positions <= buf->xg_rows;
    const size_t chunk = whole ? n_steps : buf->xg_rows / layout->n_seqs;
    if (whole) elmo_gemm(pool, layout->n_positions, H4, P, x, P, &w->w_x, w->b, buf->xg, H4, 0);

    /* Longest first, so the rows still running at step t are a prefix. */
    size_t active = layout->n_seqs;
    for (size_t t0 = 0; t0 < n_steps; t0 += chunk) {
        const size_t t1 = n_steps - t0 < chunk ? n_steps : t0 + chunk;
        while (active > 0 && (size_t)layout->seq_len[layout->order[active - 1]] <= t0) active--;
        if (!whole) chunk_input_products(pool, w, H4, P, layout, reverse, x, t0, t1, chunk, active, buf->xg);
        for (size_t t = t0; t < t1; t++) {
            while (active > 0 && (size_t)layout->seq_len[layout->order[active - 1]] <= t) active--;
            for (size_t r = 0; r < active; r++) {
                const int32_t s = layout->order[r];
                const size_t len = (size_t)layout->seq_len[s];
                const size_t n = (t1 < len ? t1 : len) - t0; /* this row's steps in the chunk */
                const size_t row = whole ? step_position(layout, s, t, reverse)
                                         : r * chunk + (reverse ? n - 1 - (t - t0) : t - t0);
                memcpy(buf->gates + r * H4, buf->xg + row * H4, H4 * sizeof(float));
            }
            elmo_lstm_step(pool, w, dims, active, buf->gates, buf->h, buf->c, buf->m);
            for (size_t r = 0; r < active; r++) {
                const size_t pos = step_position(layout, layout->order[r], t, reverse);
                const float *h_row = buf->h + r * P;
                float *y_row = y + pos * P;
                if (skip) {
                    const float *x_row = x + pos * P;
                    for (size_t i = 0; i < P; i++) y_row[i] = h_row[i] + x_row[i];
                } else {
                    memcpy(y_row, h_row, P * sizeof(float));
                }
            }
        }
    }
}
