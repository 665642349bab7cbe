/*
 * test_train_grad.c — every parameter's gradient from the trainer's
 * backward pass against central finite differences of its loss, in the
 * double-precision build of the trainer (-DELMO_TRAIN_DOUBLE), on small
 * shapes: both directions, skip connections on and off, relu and tanh, the
 * clips active and not, dropout with fixed masks, the sampled and the full
 * softmax, sentence restarts (the state zeroed mid-batch and at its start);
 * and the sampled softmax with every word sampled (and no log-q
 * correction) against the full one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "char_ids.h"
#include "json.h"
#include "test_util.h"
#include "train/net.h"

#define FD_STEP 1e-5
/* |analytic - numeric| <= TOLERANCE * max(|analytic|, |numeric|, FLOOR): a
 * central difference in double is good to ~1e-11 absolute at this step, so
 * the floor keeps gradients near zero from being judged on their rounding. */
#define TOLERANCE 1e-6
#define FLOOR 1e-4

typedef struct setup {
    const char *name;
    const char *options;
    int32_t vocab, batch, unroll, n_tokens;
    int dropout, sampled;
    double weight_scale; /* U(-s, s) for every weight but char_embed */
    int restarts;        /* some positions start from zeros */
} setup;

typedef struct batch_data {
    int32_t *char_rows, *n_live, *tokens[2], *targets[2], *ids[2];
    uint8_t *restart[2];
    real *drop[2][ELMO_MAX_LAYERS], *drop_out[2], *log_q[2], *true_log_q[2];
    elmo_train_samples samples[2];
    elmo_train_inputs in;
    real *state, *state0;
} batch_data;

static elmo_rng rng;

static int32_t rand_below(int32_t n) { return (int32_t)(elmo_rng_uniform(&rng) * n); }
static double rand_sym(double s) { return s * (2 * elmo_rng_uniform(&rng) - 1); }

static void make_hparams(const char *options, elmo_hparams *hp) {
    char err[256];
    json_value *root = json_parse(options, strlen(options), err, sizeof err);
    if (!root || elmo_hparams_read(root, hp, err, sizeof err)) {
        printf("bad test options: %s\n", err);
        exit(1);
    }
    json_free(root);
}

static void make_batch(const elmo_train_net *net, const setup *su, batch_data *bd) {
    const elmo_hparams *hp = &net->hp;
    const size_t N = net->positions, P = (size_t)hp->proj_dim, L = (size_t)hp->max_chars;
    const int32_t U = su->n_tokens;
    memset(bd, 0, sizeof *bd);
    bd->char_rows = malloc(U * L * sizeof(int32_t));
    bd->n_live = malloc(U * sizeof(int32_t));
    for (int32_t u = 0; u < U; u++) {
        int32_t ids[64];
        if (u < 2) {
            elmo_char_ids_boundary(u == 0 ? ELMO_CHAR_BOS : ELMO_CHAR_EOS, hp->max_chars, ids);
            bd->n_live[u] = 3;
        } else {
            uint8_t bytes[64];
            const size_t len = 1 + (size_t)rand_below((int32_t)L); /* some longer than fits */
            for (size_t i = 0; i < len; i++) bytes[i] = (uint8_t)('a' + rand_below(6));
            elmo_char_ids(bytes, len, hp->max_chars, ids);
            bd->n_live[u] = (int32_t)(len < L - 2 ? len + 2 : L);
        }
        for (size_t p = 0; p < L; p++) bd->char_rows[u * L + p] = ids[p] - 1;
    }
    for (int dir = 0; dir < 2; dir++) {
        bd->tokens[dir] = malloc(N * sizeof(int32_t));
        bd->targets[dir] = malloc(N * sizeof(int32_t));
        for (size_t n = 0; n < N; n++) {
            bd->tokens[dir][n] = rand_below(U);
            bd->targets[dir][n] = n == 1 ? -1 : rand_below(su->vocab); /* one position without a prediction */
        }
        if (su->dropout) {
            for (int32_t l = 0; l < hp->n_layers; l++) {
                bd->drop[dir][l] = malloc(N * P * sizeof(real));
                for (size_t e = 0; e < N * P; e++) bd->drop[dir][l][e] = elmo_rng_uniform(&rng) < 0.7 ? 1 / 0.7 : 0;
                bd->in.drop_in[dir][l] = bd->drop[dir][l];
            }
            bd->drop_out[dir] = malloc(N * P * sizeof(real));
            for (size_t e = 0; e < N * P; e++) bd->drop_out[dir][e] = elmo_rng_uniform(&rng) < 0.7 ? 1 / 0.7 : 0;
            bd->in.drop_out[dir] = bd->drop_out[dir];
        }
        if (su->sampled) {
            const int32_t K = su->vocab / 2;
            bd->ids[dir] = malloc(K * sizeof(int32_t));
            bd->log_q[dir] = malloc(K * sizeof(real));
            bd->true_log_q[dir] = malloc(N * sizeof(real));
            int32_t *perm = malloc(su->vocab * sizeof(int32_t));
            for (int32_t v = 0; v < su->vocab; v++) perm[v] = v;
            for (int32_t v = su->vocab - 1; v > 0; v--) {
                const int32_t j = rand_below(v + 1), t = perm[v];
                perm[v] = perm[j], perm[j] = t;
            }
            for (int32_t k = 0; k < K; k++) bd->ids[dir][k] = perm[k], bd->log_q[dir][k] = rand_sym(1.0);
            for (size_t n = 0; n < N; n++) bd->true_log_q[dir][n] = rand_sym(1.0);
            free(perm);
            bd->samples[dir] = (elmo_train_samples){bd->ids[dir], K, bd->log_q[dir], bd->true_log_q[dir]};
            bd->in.samples[dir] = &bd->samples[dir];
        }
        if (su->restarts) {
            /* the first row's start, and a random third of the other positions, the two directions apart */
            bd->restart[dir] = malloc(N);
            for (size_t n = 0; n < N; n++) bd->restart[dir][n] = n == 0 ? (uint8_t)(dir == 0) : elmo_rng_uniform(&rng) < 1.0 / 3;
            bd->in.restart[dir] = bd->restart[dir];
        }
        bd->in.tokens[dir] = bd->tokens[dir];
        bd->in.targets[dir] = bd->targets[dir];
    }
    bd->in.n_tokens = U;
    bd->in.char_rows = bd->char_rows;
    bd->in.n_live = bd->n_live;
    const size_t S = elmo_train_state_floats(net);
    bd->state = malloc(S * sizeof(real));
    bd->state0 = malloc(S * sizeof(real));
    for (size_t e = 0; e < S; e++) bd->state0[e] = rand_sym(0.5); /* a carried state, not zeros */
}

