/*
 * elmo_reference.c — ELMo in one page; see elmo_reference.h. Each section
 * is the section of models/SEMANTICS.md of the same name.
 */
#include "elmo_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const float *tensor(const elmo_ref_model *m, const char *fmt, int a, int b) {
    char name[48];
    snprintf(name, sizeof name, fmt, a, b);
    return m->tensor(m->user, name);
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double relu(double x) { return x > 0 ? x : 0; }
static double clip(double x, double c) { return c < 0 ? x : x > c ? c : x < -c ? -c : x; }

static int cnn_features(const elmo_ref_options *o) {
    int F = 0;
    for (int i = 0; i < o->n_filters; i++) F += o->filter_count[i];
    return F;
}

/* ---- 1. Characters ---- */

enum { BOS = 256, EOS = 257, BOW = 258, EOW = 259, PAD = 260 };

/* The shifted ids of a token's bytes, or of a boundary (BOS or EOS) when bytes is NULL. */
static void char_ids(const uint8_t *bytes, size_t len, int boundary, int max_chars, int *ids) {
    for (int i = 0; i < max_chars; i++) ids[i] = PAD;
    int k = 0;
    ids[k++] = BOW;
    if (!bytes) {
        ids[k++] = boundary;
    } else {
        for (size_t i = 0; i < len && k < max_chars - 1; i++) ids[k++] = bytes[i];
    }
    ids[k] = EOW;
    for (int i = 0; i < max_chars; i++) ids[i] += 1;
}

/* ---- 2. The token layer ---- */

/* The token vector (P) of one token's ids; x is scratch of 2F doubles. */
static int token_vector(const elmo_ref_model *m, const int *ids, double *x, double *tok) {
    const elmo_ref_options *o = &m->options;
    const int d = o->char_dim, F = cnn_features(o), P = o->proj_dim;
    const float *emb = tensor(m, "char_embed", 0, 0);
    if (!emb) return -1;
    int f0 = 0;
    for (int fi = 0; fi < o->n_filters; fi++) {
        const int w = o->filter_width[fi], n = o->filter_count[fi];
        const float *W = tensor(m, "cnn/W_%d", fi, 0), *b = tensor(m, "cnn/b_%d", fi, 0);
        if (!W || !b) return -1;
        for (int c = 0; c < n; c++) {
            double best = -INFINITY;
            for (int q = 0; q + w <= o->max_chars; q++) {
                double acc = b[c];
                for (int k = 0; k < w; k++)
                    for (int ch = 0; ch < d; ch++) acc += emb[ids[q + k] * d + ch] * W[(k * d + ch) * n + c];
                if (acc > best) best = acc;
            }
            x[f0 + c] = o->relu ? relu(best) : tanh(best);
        }
        f0 += n;
    }
    double *y = x + F;
    for (int k = 0; k < o->n_highway; k++) {
        const float *Wc = tensor(m, "highway/%d/W_carry", k, 0), *bc = tensor(m, "highway/%d/b_carry", k, 0);
        const float *Wt = tensor(m, "highway/%d/W_transform", k, 0);
        const float *bt = tensor(m, "highway/%d/b_transform", k, 0);
        if (!Wc || !bc || !Wt || !bt) return -1;
        for (int j = 0; j < F; j++) {
            double g = bc[j], t = bt[j];
            for (int i = 0; i < F; i++) {
                g += x[i] * Wc[i * F + j];
                t += x[i] * Wt[i * F + j];
            }
            g = sigmoid(g);
            y[j] = g * relu(t) + (1 - g) * x[j];
        }
        memcpy(x, y, sizeof(double) * (size_t)F);
    }
    if (!o->project) {
        for (int j = 0; j < P; j++) tok[j] = x[j];
        return 0;
    }
    const float *Wp = tensor(m, "proj/W", 0, 0), *bp = tensor(m, "proj/b", 0, 0);
    if (!Wp || !bp) return -1;
    for (int j = 0; j < P; j++) {
        double acc = bp[j];
        for (int i = 0; i < F; i++) acc += x[i] * Wp[i * P + j];
        tok[j] = acc;
    }
    return 0;
}

/* ---- 3. The biLSTM layers ---- */

/* One direction of layer l over the L positions of in (L, P) into out (L, P),
 * from and back into (h, c); z (4H) and mem (H) are scratch. */
