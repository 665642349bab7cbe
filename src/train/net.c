/* net.c — the net's buffers and one forward (and backward) pass; see net.h. */
#include "train/net.h"

#include <stdlib.h>
#include <string.h>

#include "carver.h"

/* Every buffer of the net comes from one allocation, carved in order. */
#define REALS(n) elmo_carve(cv, (size_t)(n) * sizeof(real))
#define FLOATS(n) elmo_carve(cv, (size_t)(n) * sizeof(float))

/* Rows of a GEMM tile divide this: a share that starts at a multiple of it is tiled as one thread tiles it. */
#define ROW_ALIGN 16

static size_t max3(size_t a, size_t b, size_t c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }

static void carve_direction(elmo_train_net *net, elmo_train_direction *s, elmo_carver *cv) {
    const elmo_hparams *hp = &net->hp;
    const size_t N = net->positions, B = (size_t)net->batch, U = (size_t)net->max_tokens;
    const size_t d = (size_t)hp->char_dim, F = (size_t)hp->n_cnn_features;
    const size_t P = (size_t)hp->proj_dim, H = (size_t)hp->lstm_dim, V = (size_t)net->n_vocab;
    const size_t K = (size_t)net->max_samples;
    s->d_y = REALS(N * P), s->d_x = REALS(N * P), s->d_z = REALS(N * 4 * H), s->d_hraw = REALS(N * P);
    s->d_m = REALS(B * H), s->d_c = REALS(B * H), s->d_h = REALS(B * P);
    s->scratch_state = REALS(B * (P + H));
    s->d_tok = REALS(U * P);
    s->hs = REALS(N * P), s->d_hs = REALS(N * P);
    s->sm_w = REALS(K * P), s->sm_b = REALS(K), s->sm_dw = REALS(K * P), s->sm_db = REALS(K);
    const size_t sampled_logits = N * (K + 1), full_logits = ELMO_TRAIN_SOFTMAX_ROWS * V;
    s->logits = REALS(sampled_logits > full_logits ? sampled_logits : full_logits);
    s->sm_grad = K && K < V ? NULL : REALS(V * (P + 1)); /* only a net that may train on the full softmax */
    s->slot = elmo_carve(cv, V * sizeof(int32_t));
    s->conv = REALS((size_t)hp->max_chars * (size_t)hp->max_filter_count);
    s->pad_conv = REALS(F);
    size_t filter = 0;
    for (int32_t f = 0; f < hp->n_filters; f++)
        filter = max3(filter, (size_t)hp->filter_width[f] * d * (size_t)hp->filter_count[f], 0);
    s->cnn_wt = REALS(filter), s->cnn_dwt = REALS(filter);

    size_t op = elmo_train_operand_floats(P, 4 * H);
    op = max3(op, elmo_train_operand_floats(4 * H, P), elmo_train_operand_floats(F, F));
    op = max3(op, elmo_train_operand_floats(F, P), elmo_train_operand_floats(P, F));
    op = max3(op, elmo_train_operand_floats(H, P), elmo_train_operand_floats(P, H));
    for (int32_t f = 0; f < hp->n_filters; f++)
        op = max3(op, elmo_train_operand_floats((size_t)hp->filter_width[f] * d, (size_t)hp->filter_count[f]), 0);
    for (int i = 0; i < 3; i++) s->panels[i] = FLOATS(op);
    const size_t sm_op = max3(elmo_train_operand_floats(P, V), elmo_train_operand_floats(V, P), 0);
    for (int i = 0; i < 2; i++) s->sm_panels[i] = FLOATS(sm_op);
    size_t tn = max3(elmo_train_tn_floats(F, F), elmo_train_tn_floats(F, P), elmo_train_tn_floats(H, P));
    tn = max3(tn, elmo_train_tn_floats(P, 4 * H), elmo_train_tn_floats(V > K ? V : K, P));
    s->tn_scratch = FLOATS(tn);
}