static void free_batch(batch_data *bd) {
    free(bd->char_rows), free(bd->n_live), free(bd->state), free(bd->state0);
    for (int dir = 0; dir < 2; dir++) {
        free(bd->tokens[dir]), free(bd->targets[dir]), free(bd->ids[dir]), free(bd->log_q[dir]);
        free(bd->true_log_q[dir]), free(bd->drop_out[dir]), free(bd->restart[dir]);
        for (int l = 0; l < ELMO_MAX_LAYERS; l++) free(bd->drop[dir][l]);
    }
}

static double loss_at(elmo_train_net *net, batch_data *bd, int backward) {
    memcpy(bd->state, bd->state0, elmo_train_state_floats(net) * sizeof(real));
    const elmo_train_worker alone = {NULL, 0};
    return elmo_train_net_run(net, &bd->in, bd->state, backward, 1, &alone).loss;
}

/* Fraction of the saved clip masks that clipped, over both directions and all layers. */
static double clipped_fraction(const elmo_train_net *net, int cell) {
    const size_t N = net->positions, n = cell ? (size_t)net->hp.lstm_dim : (size_t)net->hp.proj_dim;
    size_t clipped = 0, total = 0;
    for (int dir = 0; dir < 2; dir++)
        for (int32_t l = 0; l < net->hp.n_layers; l++) {
            const real *mask = cell ? net->lstm[dir][l].cmask : net->lstm[dir][l].hmask;
            for (size_t e = 0; e < N * n; e++) clipped += mask[e] == 0, total++;
        }
    return (double)clipped / (double)total;
}

static void check_setup(const setup *su) {
    elmo_hparams hp;
    make_hparams(su->options, &hp);
    elmo_train_net net;
    CHECK(elmo_train_net_create(&net, &hp, su->vocab, su->batch, su->unroll, su->vocab) == ELMO_STATUS_OK, "create");
    elmo_train_params_init(&net.params, net.w, &rng);
    for (int32_t i = 0; i < net.params.n_tensors; i++) {
        const elmo_train_tensor *t = &net.params.tensors[i];
        for (size_t e = 0; e < t->count; e++)
            net.w[t->offset + e] = (real)rand_sym(i == 0 ? 1.0 : su->weight_scale);
    }
    batch_data bd;
    make_batch(&net, su, &bd);
    const double loss = loss_at(&net, &bd, 1);
    real *grad = malloc(net.params.total * sizeof(real));
    memcpy(grad, net.g, net.params.total * sizeof(real));
    printf("%s: loss %.6f, cells clipped %.1f%%, projections clipped %.1f%%\n", su->name, loss,
           100 * clipped_fraction(&net, 1), 100 * clipped_fraction(&net, 0));
    for (int32_t i = 0; i < net.params.n_tensors; i++) {
        const elmo_train_tensor *t = &net.params.tensors[i];
        double worst = 0, worst_abs = 0;
        size_t worst_at = 0;
        for (size_t e = 0; e < t->count; e++) {
            real *x = &net.w[t->offset + e];
            const real keep = *x;
            *x = keep + FD_STEP;
            const double up = loss_at(&net, &bd, 0);
            *x = keep - FD_STEP;
            const double down = loss_at(&net, &bd, 0);
            *x = keep;
            const double numeric = (up - down) / (2 * FD_STEP), analytic = grad[t->offset + e];
            const double scale = fmax(fmax(fabs(analytic), fabs(numeric)), FLOOR);
            const double rel = fabs(analytic - numeric) / scale;
            if (rel > worst) worst = rel, worst_at = e;
            if (fabs(analytic - numeric) > worst_abs) worst_abs = fabs(analytic - numeric);
        }
        printf("  %-44s %6zu elements: max rel error %.2e (abs %.2e)\n", t->name, t->count, worst, worst_abs);
        CHECK(worst <= TOLERANCE, "%s %s: element %zu gradient off by %.3e relative", su->name, t->name, worst_at,
              worst);
    }
    free(grad);
    free_batch(&bd);
    elmo_train_net_free(&net);
}

