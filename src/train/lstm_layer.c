/*
 * lstm_layer.c — one direction of one LSTM layer over the batch, forward
 * with its activations saved and backward through the unroll steps
 * (TensorFlow's LSTMCell with projection and clips, ELMO_NOTES "LSTM
 * layers"). Dropout is on the layer's input (bilm-tf's DropoutWrapper); a
 * skip connection (layers >= 1) adds that dropped input to the output
 * (ResidualWrapper inside the dropout). The gradient stops at the batch's
 * initial state, and at a restart: a position that starts from zeros (a
 * sentence's first input, net.h) has no state before it, so neither its
 * forget term nor the gradient reaches the step before.
 */
#include <string.h>

#include "train/net.h"

/* The cell state position n (row r, step t) reads, NULL: zeros. */
static const real *c_before(const elmo_train_lstm_saved *s, const uint8_t *restart, size_t n, size_t t, size_t r,
                            size_t H) {
    if (restart && restart[n]) return NULL;
    return t ? s->c + (n - 1) * H : s->c0 + r * H;
}

static real clip(real x, real limit, real *mask) {
    *mask = x > limit || x < -limit ? 0 : 1;
    return x > limit ? limit : x < -limit ? -limit : x;
}

void elmo_train_lstm_forward(elmo_train_net *net, int32_t dir, int32_t layer, const real *x, const real *drop,
                             const uint8_t *restart, real *h_state, real *c_state) {
    const elmo_hparams *hp = &net->hp;
    const size_t B = (size_t)net->batch, T = (size_t)net->unroll, N = net->positions;
    const size_t P = (size_t)hp->proj_dim, H = (size_t)hp->lstm_dim, G = 4 * H;
    const real cell_clip = (real)hp->cell_clip, proj_clip = (real)hp->proj_clip;
    const real *W = net->w + net->params.at.lstm_w[layer][dir], *bias = net->w + net->params.at.lstm_b[layer][dir];
    const real *Wp = net->w + net->params.at.lstm_w_proj[layer][dir];
    elmo_train_lstm_saved *s = &net->lstm[dir][layer];
    float *const *panels = net->dir[dir].panels;

    for (size_t e = 0; e < N * P; e++) s->xin[e] = drop ? x[e] * drop[e] : x[e];
    elmo_train_operand w_x, w_h, w_p;
    elmo_train_operand_set(&w_x, W, G, P, G, 0, panels[0]);
    elmo_train_operand_set(&w_h, W + P * G, G, P, G, 0, panels[1]);
    elmo_train_operand_set(&w_p, Wp, P, H, P, 0, panels[2]);
    elmo_train_mul(N, s->xin, P, &w_x, bias, s->gates, G, 0);
    memcpy(s->c0, c_state, B * H * sizeof(real));
    for (size_t t = 0; t < T; t++) {
        for (size_t r = 0; r < B; r++) {
            real *hprev = s->hprev + (r * T + t) * P;
            if (restart && restart[r * T + t])
                memset(hprev, 0, P * sizeof(real));
            else
                memcpy(hprev, t ? s->y + (r * T + t - 1) * P : h_state + r * P, P * sizeof(real));
        }
        /* y holds h until the skip is added below, after the last step */
        real *gates_t = s->gates + t * G;
        elmo_train_mul(B, s->hprev + t * P, T * P, &w_h, NULL, gates_t, T * G, 1);
        for (size_t r = 0; r < B; r++) {
            const size_t n = r * T + t;
            real *z = s->gates + n * G, *c = s->c + n * H, *tc = s->tc + n * H;
            const real *c_prev = c_before(s, restart, n, t, r, H);
            /* the gates in place: sigmoid(i), tanh(j), sigmoid(f + 1), sigmoid(o) */
            for (size_t u = 2 * H; u < 3 * H; u++) z[u] += 1;
            elmo_train_sigmoid(H, z, z);
            elmo_train_tanh(H, z + H, z + H);
            elmo_train_sigmoid(2 * H, z + 2 * H, z + 2 * H);
            for (size_t u = 0; u < H; u++)
                c[u] = clip((c_prev ? z[2 * H + u] * c_prev[u] : 0) + z[u] * z[H + u], cell_clip, &s->cmask[n * H + u]);
            elmo_train_tanh(H, c, tc);
            for (size_t u = 0; u < H; u++) s->m[n * H + u] = z[3 * H + u] * tc[u];
        }
        elmo_train_mul(B, s->m + t * H, T * H, &w_p, NULL, s->y + t * P, T * P, 0);
        for (size_t r = 0; r < B; r++) {
            real *h = s->y + (r * T + t) * P, *mask = s->hmask + (r * T + t) * P;
            for (size_t q = 0; q < P; q++) h[q] = clip(h[q], proj_clip, &mask[q]);
        }
    }
    for (size_t r = 0; r < B; r++) {
        memcpy(h_state + r * P, s->y + (r * T + T - 1) * P, P * sizeof(real));
        memcpy(c_state + r * H, s->c + (r * T + T - 1) * H, H * sizeof(real));
    }
    if (hp->use_skip_connections && layer > 0)
        for (size_t e = 0; e < N * P; e++) s->y[e] += s->xin[e];
}

