/* lstm.c — see lstm.h. */
#include "lstm.h"

#include <math.h>
#include <string.h>


static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

static float clip(float x, float bound) { return x > bound ? bound : (x < -bound ? -bound : x); }

void elmo_lstm_step(elmo_thread_pool *pool, const elmo_lstm_weights *w, const elmo_lstm_dims *dims,
                    size_t rows, float *gates, float *h, float *c, float *m) {
    const size_t H = dims->H, P = dims->P;
    elmo_gemm(pool, rows, 4 * H, P, h, P, &w->w_h, NULL, gates, 4 * H, 1);
    for (size_t r = 0; r < rows; r++) {
        const float *g = gates + r * 4 * H;
        float *c_row = c + r * H, *m_row = m + r * H;
        for (size_t u = 0; u < H; u++) {
            const float i = g[u], j = g[H + u], f = g[2 * H + u], o = g[3 * H + u];
            float cell = sigmoid(f + 1.0f) * c_row[u] + sigmoid(i) * tanhf(j);
            cell = clip(cell, dims->cell_clip);
            c_row[u] = cell;
            m_row[u] = sigmoid(o) * tanhf(cell);
        }
    }
    elmo_gemm(pool, rows, P, H, m, H, &w->w_proj, NULL, h, P, 0);
    if (!isinf(dims->proj_clip))
        for (size_t i = 0; i < rows * P; i++) h[i] = clip(h[i], dims->proj_clip);
}

void elmo_lstm_run(elmo_thread_pool *pool, const elmo_lstm_weights *w, const elmo_lstm_dims *dims,
                   const elmo_batch_layout *layout, int reverse, int skip, const float *x, float *y,
                   const elmo_lstm_buffers *buf) {
    const size_t H4 = 4 * dims->H, P = dims->P;
    if (layout->n_seqs == 0) return;
    /* The input half of every gate, for all positions of the batch at once. */
    elmo_gemm(pool, layout->n_positions, H4, P, x, P, &w->w_x, w->b, buf->xg, H4, 0);

    /* Longest first, so the rows still running at step t are a prefix. */
    size_t active = layout->n_seqs;
    const size_t n_steps = (size_t)layout->seq_len[layout->order[0]];
    for (size_t t = 0; t < n_steps; t++) {
        while (active > 0 && (size_t)layout->seq_len[layout->order[active - 1]] <= t) active--;
        for (size_t r = 0; r < active; r++) {
            const int32_t s = layout->order[r];
            const size_t len = (size_t)layout->seq_len[s];
            const size_t pos = layout->seq_start[s] + (reverse ? len - 1 - t : t);
            memcpy(buf->gates + r * H4, buf->xg + pos * H4, H4 * sizeof(float));
        }
        elmo_lstm_step(pool, w, dims, active, buf->gates, buf->h, buf->c, buf->m);
        for (size_t r = 0; r < active; r++) {
            const int32_t s = layout->order[r];
            const size_t len = (size_t)layout->seq_len[s];
            const size_t pos = layout->seq_start[s] + (reverse ? len - 1 - t : t);
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