static void carve_all(elmo_train_net *net, elmo_carver *cv) {
    const elmo_hparams *hp = &net->hp;
    const size_t N = net->positions, B = (size_t)net->batch, U = (size_t)net->max_tokens;
    const size_t L = (size_t)hp->max_chars, d = (size_t)hp->char_dim, F = (size_t)hp->n_cnn_features;
    const size_t P = (size_t)hp->proj_dim, H = (size_t)hp->lstm_dim;
    net->w = REALS(net->params.total);
    net->g = REALS(net->params.total);
    net->chars = REALS(U * L * d);
    net->argmax = elmo_carve(cv, U * F * sizeof(int32_t));
    for (int32_t k = 0; k <= hp->n_highway; k++) net->hw_x[k] = REALS(U * F);
    for (int32_t k = 0; k < hp->n_highway; k++) net->hw_g[k] = REALS(U * F), net->hw_z[k] = REALS(U * F);
    net->tok = REALS(U * P);
    net->d_fa = REALS(U * F);
    net->cnn_g = REALS(net->cnn_end);
    for (int32_t dir = 0; dir < 2; dir++)
        for (int32_t l = 0; l < hp->n_layers; l++) {
            elmo_train_lstm_saved *s = &net->lstm[dir][l];
            s->xin = REALS(N * P), s->gates = REALS(N * 4 * H), s->c = REALS(N * H), s->cmask = REALS(N * H);
            s->tc = REALS(N * H), s->m = REALS(N * H), s->hmask = REALS(N * P), s->hprev = REALS(N * P);
            s->c0 = REALS(B * H), s->y = REALS(N * P);
        }
    for (int32_t dir = 0; dir < 2; dir++) carve_direction(net, &net->dir[dir], cv);
}

elmo_status elmo_train_net_create(elmo_train_net *net, const elmo_hparams *hp, int32_t n_vocab, int32_t batch,
                                  int32_t unroll, int32_t max_samples) {
    memset(net, 0, sizeof *net);
    net->hp = *hp;
    net->n_vocab = n_vocab, net->batch = batch, net->unroll = unroll;
    net->positions = (size_t)batch * (size_t)unroll;
    net->max_tokens = (int32_t)(2 * net->positions);
    net->max_samples = max_samples;
    if (elmo_train_params_layout(hp, n_vocab, &net->params)) return ELMO_STATUS_OUT_OF_MEMORY;
    const int32_t last = hp->n_filters - 1;
    net->cnn_end = net->params.at.cnn_b[last] + (size_t)hp->filter_count[last];
    elmo_carver cv = {NULL, 0};
    carve_all(net, &cv);
    cv.base = malloc(cv.used);
    if (!cv.base) {
        elmo_train_params_free(&net->params);
        return ELMO_STATUS_OUT_OF_MEMORY;
    }
    cv.used = 0;
    carve_all(net, &cv);
    memset(net->w, 0, net->params.total * sizeof(real));
    memset(net->g, 0, net->params.total * sizeof(real));
    for (int dir = 0; dir < 2; dir++)
        for (int32_t v = 0; v < n_vocab; v++) net->dir[dir].slot[v] = -1;
    return ELMO_STATUS_OK;
}

void elmo_train_net_free(elmo_train_net *net) {
    free(net->w); /* the start of the one allocation */
    elmo_train_params_free(&net->params);
    memset(net, 0, sizeof *net);
}

size_t elmo_train_state_floats(const elmo_train_net *net) {
    return 2 * (size_t)net->hp.n_layers * (size_t)net->batch * (size_t)(net->hp.proj_dim + net->hp.lstm_dim);
}

