/* lstm.c — see lstm.h. */
#include "lstm.h"

#include <math.h>
#include <string.h>

#include "kernels/activations.h"

static float clip(float x, float bound) { return x > bound ? bound : (x < -bound ? -bound : x); }

/* Below this many units, sharing the cell update costs more than it saves. */
#define CELL_PARALLEL_MIN 256

/* Step t of a run: where xg_row() finds each batch row's input products. */
typedef struct step_rows {
    const elmo_batch_layout *layout;
    int whole, reverse;
    size_t t, t0, t1, chunk;
} step_rows;

/* Position of step t of sequence s (its t-th step; read backwards in reverse). */
static size_t step_position(const elmo_batch_layout *layout, int32_t s, size_t t, int reverse) {
    const size_t len = (size_t)layout->seq_len[s];
    return layout->seq_start[s] + (reverse ? len - 1 - t : t);
}

static size_t xg_row(const step_rows *sr, size_t r) {
    const int32_t s = sr->layout->order[r];
    if (sr->whole) return step_position(sr->layout, s, sr->t, sr->reverse);
    const size_t len = (size_t)sr->layout->seq_len[s];
    const size_t n = (sr->t1 < len ? sr->t1 : len) - sr->t0; /* this row's steps in the chunk */
    return r * sr->chunk + (sr->reverse ? n - 1 - (sr->t - sr->t0) : sr->t - sr->t0);
}

/*
 * One step, member `member` of team: gates = xg + h·W_h, the cell update,
 * h = clip(m·W_proj). Each member copies and computes its own gate columns,
 * updates its units and projects its columns; the barriers keep every read
 * of h, gates and m before the writes that follow. With sr NULL, gates
 * already hold the input products.
 */
static void team_step(elmo_team *team, int32_t member, const elmo_lstm_weights *w, const elmo_lstm_dims *dims,
                      size_t rows, const float *xg, const step_rows *sr, float *gates, float *h, float *c,
                      float *m) {
    const size_t H = dims->H, P = dims->P, H4 = 4 * H;
    size_t j0, j1;
    elmo_team_columns(team, member, rows, H4, P, &j0, &j1);
    if (sr)
        for (size_t r = 0; r < rows; r++)
            memcpy(gates + r * H4 + j0, xg + xg_row(sr, r) * H4 + j0, (j1 - j0) * sizeof(float));
    elmo_gemm_columns(rows, j0, j1, P, h, P, &w->w_h, NULL, gates, H4, 1);
    elmo_team_barrier(team);
    size_t u0, u1;
    elmo_team_share(team, member, H, CELL_PARALLEL_MIN, &u0, &u1);
    elmo_f32_lstm_cell(rows, H, u0, u1, gates, c, m, dims->cell_clip);
    elmo_team_barrier(team);
    elmo_team_columns(team, member, rows, P, H, &j0, &j1);
    elmo_gemm_columns(rows, j0, j1, H, m, H, &w->w_proj, NULL, h, P, 0);
    if (!isinf(dims->proj_clip))
        for (size_t r = 0; r < rows; r++)
            for (size_t i = j0; i < j1; i++) h[r * P + i] = clip(h[r * P + i], dims->proj_clip);
}

#if ELMO_TESTING
void elmo_lstm_step(const elmo_lstm_weights *w, const elmo_lstm_dims *dims, size_t rows, float *gates, float *h,
                    float *c, float *m) {
    elmo_team solo;
    elmo_team_init(&solo, 1);
    team_step(&solo, 0, w, dims, rows, NULL, NULL, gates, h, c, m);
}
#endif

/*
 * Chunked input products: steps [t0, t1) of each of the `active` rows. A
 * row's steps of a chunk are n consecutive positions of x (descending in
 * reverse), so each row is one product into its own block of `chunk` rows of
 * xg, in position order; the member computes its columns of each. A GEMM row
 * does not depend on the other rows, so these are the very bits the one
 * product over all positions gives.
 */
static void chunk_input_products(elmo_team *team, int32_t member, const elmo_lstm_weights *w, size_t H4, size_t P,
                                 const elmo_batch_layout *layout, int reverse, const float *x, size_t t0,
                                 size_t t1, size_t chunk, size_t active, float *xg) {
    for (size_t r = 0; r < active; r++) {
        const int32_t s = layout->order[r];
        const size_t len = (size_t)layout->seq_len[s];
        const size_t n = (t1 < len ? t1 : len) - t0;
        const size_t first = reverse ? layout->seq_start[s] + len - t0 - n : layout->seq_start[s] + t0;
        size_t j0, j1;
        elmo_team_columns(team, member, n, H4, P, &j0, &j1);
        elmo_gemm_columns(n, j0, j1, P, x + first * P, P, &w->w_x, w->b, xg + r * chunk * H4, H4, 0);
    }
}

void elmo_lstm_run(elmo_team *team, int32_t member, const elmo_lstm_weights *w, const elmo_lstm_dims *dims,
                   const elmo_batch_layout *layout, int reverse, int skip, const float *x, float *y,
                   const elmo_lstm_buffers *buf) {
    const size_t H4 = 4 * dims->H, P = dims->P;
    if (layout->n_seqs == 0) return;
    const size_t n_steps = (size_t)layout->seq_len[layout->order[0]];
    /* The input half of every gate: for all positions of the batch at once
     * when xg holds them, else for chunks of steps that fit. */
    const int whole = layout->n_positions <= buf->xg_rows;
    const size_t chunk = whole ? n_steps : buf->xg_rows / layout->n_seqs;
    if (whole) {
        size_t j0, j1;
        elmo_team_columns(team, member, layout->n_positions, H4, P, &j0, &j1);
        elmo_gemm_columns(layout->n_positions, j0, j1, P, x, P, &w->w_x, w->b, buf->xg, H4, 0);
        elmo_team_barrier(team);
    }

    /* Longest first, so the rows still running at step t are a prefix. */
    size_t active = layout->n_seqs;
    for (size_t t0 = 0; t0 < n_steps; t0 += chunk) {
        const size_t t1 = n_steps - t0 < chunk ? n_steps : t0 + chunk;
        while (active > 0 && (size_t)layout->seq_len[layout->order[active - 1]] <= t0) active--;
        if (!whole) {
            chunk_input_products(team, member, w, H4, P, layout, reverse, x, t0, t1, chunk, active, buf->xg);
            elmo_team_barrier(team);
        }
        for (size_t t = t0; t < t1; t++) {
            while (active > 0 && (size_t)layout->seq_len[layout->order[active - 1]] <= t) active--;
            const step_rows sr = {layout, whole, reverse, t, t0, t1, chunk};
            team_step(team, member, w, dims, active, buf->xg, &sr, buf->gates, buf->h, buf->c, buf->m);
            size_t j0, j1; /* the member's columns of h, as team_step projected them */
            elmo_team_columns(team, member, active, P, dims->H, &j0, &j1);
            for (size_t r = 0; r < active; r++) {
                const size_t pos = step_position(layout, layout->order[r], t, reverse);
                const float *h_row = buf->h + r * P;
                float *y_row = y + pos * P;
                if (skip) {
                    const float *x_row = x + pos * P;
                    for (size_t i = j0; i < j1; i++) y_row[i] = h_row[i] + x_row[i];
                } else {
                    memcpy(y_row + j0, h_row + j0, (j1 - j0) * sizeof(float));
                }
            }
            elmo_team_barrier(team);
        }
    }
}