static int lstm_direction(const elmo_ref_model *m, int l, int dir, int L, const double *in, double *out, double *h,
                          double *c, double *z, double *mem) {
    const elmo_ref_options *o = &m->options;
    const int P = o->proj_dim, H = o->lstm_dim;
    const float *Wx = tensor(m, "lstm/%d/%d/W_x", dir, l), *Wh = tensor(m, "lstm/%d/%d/W_h", dir, l);
    const float *B = tensor(m, "lstm/%d/%d/b", dir, l), *Wp = tensor(m, "lstm/%d/%d/W_proj", dir, l);
    if (!Wx || !Wh || !B || !Wp) return -1;
    const int skip = o->use_skip_connections && l > 0;
    for (int step = 0; step < L; step++) {
        const int t = dir == 0 ? step : L - 1 - step; /* the backward direction reads the sentence reversed */
        const double *x = in + t * P;
        for (int g = 0; g < 4 * H; g++) {
            double acc = B[g];
            for (int i = 0; i < P; i++) acc += x[i] * Wx[i * 4 * H + g] + h[i] * Wh[i * 4 * H + g];
            z[g] = acc;
        }
        const double *i_gate = z, *j_gate = z + H, *f_gate = z + 2 * H, *o_gate = z + 3 * H;
        for (int u = 0; u < H; u++) {
            c[u] = clip(sigmoid(f_gate[u] + 1.0) * c[u] + sigmoid(i_gate[u]) * tanh(j_gate[u]), o->cell_clip);
            mem[u] = sigmoid(o_gate[u]) * tanh(c[u]);
        }
        for (int j = 0; j < P; j++) {
            double acc = 0;
            for (int u = 0; u < H; u++) acc += mem[u] * Wp[u * P + j];
            h[j] = clip(acc, o->proj_clip);
        }
        for (int j = 0; j < P; j++) out[t * P + j] = h[j] + (skip ? x[j] : 0);
    }
    return 0;
}

/* ---- 4. State ---- */

int elmo_ref_state_init(const elmo_ref_model *m, elmo_ref_state *state) {
    const elmo_ref_options *o = &m->options;
    memset(state, 0, sizeof *state);
    if (o->n_layers > ELMO_REF_MAX_LAYERS) return -1;
    int ok = 1;
    for (int l = 0; l < o->n_layers; l++)
        for (int dir = 0; dir < 2; dir++) {
            state->h[l][dir] = calloc((size_t)o->proj_dim, sizeof(double));
            state->c[l][dir] = calloc((size_t)o->lstm_dim, sizeof(double));
            ok = ok && state->h[l][dir] && state->c[l][dir];
        }
    if (!ok) elmo_ref_state_free(state);
    return ok ? 0 : -1;
}

void elmo_ref_state_free(elmo_ref_state *state) {
    for (int l = 0; l < ELMO_REF_MAX_LAYERS; l++)
        for (int dir = 0; dir < 2; dir++) {
            free(state->h[l][dir]);
            free(state->c[l][dir]);
            state->h[l][dir] = state->c[l][dir] = NULL;
        }
}

/* ---- the sentence ---- */

size_t elmo_ref_output_size(const elmo_ref_model *m, int n) {
    const elmo_ref_options *o = &m->options;
    return (size_t)(o->n_layers + 1) * (size_t)(n + 2) * 2 * (size_t)o->proj_dim;
}

int elmo_ref_sentence(const elmo_ref_model *m, const uint8_t *bytes, const uint32_t *offsets, int n,
                      elmo_ref_state *state, double *out) {
    const elmo_ref_options *o = &m->options;
    const int P = o->proj_dim, H = o->lstm_dim, F = cnn_features(o), L = n + 2, W2 = 2 * P;
    if (o->n_layers > ELMO_REF_MAX_LAYERS) return -1;
    elmo_ref_state zero;
    if (!state) {
        if (elmo_ref_state_init(m, &zero)) return -1;
    }
    elmo_ref_state *s = state ? state : &zero;
    int *ids = malloc(sizeof(int) * (size_t)o->max_chars);
    double *scratch = malloc(sizeof(double) * (2 * (size_t)F + 5 * (size_t)H));
    double *in[2] = {malloc(sizeof(double) * (size_t)L * P), malloc(sizeof(double) * (size_t)L * P)};
    double *y = malloc(sizeof(double) * (size_t)L * P);
    int st = ids && scratch && in[0] && in[1] && y ? 0 : -1;

    /* Layer 0: the token vectors, twice; both directions' first layers read them. */
    for (int t = 0; t < L && !st; t++) {
        if (t == 0) char_ids(NULL, 0, BOS, o->max_chars, ids);
        else if (t == L - 1) char_ids(NULL, 0, EOS, o->max_chars, ids);
        else char_ids(bytes + offsets[t - 1], offsets[t] - offsets[t - 1], 0, o->max_chars, ids);
        st = token_vector(m, ids, scratch, in[0] + t * P);
        for (int i = 0; i < P && !st; i++) out[t * W2 + i] = out[t * W2 + P + i] = in[0][t * P + i];
    }
    if (!st) memcpy(in[1], in[0], sizeof(double) * (size_t)L * P);

    for (int l = 0; l < o->n_layers && !st; l++)
        for (int dir = 0; dir < 2 && !st; dir++) {
            st = lstm_direction(m, l, dir, L, in[dir], y, s->h[l][dir], s->c[l][dir], scratch, scratch + 4 * H);
            for (int t = 0; t < L && !st; t++)
                for (int j = 0; j < P; j++) out[((l + 1) * L + t) * W2 + dir * P + j] = y[t * P + j];
            if (!st) memcpy(in[dir], y, sizeof(double) * (size_t)L * P); /* the next layer's input */
        }

    free(ids);
    free(scratch);
    free(in[0]);
    free(in[1]);
    free(y);
    if (!state) elmo_ref_state_free(&zero);
    return st;
}