void elmo_train_rows(const elmo_train_worker *w, size_t n, size_t *begin, size_t *end) {
    const size_t size = (size_t)elmo_train_team_size(w), member = (size_t)w->member;
    const size_t per = (n / size + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
    *begin = member * per < n ? member * per : n;
    *end = member + 1 == size || (member + 1) * per > n ? n : (member + 1) * per;
}

static int64_t predictions(const int32_t *targets, size_t n) {
    int64_t count = 0;
    for (size_t i = 0; i < n; i++) count += targets[i] >= 0;
    return count;
}

/* Direction dir: its LSTMs forward, its softmax, and with backward its LSTMs backward into s->d_tok. */
static void run_direction(elmo_train_net *net, const elmo_train_inputs *in, real *state, int backward,
                          real grad_scale, int32_t dir) {
    const elmo_hparams *hp = &net->hp;
    elmo_train_direction *s = &net->dir[dir];
    const size_t N = net->positions, P = (size_t)hp->proj_dim, H = (size_t)hp->lstm_dim, B = (size_t)net->batch;
    const size_t state_slot = B * (P + H);
    for (int32_t l = 0; l < hp->n_layers; l++) {
        const real *x;
        if (l == 0) {
            for (size_t n = 0; n < N; n++)
                memcpy(s->d_x + n * P, net->tok + (size_t)in->tokens[dir][n] * P, P * sizeof(real));
            x = s->d_x;
        } else {
            x = net->lstm[dir][l - 1].y;
        }
        real *h = s->scratch_state, *c = h + B * P;
        if (state)
            h = state + ((size_t)dir * (size_t)hp->n_layers + (size_t)l) * state_slot, c = h + B * P;
        else
            memset(s->scratch_state, 0, state_slot * sizeof(real));
        elmo_train_lstm_forward(net, dir, l, x, in->drop_in[dir][l], in->restart[dir], h, c);
    }
    const real *top = net->lstm[dir][hp->n_layers - 1].y, *drop = in->drop_out[dir];
    for (size_t e = 0; e < N * P; e++) s->hs[e] = drop ? top[e] * drop[e] : top[e];
    const int64_t count = predictions(in->targets[dir], N);
    const real scale = count ? grad_scale * (real)0.5 / (real)count : 0;
    elmo_train_softmax(net, dir, in->targets[dir], in->samples[dir], backward, scale, &s->nll, &s->count);
    if (!backward) return;
    for (size_t e = 0; e < N * P; e++) s->d_y[e] = drop ? s->d_hs[e] * drop[e] : s->d_hs[e];
    for (int32_t l = hp->n_layers - 1; l >= 0; l--) {
        elmo_train_lstm_backward(net, dir, l, in->drop_in[dir][l], in->restart[dir]);
        memcpy(s->d_y, s->d_x, N * P * sizeof(real));
    }
    memset(s->d_tok, 0, (size_t)in->n_tokens * P * sizeof(real));
    for (size_t n = 0; n < N; n++) {
        real *dst = s->d_tok + (size_t)in->tokens[dir][n] * P;
        for (size_t q = 0; q < P; q++) dst[q] += s->d_y[n * P + q];
    }
}

elmo_train_loss elmo_train_net_run(elmo_train_net *net, const elmo_train_inputs *in, real *state, int backward,
                                   real grad_scale, const elmo_train_worker *w) {
    const size_t P = (size_t)net->hp.proj_dim;
    const int32_t size = elmo_train_team_size(w);
    if (backward && w->member == 0) memset(net->g + net->cnn_end, 0, (net->params.total - net->cnn_end) * sizeof(real));
    elmo_train_tokens_forward(net, in, w);
    elmo_train_barrier(w);
    /* the directions: one per member, or both on a team of one */
    for (int32_t dir = 0; dir < 2; dir++)
        if (dir % size == w->member) run_direction(net, in, state, backward, grad_scale, dir);
    elmo_train_barrier(w);
    if (backward) {
        /* softmax gradients on member 0, direction 0's first; the token vectors' on the last member */
        if (w->member == 0)
            for (int32_t dir = 0; dir < 2; dir++) elmo_train_softmax_reduce(net, dir);
        if (w->member == size - 1) {
            real *sum = net->dir[0].d_tok;
            const real *other = net->dir[1].d_tok;
            for (size_t e = 0; e < (size_t)in->n_tokens * P; e++) sum[e] += other[e];
        }
        elmo_train_barrier(w);
        elmo_train_tokens_backward(net, in, w);
        elmo_train_barrier(w);
    }
    elmo_train_loss loss = {{0, 0}, {0, 0}, 0};
    for (int32_t dir = 0; dir < 2; dir++) {
        loss.nll[dir] = net->dir[dir].nll, loss.count[dir] = net->dir[dir].count;
        if (loss.count[dir]) loss.loss += 0.5 * loss.nll[dir] / (double)loss.count[dir];
    }
    return loss;
}
