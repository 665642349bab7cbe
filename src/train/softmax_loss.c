/*
 * softmax_loss.c — the NLL of one direction's predictions under the softmax
 * both directions share (softmax/W [V, P], softmax/b [V]), and its backward:
 * full, or sampled as tf.nn.sampled_softmax_loss computes it (the target's
 * logit and the sampled ones, each minus its log expected count; a sampled
 * id equal to the target is left out, TensorFlow's remove_accidental_hits).
 */
#include <string.h>

#include "train/net.h"

/* NLL of entry 0 under a softmax over logits[0..n) without entry *skip_at (NULL: none); the probabilities into p. */
static double softmax_row(size_t n, const real *logits, const int32_t *skip_at, real *p) {
    const real first = logits[0]; /* p may be logits */
    real max = logits[0];
    for (size_t k = 1; k < n; k++)
        if (logits[k] > max && (!skip_at || (int32_t)k != *skip_at)) max = logits[k];
    for (size_t k = 0; k < n; k++) p[k] = logits[k] - max;
    elmo_train_exp(n, p, p);
    if (skip_at) p[*skip_at] = 0;
    double sum = 0;
    for (size_t k = 0; k < n; k++) sum += p[k];
    for (size_t k = 0; k < n; k++) p[k] = (real)(p[k] / sum);
    return (double)max + log(sum) - (double)first;
}

static void sampled(elmo_train_net *net, elmo_train_direction *s, const int32_t *targets,
                    const elmo_train_samples *smp, int backward, real scale, double *nll, int64_t *count) {
    const size_t N = net->positions, P = (size_t)net->hp.proj_dim, K = (size_t)smp->count;
    const real *W = net->w + net->params.at.softmax_w, *b = net->w + net->params.at.softmax_b;
    /* logits row n: [target, samples…] in K + 1 columns */
    const size_t ld = K + 1;
    for (size_t k = 0; k < K; k++) {
        memcpy(s->sm_w + k * P, W + (size_t)smp->ids[k] * P, P * sizeof(real));
        s->sm_b[k] = b[smp->ids[k]] - smp->log_q[k];
        s->slot[smp->ids[k]] = (int32_t)k;
    }
    elmo_train_operand ws_t;
    elmo_train_operand_set(&ws_t, s->sm_w, P, P, K, 1, s->sm_panels[0]);
    elmo_train_mul(N, s->hs, P, &ws_t, s->sm_b, s->logits + 1, ld, 0);
    *nll = 0, *count = 0;
    for (size_t n = 0; n < N; n++) {
        real *row = s->logits + n * ld;
        if (targets[n] < 0) {
            memset(row, 0, ld * sizeof(real)); /* no gradient */
            continue;
        }
        const size_t tgt = (size_t)targets[n];
        real sum = b[tgt] - smp->true_log_q[n];
        for (size_t q = 0; q < P; q++) sum += s->hs[n * P + q] * W[tgt * P + q];
        row[0] = sum;
        const int32_t hit = s->slot[tgt] >= 0 ? s->slot[tgt] + 1 : -1;
        *nll += softmax_row(ld, row, hit >= 0 ? &hit : NULL, row);
        ++*count;
        row[0] -= 1;
        for (size_t k = 0; k < ld; k++) row[k] *= scale;
    }
    for (size_t k = 0; k < K; k++) s->slot[smp->ids[k]] = -1;
    if (!backward) return;

    /* d hs = dlogits · [W_target; W_samples]; the samples' gradients wait in sm_dw, sm_db */
    elmo_train_operand ws;
    elmo_train_operand_set(&ws, s->sm_w, P, K, P, 0, s->sm_panels[1]);
    elmo_train_mul(N, s->logits + 1, ld, &ws, NULL, s->d_hs, P, 0);
    memset(s->sm_dw, 0, K * P * sizeof(real));
    memset(s->sm_db, 0, K * sizeof(real));
    elmo_train_mul_tn(K, P, N, s->logits + 1, ld, s->hs, P, s->sm_dw, P, s->tn_scratch);
    for (size_t n = 0; n < N; n++) {
        const real *row = s->logits + n * ld;
        for (size_t k = 0; k < K; k++) s->sm_db[k] += row[1 + k];
        if (targets[n] < 0) continue;
        const size_t tgt = (size_t)targets[n];
        for (size_t q = 0; q < P; q++) s->d_hs[n * P + q] += row[0] * W[tgt * P + q];
    }
}

