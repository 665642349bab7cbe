/*
 * token_layer.c — forward and backward of the context-free token vectors
 * (char CNN, highways, projection) over the batch's token table; see net.h.
 *
 * A token's windows that read PAD chars only all give the same product, so
 * the forward computes it once per batch (pad_conv) and each token only its
 * live windows (those starting before its PAD tail). The max then takes the
 * first PAD-only window as the place of that value; any of them would give
 * the same gradient, as they read the same rows of char_embed.
 *
 * A team shares the table by rows (elmo_train_rows): every row of the
 * forward depends on its token only, so the members meet only in the
 * backward, whose weight gradients sum over all tokens. Those products are
 * shared by their output rows instead; the CNN's gradient, scattered token
 * by token, is summed per half of the table, and the halves added in order.
 */
#include <string.h>

#include "char_ids.h"
#include "train/net.h"

#define PAD_ROW (ELMO_CHAR_PAD) /* char_embed row of the PAD char (unshifted id) */

static void cnn_forward(elmo_train_net *net, const elmo_train_inputs *in, size_t u0, size_t u1,
                        elmo_train_direction *s) {
    const elmo_hparams *hp = &net->hp;
    const size_t L = (size_t)hp->max_chars, d = (size_t)hp->char_dim, F = (size_t)hp->n_cnn_features;
    const real *E = net->w + net->params.at.char_embed;
    /* a token's windows read its chars up to the end of the first PAD-only one (which starts at n_live), no further */
    size_t reach = 0;
    for (int32_t f = 0; f < hp->n_filters; f++)
        if ((size_t)hp->filter_width[f] > reach) reach = (size_t)hp->filter_width[f];
    for (size_t u = u0; u < u1; u++) {
        const size_t used = (size_t)in->n_live[u] + reach < L ? (size_t)in->n_live[u] + reach : L;
        for (size_t i = u * L; i < u * L + used; i++)
            memcpy(net->chars + i * d, E + (size_t)in->char_rows[i] * d, d * sizeof(real));
    }

    size_t col = 0;
    for (int32_t f = 0; f < hp->n_filters; f++) {
        const size_t width = (size_t)hp->filter_width[f], n = (size_t)hp->filter_count[f];
        const size_t windows = L - width + 1, k = width * d;
        const real *W = net->w + net->params.at.cnn_w[f], *b = net->w + net->params.at.cnn_b[f];
        real *pad = s->pad_conv + col;
        for (size_t j = 0; j < n; j++) {
            real sum = 0;
            for (size_t q = 0; q < k; q++) sum += E[PAD_ROW * d + q % d] * W[q * n + j];
            pad[j] = sum;
        }
        elmo_train_operand op;
        elmo_train_operand_set(&op, W, n, k, n, 0, s->panels[0]);
        for (size_t u = u0; u < u1; u++) {
            const size_t n_live = (size_t)in->n_live[u], live = n_live < windows ? n_live : windows;
            /* window p is the k values from char p on: rows of stride d overlap */
            elmo_train_mul(live, net->chars + u * L * d, d, &op, NULL, s->conv, n, 0);
            real *out = net->hw_x[0] + u * F + col;
            int32_t *arg = net->argmax + u * F + col;
            for (size_t j = 0; j < n; j++) {
                real best = s->conv[j];
                size_t at = 0;
                for (size_t p = 1; p < live; p++)
                    if (s->conv[p * n + j] > best) best = s->conv[p * n + j], at = p;
                if (n_live < windows && pad[j] > best) best = pad[j], at = n_live;
                const real pre = best + b[j];
                out[j] = hp->activation == ELMO_ACTIVATION_RELU ? (pre > 0 ? pre : 0) : REAL_TANH(pre);
                arg[j] = (int32_t)at;
            }
        }
        col += n;
    }
}

