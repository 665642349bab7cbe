/*
 * token_layer.c — forward and backward of the context-free token vectors
 * (char CNN, highways, projection) over the batch's token table; see net.h.
 *
 * A token's windows that read PAD chars only all give the same product, so
 * the forward computes it once per batch (pad_conv) and each token only its
 * live windows (those starting before its PAD tail). The max then takes the
 * first PAD-only window as the place of that value; any of them would give
 * the same gradient, as they read the same rows of char_embed.
 */
#include <string.h>

#include "char_ids.h"
#include "train/net.h"

#define PAD_ROW (ELMO_CHAR_PAD) /* char_embed row of the PAD char (unshifted id) */

static void cnn_forward(elmo_train_net *net, const elmo_train_inputs *in) {
    const elmo_hparams *hp = &net->hp;
    const size_t U = (size_t)in->n_tokens, L = (size_t)hp->max_chars, d = (size_t)hp->char_dim;
    const size_t F = (size_t)hp->n_cnn_features;
    const real *E = net->w + net->params.at.char_embed;
    for (size_t i = 0; i < U * L; i++) memcpy(net->chars + i * d, E + (size_t)in->char_rows[i] * d, d * sizeof(real));

    size_t col = 0;
    for (int32_t f = 0; f < hp->n_filters; f++) {
        const size_t width = (size_t)hp->filter_width[f], n = (size_t)hp->filter_count[f];
        const size_t windows = L - width + 1, k = width * d;
        const real *W = net->w + net->params.at.cnn_w[f], *b = net->w + net->params.at.cnn_b[f];
        real *pad = net->pad_conv + col;
        for (size_t j = 0; j < n; j++) {
            real s = 0;
            for (size_t q = 0; q < k; q++) s += E[PAD_ROW * d + q % d] * W[q * n + j];
            pad[j] = s;
        }
        elmo_train_operand op;
        elmo_train_operand_set(&op, W, n, k, n, 0, net->panels[0]);
        for (size_t u = 0; u < U; u++) {
            const size_t n_live = (size_t)in->n_live[u], live = n_live < windows ? n_live : windows;
            /* window p is the k values from char p on: rows of stride d overlap */
            elmo_train_mul(live, net->chars + u * L * d, d, &op, NULL, net->conv, n, 0);
            real *out = net->hw_x[0] + u * F + col;
            int32_t *arg = net->argmax + u * F + col;
            for (size_t j = 0; j < n; j++) {
                real best = net->conv[j];
                size_t at = 0;
                for (size_t p = 1; p < live; p++)
                    if (net->conv[p * n + j] > best) best = net->conv[p * n + j], at = p;
                if (n_live < windows && pad[j] > best) best = pad[j], at = n_live;
                const real pre = best + b[j];
                out[j] = hp->activation == ELMO_ACTIVATION_RELU ? (pre > 0 ? pre : 0) : REAL_TANH(pre);
                arg[j] = (int32_t)at;
            }
        }
        col += n;
    }
}

void elmo_train_tokens_forward(elmo_train_net *net, const elmo_train_inputs *in) {
    const elmo_hparams *hp = &net->hp;
    const elmo_train_offsets *at = &net->params.at;
    const size_t U = (size_t)in->n_tokens, F = (size_t)hp->n_cnn_features, P = (size_t)hp->proj_dim;
    cnn_forward(net, in);
    for (int32_t k = 0; k < hp->n_highway; k++) {
        const real *x = net->hw_x[k];
        real *g = net->hw_g[k], *z = net->hw_z[k], *y = net->hw_x[k + 1];
        elmo_train_operand carry, transform;
        elmo_train_operand_set(&carry, net->w + at->hw_w_carry[k], F, F, F, 0, net->panels[0]);
        elmo_train_operand_set(&transform, net->w + at->hw_w_transform[k], F, F, F, 0, net->panels[1]);
        elmo_train_mul(U, x, F, &carry, net->w + at->hw_b_carry[k], g, F, 0);
        elmo_train_mul(U, x, F, &transform, net->w + at->hw_b_transform[k], z, F, 0);
        for (size_t e = 0; e < U * F; e++) {
            g[e] = real_sigmoid(g[e]);
            y[e] = g[e] * (z[e] > 0 ? z[e] : 0) + (1 - g[e]) * x[e];
        }
    }
    const real *features = net->hw_x[hp->n_highway];
    if (at->proj_w == ELMO_TRAIN_NO_TENSOR) {
        memcpy(net->tok, features, U * P * sizeof(real));
        return;
    }
    elmo_train_operand proj;
    elmo_train_operand_set(&proj, net->w + at->proj_w, P, F, P, 0, net->panels[0]);
    elmo_train_mul(U, features, F, &proj, net->w + at->proj_b, net->tok, P, 0);
}