/* Adds direction s's sampled-softmax gradient to net->g: the targets' rows, then the samples'. */
static void sampled_reduce(elmo_train_net *net, const elmo_train_direction *s) {
    const size_t N = net->positions, P = (size_t)net->hp.proj_dim, K = (size_t)s->samples->count, ld = K + 1;
    real *dW = net->g + net->params.at.softmax_w, *db = net->g + net->params.at.softmax_b;
    for (size_t n = 0; n < N; n++) {
        if (s->targets[n] < 0) continue;
        const size_t tgt = (size_t)s->targets[n];
        const real d = s->logits[n * ld];
        for (size_t q = 0; q < P; q++) dW[tgt * P + q] += d * s->hs[n * P + q];
        db[tgt] += d;
    }
    for (size_t k = 0; k < K; k++) {
        const size_t id = (size_t)s->samples->ids[k];
        for (size_t q = 0; q < P; q++) dW[id * P + q] += s->sm_dw[k * P + q];
        db[id] += s->sm_db[k];
    }
}

/* With backward, dW and db go to s->sm_grad (V×P, then V), zeroed here. */
static void full(elmo_train_net *net, elmo_train_direction *s, const int32_t *targets, int backward, real scale,
                 double *nll, int64_t *count) {
    const size_t N = net->positions, P = (size_t)net->hp.proj_dim, V = (size_t)net->n_vocab;
    const real *W = net->w + net->params.at.softmax_w, *b = net->w + net->params.at.softmax_b;
    real *dW = s->sm_grad, *db = s->sm_grad ? s->sm_grad + V * P : NULL;
    elmo_train_operand w_t, w;
    elmo_train_operand_set(&w_t, W, P, P, V, 1, s->sm_panels[0]);
    if (backward) {
        elmo_train_operand_set(&w, W, P, V, P, 0, s->sm_panels[1]);
        memset(dW, 0, V * (P + 1) * sizeof(real));
    }
    *nll = 0, *count = 0;
    for (size_t n0 = 0; n0 < N; n0 += ELMO_TRAIN_SOFTMAX_ROWS) {
        const size_t rows = N - n0 < ELMO_TRAIN_SOFTMAX_ROWS ? N - n0 : ELMO_TRAIN_SOFTMAX_ROWS;
        elmo_train_mul(rows, s->hs + n0 * P, P, &w_t, b, s->logits, V, 0);
        for (size_t i = 0; i < rows; i++) {
            real *row = s->logits + i * V;
            const int32_t tgt = targets[n0 + i];
            if (tgt < 0) {
                memset(row, 0, V * sizeof(real));
                continue;
            }
            /* softmax_row wants the target first: swap it there and back */
            real keep = row[0];
            row[0] = row[tgt], row[tgt] = keep;
            *nll += softmax_row(V, row, NULL, row);
            ++*count;
            keep = row[0], row[0] = row[tgt], row[tgt] = keep;
            row[tgt] -= 1;
            for (size_t k = 0; k < V; k++) row[k] *= scale;
        }
        if (!backward) continue;
        elmo_train_mul(rows, s->logits, V, &w, NULL, s->d_hs + n0 * P, P, 0);
        elmo_train_mul_tn(V, P, rows, s->logits, V, s->hs + n0 * P, P, dW, P, s->tn_scratch);
        for (size_t i = 0; i < rows; i++)
            for (size_t k = 0; k < V; k++) db[k] += s->logits[i * V + k];
    }
}

void elmo_train_softmax(elmo_train_net *net, int32_t dir, const int32_t *targets, const elmo_train_samples *samples,
                        int backward, real scale, double *nll, int64_t *count) {
    elmo_train_direction *s = &net->dir[dir];
    s->targets = backward ? targets : NULL;
    s->samples = samples;
    if (samples)
        sampled(net, s, targets, samples, backward, scale, nll, count);
    else
        full(net, s, targets, backward, scale, nll, count);
}

void elmo_train_softmax_reduce(elmo_train_net *net, int32_t dir) {
    const elmo_train_direction *s = &net->dir[dir];
    if (!s->targets) return;
    if (s->samples) {
        sampled_reduce(net, s);
        return;
    }
    const size_t V = (size_t)net->n_vocab, P = (size_t)net->hp.proj_dim;
    real *dW = net->g + net->params.at.softmax_w, *db = net->g + net->params.at.softmax_b;
    for (size_t e = 0; e < V * P; e++) dW[e] += s->sm_grad[e];
    for (size_t v = 0; v < V; v++) db[v] += s->sm_grad[V * P + v];
}