void elmo_train_tokens_forward(elmo_train_net *net, const elmo_train_inputs *in, const elmo_train_worker *w) {
    const elmo_hparams *hp = &net->hp;
    const elmo_train_offsets *at = &net->params.at;
    const size_t F = (size_t)hp->n_cnn_features, P = (size_t)hp->proj_dim;
    elmo_train_direction *s = &net->dir[w->member];
    size_t u0, u1;
    elmo_train_rows(w, (size_t)in->n_tokens, &u0, &u1);
    const size_t rows = u1 - u0;
    cnn_forward(net, in, u0, u1, s);
    for (int32_t k = 0; k < hp->n_highway; k++) {
        const real *x = net->hw_x[k] + u0 * F;
        real *g = net->hw_g[k] + u0 * F, *z = net->hw_z[k] + u0 * F, *y = net->hw_x[k + 1] + u0 * F;
        elmo_train_operand carry, transform;
        elmo_train_operand_set(&carry, net->w + at->hw_w_carry[k], F, F, F, 0, s->panels[0]);
        elmo_train_operand_set(&transform, net->w + at->hw_w_transform[k], F, F, F, 0, s->panels[1]);
        elmo_train_mul(rows, x, F, &carry, net->w + at->hw_b_carry[k], g, F, 0);
        elmo_train_mul(rows, x, F, &transform, net->w + at->hw_b_transform[k], z, F, 0);
        elmo_train_sigmoid(rows * F, g, g);
        for (size_t e = 0; e < rows * F; e++) y[e] = g[e] * (z[e] > 0 ? z[e] : 0) + (1 - g[e]) * x[e];
    }
    const real *features = net->hw_x[hp->n_highway] + u0 * F;
    if (at->proj_w == ELMO_TRAIN_NO_TENSOR) {
        memcpy(net->tok + u0 * P, features, rows * P * sizeof(real));
        return;
    }
    elmo_train_operand proj;
    elmo_train_operand_set(&proj, net->w + at->proj_w, P, F, P, 0, s->panels[0]);
    elmo_train_mul(rows, features, F, &proj, net->w + at->proj_b, net->tok + u0 * P, P, 0);
}

static void column_sums(size_t rows, size_t cols, const real *x, real *sum) {
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++) sum[j] += x[r * cols + j];
}

/* C (m×n) += Aᵀ·B over all the table's tokens (A: U×m, B: U×n), the team sharing C's rows. */
static void weight_gradient(const elmo_train_worker *w, size_t m, size_t n, size_t U, const real *a, const real *b,
                            real *c, elmo_train_direction *s) {
    size_t i0, i1;
    elmo_train_rows(w, m, &i0, &i1);
    if (i1 > i0) elmo_train_mul_tn(i1 - i0, n, U, a + i0, m, b, n, c + i0 * n, n, s->tn_scratch);
}

/*
 * Tokens [u0, u1) of the CNN's backward, into the gradient buffer g (params'
 * layout, [0, cnn_end), zero before). Each feature j reads one window of its
 * filter's column j, so the filter and its gradient are held transposed in
 * s->cnn_wt and s->cnn_dwt (n × k), their rows contiguous.
 */
static void cnn_backward(elmo_train_net *net, const elmo_train_inputs *in, const real *dy, size_t u0, size_t u1,
                         real *g, elmo_train_direction *s) {
    const elmo_hparams *hp = &net->hp;
    const size_t L = (size_t)hp->max_chars, d = (size_t)hp->char_dim, F = (size_t)hp->n_cnn_features;
    real *dE = g + net->params.at.char_embed, *wt = s->cnn_wt, *dwt = s->cnn_dwt;
    size_t col = 0;
    for (int32_t f = 0; f < hp->n_filters; f++) {
        const size_t width = (size_t)hp->filter_width[f], n = (size_t)hp->filter_count[f], k = width * d;
        const real *W = net->w + net->params.at.cnn_w[f];
        real *dW = g + net->params.at.cnn_w[f], *db = g + net->params.at.cnn_b[f];
        for (size_t q = 0; q < k; q++)
            for (size_t j = 0; j < n; j++) wt[j * k + q] = W[q * n + j];
        memset(dwt, 0, n * k * sizeof(real));
        for (size_t u = u0; u < u1; u++)
            for (size_t j = 0; j < n; j++) {
                const size_t e = u * F + col + j;
                const real out = net->hw_x[0][e];
                const real dpre = hp->activation == ELMO_ACTIVATION_RELU ? (out > 0 ? dy[e] : 0) : dy[e] * (1 - out * out);
                if (dpre == 0) continue;
                db[j] += dpre;
                const size_t p = (size_t)net->argmax[e];
                const real *window = net->chars + (u * L + p) * d, *wj = wt + j * k;
                const int32_t *rows = in->char_rows + u * L + p;
                real *dwj = dwt + j * k;
                for (size_t q = 0; q < k; q++) dwj[q] += dpre * window[q];
                for (size_t c = 0; c < width; c++) {
                    real *de = dE + (size_t)rows[c] * d;
                    for (size_t x = 0; x < d; x++) de[x] += dpre * wj[c * d + x];
                }
            }
        for (size_t q = 0; q < k; q++)
            for (size_t j = 0; j < n; j++) dW[q * n + j] += dwt[j * k + q];
        col += n;
    }
}