static void column_sums(size_t rows, size_t cols, const real *x, real *sum) {
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++) sum[j] += x[r * cols + j];
}

static void cnn_backward(elmo_train_net *net, const elmo_train_inputs *in, const real *dy) {
    const elmo_hparams *hp = &net->hp;
    const size_t U = (size_t)in->n_tokens, L = (size_t)hp->max_chars, d = (size_t)hp->char_dim;
    const size_t F = (size_t)hp->n_cnn_features;
    real *dE = net->g + net->params.at.char_embed;
    size_t col = 0;
    for (int32_t f = 0; f < hp->n_filters; f++) {
        const size_t width = (size_t)hp->filter_width[f], n = (size_t)hp->filter_count[f], k = width * d;
        const real *W = net->w + net->params.at.cnn_w[f];
        real *dW = net->g + net->params.at.cnn_w[f], *db = net->g + net->params.at.cnn_b[f];
        for (size_t u = 0; u < U; u++)
            for (size_t j = 0; j < n; j++) {
                const size_t e = u * F + col + j;
                const real out = net->hw_x[0][e];
                const real dpre = hp->activation == ELMO_ACTIVATION_RELU ? (out > 0 ? dy[e] : 0) : dy[e] * (1 - out * out);
                if (dpre == 0) continue;
                db[j] += dpre;
                const size_t p = (size_t)net->argmax[e];
                const real *window = net->chars + (u * L + p) * d;
                const int32_t *rows = in->char_rows + u * L + p;
                for (size_t q = 0; q < k; q++) {
                    dW[q * n + j] += dpre * window[q];
                    dE[(size_t)rows[q / d] * d + q % d] += dpre * W[q * n + j];
                }
            }
        col += n;
    }
}

/* Backward from net->d_tok; uses the saved gates and pre-activations as scratch. */
void elmo_train_tokens_backward(elmo_train_net *net, const elmo_train_inputs *in) {
    const elmo_hparams *hp = &net->hp;
    const elmo_train_offsets *at = &net->params.at;
    const size_t U = (size_t)in->n_tokens, F = (size_t)hp->n_cnn_features, P = (size_t)hp->proj_dim;
    real *dx = net->d_fa;
    if (at->proj_w == ELMO_TRAIN_NO_TENSOR) {
        memcpy(dx, net->d_tok, U * F * sizeof(real));
    } else {
        elmo_train_mul_tn(F, P, U, net->hw_x[hp->n_highway], F, net->d_tok, P, net->g + at->proj_w, P, net->tn_scratch);
        column_sums(U, P, net->d_tok, net->g + at->proj_b);
        elmo_train_operand proj_t;
        elmo_train_operand_set(&proj_t, net->w + at->proj_w, P, P, F, 1, net->panels[0]);
        elmo_train_mul(U, net->d_tok, P, &proj_t, NULL, dx, F, 0);
    }
    for (int32_t k = hp->n_highway - 1; k >= 0; k--) {
        const real *x = net->hw_x[k];
        real *da = net->hw_g[k], *dz = net->hw_z[k]; /* overwritten with the gradients of their pre-activations */
        for (size_t e = 0; e < U * F; e++) {
            const real g = da[e], z = dz[e], dy = dx[e];
            da[e] = dy * ((z > 0 ? z : 0) - x[e]) * g * (1 - g);
            dz[e] = z > 0 ? dy * g : 0;
            dx[e] = dy * (1 - g);
        }
        elmo_train_mul_tn(F, F, U, x, F, da, F, net->g + at->hw_w_carry[k], F, net->tn_scratch);
        elmo_train_mul_tn(F, F, U, x, F, dz, F, net->g + at->hw_w_transform[k], F, net->tn_scratch);
        column_sums(U, F, da, net->g + at->hw_b_carry[k]);
        column_sums(U, F, dz, net->g + at->hw_b_transform[k]);
        elmo_train_operand carry_t, transform_t;
        elmo_train_operand_set(&carry_t, net->w + at->hw_w_carry[k], F, F, F, 1, net->panels[0]);
        elmo_train_operand_set(&transform_t, net->w + at->hw_w_transform[k], F, F, F, 1, net->panels[1]);
        elmo_train_mul(U, da, F, &carry_t, NULL, dx, F, 1);
        elmo_train_mul(U, dz, F, &transform_t, NULL, dx, F, 1);
    }
    cnn_backward(net, in, dx);
}