/* With every word sampled and no log-q correction, the sampled softmax is the full one. */
static void check_all_sampled(void) {
    const setup su = {"all sampled",
                      "{\"char_cnn\":{\"embedding\":{\"dim\":3},\"filters\":[[1,3],[2,4]],\"n_highway\":1,"
                      "\"n_characters\":262,\"max_characters_per_token\":6,\"activation\":\"relu\"},"
                      "\"lstm\":{\"dim\":5,\"projection_dim\":4,\"n_layers\":2,\"use_skip_connections\":true}}",
                      9, 2, 3, 5, 0, 1, 0.5, 0};
    elmo_hparams hp;
    make_hparams(su.options, &hp);
    elmo_train_net net;
    CHECK(elmo_train_net_create(&net, &hp, su.vocab, su.batch, su.unroll, su.vocab) == ELMO_STATUS_OK, "create");
    elmo_train_params_init(&net.params, net.w, &rng);
    batch_data bd;
    make_batch(&net, &su, &bd);
    for (int dir = 0; dir < 2; dir++) {
        /* every id, in a shuffled order */
        bd.ids[dir] = realloc(bd.ids[dir], su.vocab * sizeof(int32_t));
        bd.log_q[dir] = realloc(bd.log_q[dir], su.vocab * sizeof(real));
        for (int32_t k = 0; k < su.vocab; k++) bd.ids[dir][k] = (k * 4 + dir) % su.vocab, bd.log_q[dir][k] = 0;
        for (size_t n = 0; n < net.positions; n++) bd.true_log_q[dir][n] = 0;
        bd.samples[dir] = (elmo_train_samples){bd.ids[dir], su.vocab, bd.log_q[dir], bd.true_log_q[dir]};
    }
    const double sampled = loss_at(&net, &bd, 1);
    real *grad = malloc(net.params.total * sizeof(real));
    memcpy(grad, net.g, net.params.total * sizeof(real));
    bd.in.samples[0] = bd.in.samples[1] = NULL;
    const double full = loss_at(&net, &bd, 1);
    double worst = 0;
    for (size_t e = 0; e < net.params.total; e++) worst = fmax(worst, fabs(grad[e] - net.g[e]));
    printf("all sampled: loss %.15f, full %.15f, max gradient difference %.2e\n", sampled, full, worst);
    CHECK(fabs(sampled - full) <= 1e-12, "sampled %.15f vs full %.15f", sampled, full);
    CHECK(worst <= 1e-12, "gradients differ by %.3e", worst);
    free(grad);
    free_batch(&bd);
    elmo_train_net_free(&net);
}

int main(void) {
    elmo_rng_seed(&rng, 11);
    const setup setups[] = {
        {"relu, skip, clips active, dropout, sampled",
         "{\"char_cnn\":{\"embedding\":{\"dim\":3},\"filters\":[[1,2],[2,3],[3,2]],\"n_highway\":2,"
         "\"n_characters\":262,\"max_characters_per_token\":6,\"activation\":\"relu\"},"
         "\"lstm\":{\"dim\":5,\"projection_dim\":4,\"n_layers\":2,\"use_skip_connections\":true,"
         "\"cell_clip\":0.6,\"proj_clip\":0.5}}",
         10, 2, 3, 6, 1, 1, 0.8, 1},
        {"tanh, no skip, no clips, full softmax, F == P",
         "{\"char_cnn\":{\"embedding\":{\"dim\":2},\"filters\":[[1,2],[3,2]],\"n_highway\":1,"
         "\"n_characters\":262,\"max_characters_per_token\":5,\"activation\":\"tanh\"},"
         "\"lstm\":{\"dim\":6,\"projection_dim\":4,\"n_layers\":3,\"use_skip_connections\":false}}",
         7, 3, 2, 5, 0, 0, 0.5, 0},
        {"relu, skip, clips inactive, no highway",
         "{\"char_cnn\":{\"embedding\":{\"dim\":2},\"filters\":[[2,3],[4,3]],\"n_highway\":0,"
         "\"n_characters\":262,\"max_characters_per_token\":7,\"activation\":\"relu\"},"
         "\"lstm\":{\"dim\":4,\"projection_dim\":3,\"n_layers\":2,\"use_skip_connections\":true,"
         "\"cell_clip\":50,\"proj_clip\":50}}",
         6, 2, 4, 4, 1, 0, 0.5, 1},
    };
    for (size_t i = 0; i < sizeof setups / sizeof *setups; i++) check_setup(&setups[i]);
    check_all_sampled();
    return test_report("test_train_grad");
}