/* Backward from dir[0].d_tok; uses the saved gates and pre-activations as scratch. */
void elmo_train_tokens_backward(elmo_train_net *net, const elmo_train_inputs *in, const elmo_train_worker *w) {
    const elmo_hparams *hp = &net->hp;
    const elmo_train_offsets *at = &net->params.at;
    const size_t U = (size_t)in->n_tokens, F = (size_t)hp->n_cnn_features, P = (size_t)hp->proj_dim;
    elmo_train_direction *s = &net->dir[w->member];
    const real *d_tok = net->dir[0].d_tok;
    const int last = w->member == elmo_train_team_size(w) - 1;
    size_t u0, u1;
    elmo_train_rows(w, U, &u0, &u1);
    const size_t rows = u1 - u0;
    real *dx = net->d_fa;
    if (at->proj_w == ELMO_TRAIN_NO_TENSOR) {
        memcpy(dx + u0 * F, d_tok + u0 * P, rows * F * sizeof(real));
    } else {
        weight_gradient(w, F, P, U, net->hw_x[hp->n_highway], d_tok, net->g + at->proj_w, s);
        if (last) column_sums(U, P, d_tok, net->g + at->proj_b);
        elmo_train_operand proj_t;
        elmo_train_operand_set(&proj_t, net->w + at->proj_w, P, P, F, 1, s->panels[0]);
        elmo_train_mul(rows, d_tok + u0 * P, P, &proj_t, NULL, dx + u0 * F, F, 0);
    }
    for (int32_t k = hp->n_highway - 1; k >= 0; k--) {
        const real *x = net->hw_x[k];
        real *da = net->hw_g[k], *dz = net->hw_z[k]; /* overwritten with the gradients of their pre-activations */
        for (size_t e = u0 * F; e < u1 * F; e++) {
            const real g = da[e], z = dz[e], dy = dx[e];
            da[e] = dy * ((z > 0 ? z : 0) - x[e]) * g * (1 - g);
            dz[e] = z > 0 ? dy * g : 0;
            dx[e] = dy * (1 - g);
        }
        elmo_train_barrier(w); /* the weight gradients read every token's da and dz */
        weight_gradient(w, F, F, U, x, da, net->g + at->hw_w_carry[k], s);
        weight_gradient(w, F, F, U, x, dz, net->g + at->hw_w_transform[k], s);
        if (w->member == 0) column_sums(U, F, da, net->g + at->hw_b_carry[k]);
        if (last) column_sums(U, F, dz, net->g + at->hw_b_transform[k]);
        elmo_train_operand carry_t, transform_t;
        elmo_train_operand_set(&carry_t, net->w + at->hw_w_carry[k], F, F, F, 1, s->panels[0]);
        elmo_train_operand_set(&transform_t, net->w + at->hw_w_transform[k], F, F, F, 1, s->panels[1]);
        elmo_train_mul(rows, da + u0 * F, F, &carry_t, NULL, dx + u0 * F, F, 1);
        elmo_train_mul(rows, dz + u0 * F, F, &transform_t, NULL, dx + u0 * F, F, 1);
    }
    /* the CNN: the table's first half into net->g, its second into net->cnn_g, whoever runs them */
    const size_t half = U / 2, cnn_bytes = net->cnn_end * sizeof(real);
    elmo_train_barrier(w); /* dx complete; a member of a team of two may run either half */
    if (w->member == 0) {
        memset(net->g, 0, cnn_bytes);
        cnn_backward(net, in, dx, 0, half, net->g, s);
    }
    if (last) {
        memset(net->cnn_g, 0, cnn_bytes);
        cnn_backward(net, in, dx, half, U, net->cnn_g, &net->dir[elmo_train_team_size(w) - 1]);
    }
    elmo_train_barrier(w);
    size_t e0, e1;
    elmo_train_rows(w, net->cnn_end, &e0, &e1);
    for (size_t e = e0; e < e1; e++) net->g[e] += net->cnn_g[e];
}