void elmo_train_lstm_backward(elmo_train_net *net, int32_t dir, int32_t layer, const real *drop,
                              const uint8_t *restart) {
    const elmo_hparams *hp = &net->hp;
    const size_t B = (size_t)net->batch, T = (size_t)net->unroll, N = net->positions;
    const size_t P = (size_t)hp->proj_dim, H = (size_t)hp->lstm_dim, G = 4 * H;
    const elmo_train_offsets *at = &net->params.at;
    const real *W = net->w + at->lstm_w[layer][dir], *Wp = net->w + at->lstm_w_proj[layer][dir];
    real *dW = net->g + at->lstm_w[layer][dir], *db = net->g + at->lstm_b[layer][dir];
    const elmo_train_lstm_saved *s = &net->lstm[dir][layer];
    elmo_train_direction *sd = &net->dir[dir];
    real *dz = sd->d_z, *dhraw = sd->d_hraw, *dm = sd->d_m, *dc = sd->d_c, *dh = sd->d_h;
    const real *d_y = sd->d_y;
    real *d_x = sd->d_x;

    elmo_train_operand w_p_t, w_h_t, w_x_t;
    elmo_train_operand_set(&w_p_t, Wp, P, P, H, 1, sd->panels[0]);
    elmo_train_operand_set(&w_h_t, W + P * G, G, G, P, 1, sd->panels[1]);
    elmo_train_operand_set(&w_x_t, W, G, G, P, 1, sd->panels[2]);
    memset(dc, 0, B * H * sizeof(real));
    memset(dh, 0, B * P * sizeof(real));
    for (size_t t = T; t-- > 0;) {
        for (size_t r = 0; r < B; r++) {
            const size_t n = r * T + t;
            for (size_t q = 0; q < P; q++)
                dhraw[n * P + q] = (d_y[n * P + q] + dh[r * P + q]) * s->hmask[n * P + q];
        }
        elmo_train_mul(B, dhraw + t * P, T * P, &w_p_t, NULL, dm, H, 0);
        for (size_t r = 0; r < B; r++) {
            const size_t n = r * T + t;
            const real *z = s->gates + n * G, *c_prev = c_before(s, restart, n, t, r, H);
            real *d = dz + n * G;
            for (size_t u = 0; u < H; u++) {
                const real i = z[u], j = z[H + u], f = z[2 * H + u], o = z[3 * H + u];
                const real tc = s->tc[n * H + u], g_m = dm[r * H + u];
                d[3 * H + u] = g_m * tc * o * (1 - o);
                const real g_c = (dc[r * H + u] + g_m * o * (1 - tc * tc)) * s->cmask[n * H + u];
                d[u] = g_c * j * i * (1 - i);
                d[H + u] = g_c * i * (1 - j * j);
                d[2 * H + u] = c_prev ? g_c * c_prev[u] * f * (1 - f) : 0;
                dc[r * H + u] = c_prev ? g_c * f : 0;
            }
        }
        if (!t) continue;
        elmo_train_mul(B, dz + t * G, T * G, &w_h_t, NULL, dh, P, 0);
        for (size_t r = 0; restart && r < B; r++)
            if (restart[r * T + t]) memset(dh + r * P, 0, P * sizeof(real));
    }
    elmo_train_mul_tn(H, P, N, s->m, H, dhraw, P, net->g + at->lstm_w_proj[layer][dir], P, sd->tn_scratch);
    elmo_train_mul_tn(P, G, N, s->xin, P, dz, G, dW, G, sd->tn_scratch);
    elmo_train_mul_tn(P, G, N, s->hprev, P, dz, G, dW + P * G, G, sd->tn_scratch);
    for (size_t n = 0; n < N; n++)
        for (size_t u = 0; u < G; u++) db[u] += dz[n * G + u];
    elmo_train_mul(N, dz, G, &w_x_t, NULL, d_x, P, 0);
    const int skip = hp->use_skip_connections && layer > 0;
    for (size_t e = 0; e < N * P; e++) {
        const real g = skip ? d_x[e] + d_y[e] : d_x[e];
        d_x[e] = drop ? g * drop[e] : g;
    }
}
