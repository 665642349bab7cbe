/*
 * test_train.c — the public trainer (elmo.h, "Trainer") in the float build:
 * one Adagrad step and global-norm clipping checked by hand against the
 * gradients it reports, the loss going down over 100 steps on a small text,
 * determinism from the seed, evaluation, and bad input refused with a
 * message naming it, the trainer usable after.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "elmo.h"
#include "test_util.h"
#include "trainer_buffers.h"

static const char *OPTIONS =
    "{\"char_cnn\":{\"embedding\":{\"dim\":4},\"filters\":[[1,4],[2,8],[3,8]],\"n_highway\":1,"
    "\"n_characters\":261,\"max_characters_per_token\":12,\"activation\":\"relu\"},"
    "\"lstm\":{\"dim\":16,\"projection_dim\":8,\"n_layers\":2,\"use_skip_connections\":true,"
    "\"cell_clip\":3,\"proj_clip\":3},\"bidirectional\":true}";

/* A small text as one token stream: vocabulary ids and the table of its distinct words. */
static const char *WORDS[] = {"<S>", "</S>", "<UNK>", "the", "cat", "sat", "on", "mat", "a", "dog", "ran", "."};
#define N_WORDS 12
static const int TEXT[] = {0, 3, 4, 5, 6, 3, 7, 11, 1, 0, 8, 9, 10, 11, 1, 0, 3, 9, 5, 6, 8, 7, 11, 1};
#define TEXT_LEN 24

typedef struct batch_buf {
    uint8_t bytes[256];
    uint32_t offsets[N_WORDS + 1];
    int32_t tokens[2][64], targets[2][64];
    elmo_trainer_batch b;
} batch_buf;

/* Rows of `unroll` positions cut from the stream from `start`; the backward direction reads it reversed. */
static void make_batch(batch_buf *bb, int batch, int unroll, int start) {
    uint32_t at = 0;
    for (int w = 0; w < N_WORDS; w++) {
        bb->offsets[w] = at;
        memcpy(bb->bytes + at, WORDS[w], strlen(WORDS[w]));
        at += (uint32_t)strlen(WORDS[w]);
    }
    bb->offsets[N_WORDS] = at;
    for (int r = 0; r < batch; r++)
        for (int t = 0; t < unroll; t++) {
            const int i = (start + r * unroll + t) % TEXT_LEN, j = (start + r * unroll + t + 1) % TEXT_LEN;
            bb->tokens[0][r * unroll + t] = TEXT[i], bb->targets[0][r * unroll + t] = TEXT[j];
            bb->tokens[1][r * unroll + t] = TEXT[TEXT_LEN - 1 - i], bb->targets[1][r * unroll + t] = TEXT[TEXT_LEN - 1 - j];
        }
    bb->b = (elmo_trainer_batch){bb->bytes, bb->offsets, N_WORDS, {bb->tokens[0], bb->tokens[1]},
                                 {bb->targets[0], bb->targets[1]}};
}

static elmo_trainer *make_trainer(const elmo_trainer_params *p) {
    elmo_trainer *t = elmo_trainer_create();
    const elmo_status st = elmo_trainer_init(t, OPTIONS, strlen(OPTIONS), N_WORDS, p);
    CHECK(st == ELMO_STATUS_OK, "init: %s", elmo_trainer_last_error(t));
    return t;
}

static void test_defaults_and_tensors(void) {
    const elmo_trainer_params p = elmo_trainer_default_params();
    CHECK(p.learning_rate == 0.2f && p.initial_accumulator == 1.0f && p.clip_norm == 10.0f && p.dropout == 0.1f &&
              p.n_negatives == 8192 && p.unroll_steps == 20,
          "defaults are bilm-tf's");
    elmo_trainer_params q = p;
    q.batch_size = 2, q.unroll_steps = 3;
    elmo_trainer *t = make_trainer(&q);
    elmo_trainer_tensor_info x;
    CHECK(elmo_trainer_tensor(t, 0, ELMO_TRAINER_WEIGHTS, &x) == ELMO_STATUS_OK && strcmp(x.name, "char_embed") == 0 &&
              x.shape[0] == 261 && x.shape[1] == 4,
          "char_embed is (261, 4), bilm-tf's trained shape");
    int found = 0;
    for (int32_t i = 0; i < elmo_trainer_tensor_count(t); i++) {
        elmo_trainer_tensor(t, i, ELMO_TRAINER_WEIGHTS, &x);
        if (strcmp(x.name, "RNN_1/RNN/MultiRNNCell/Cell1/LSTMCell/W_0") == 0)
            found += x.shape[0] == 16 && x.shape[1] == 64;
        if (strcmp(x.name, "CNN_high_0/b_carry") == 0) found += x.data[0] == -2.0f;
        if (strcmp(x.name, "softmax/W") == 0) found += x.shape[0] == N_WORDS && x.shape[1] == 8;
        if (strcmp(x.name, "CNN/W_cnn_2") == 0) found += x.rank == 4 && x.shape[1] == 3 && x.shape[2] == 4;
    }
    CHECK(found == 4, "bilm-tf names, shapes and the carry bias -2 (%d of 4)", found);
    elmo_trainer_tensor(t, 3, ELMO_TRAINER_ACCUMULATORS, &x);
    CHECK(x.data[0] == 1.0f, "accumulators start at 1");
    CHECK(elmo_trainer_tensor(t, 999, ELMO_TRAINER_WEIGHTS, &x) == ELMO_STATUS_INVALID_ARGUMENT &&
              strstr(elmo_trainer_last_error(t), "999"),
          "a tensor index out of range: %s", elmo_trainer_last_error(t));
    elmo_trainer_free(t);
}

static void test_adagrad_and_clip_by_hand(void) {
    elmo_trainer_params p = elmo_trainer_default_params();
    p.batch_size = 2, p.unroll_steps = 4, p.n_negatives = 5, p.seed = 7, p.clip_norm = 1e9f;
    elmo_trainer *loose = make_trainer(&p);
    p.clip_norm = 0.05f;
    elmo_trainer *tight = make_trainer(&p);
    batch_buf bb;
    make_batch(&bb, 2, 4, 0);
    float *w0 = trainer_snapshot(tight, ELMO_TRAINER_WEIGHTS), *a0 = trainer_snapshot(tight, ELMO_TRAINER_ACCUMULATORS);
    float loss_loose, loss_tight;
    CHECK(elmo_trainer_step(loose, &bb.b, &loss_loose) == ELMO_STATUS_OK, "step");
    CHECK(elmo_trainer_step(tight, &bb.b, &loss_tight) == ELMO_STATUS_OK, "step");
    CHECK(loss_loose == loss_tight && loss_loose > 0, "same seed, same loss before the update (%g, %g)", loss_loose, loss_tight);
    const size_t n = trainer_total_floats(tight);
    float *g_loose = trainer_snapshot(loose, ELMO_TRAINER_GRADIENTS), *g = trainer_snapshot(tight, ELMO_TRAINER_GRADIENTS);
    float *w1 = trainer_snapshot(tight, ELMO_TRAINER_WEIGHTS), *a1 = trainer_snapshot(tight, ELMO_TRAINER_ACCUMULATORS);
    double norm = 0;
    for (size_t e = 0; e < n; e++) norm += (double)g_loose[e] * g_loose[e];
    norm = sqrt(norm);
    CHECK(norm > 0.05, "the unclipped norm %g is above the clip", norm);
    double worst_clip = 0, worst_acc = 0, worst_w = 0;
    for (size_t e = 0; e < n; e++) {
        const double want = g_loose[e] * (0.05 / norm);
        worst_clip = fmax(worst_clip, fabs(g[e] - want) / fmax(fabs(want), 1e-6));
        const double acc = a0[e] + (double)g[e] * g[e];
        worst_acc = fmax(worst_acc, fabs(a1[e] - acc) / acc);
        const double w = w0[e] - 0.2 * g[e] / sqrt(acc);
        worst_w = fmax(worst_w, fabs(w1[e] - w));
    }
    CHECK(worst_clip < 1e-3, "clipped gradient = gradient * clip / norm (worst relative %g)", worst_clip);
    CHECK(worst_acc < 1e-6, "accumulator += g^2 (worst relative %g)", worst_acc);
    CHECK(worst_w < 1e-6, "weight -= lr g / sqrt(accumulator) (worst %g)", worst_w);
    free(w0), free(a0), free(g_loose), free(g), free(w1), free(a1);
    elmo_trainer_free(loose);
    elmo_trainer_free(tight);
}

static void test_loss_decreases_and_determinism(void) {
    elmo_trainer_params p = elmo_trainer_default_params();
    p.batch_size = 3, p.unroll_steps = 5, p.n_negatives = 6, p.seed = 3, p.learning_rate = 0.5f, p.dropout = 0;
    elmo_trainer *a = make_trainer(&p), *b = make_trainer(&p);
    batch_buf bb;
    double first = 0, last = 0;
    for (int step = 0; step < 100; step++) {
        make_batch(&bb, 3, 5, (step * 15) % TEXT_LEN);
        float la, lb;
        CHECK(elmo_trainer_step(a, &bb.b, &la) == ELMO_STATUS_OK, "step %d", step);
        if (step < 20) CHECK(elmo_trainer_step(b, &bb.b, &lb) == ELMO_STATUS_OK && la == lb, "same seed, same run");
        if (step < 10) first += la / 10;
        if (step >= 90) last += la / 10;
    }
    printf("sampled loss: first 10 steps %.3f, last 10 %.3f\n", first, last);
    CHECK(last < 0.5 * first, "the loss goes down: %.3f -> %.3f", first, last);
    /* full-softmax evaluation: the text is learnt, far below the uniform log(12) = 2.48 */
    make_batch(&bb, 3, 5, 0);
    double nll[2];
    int64_t count[2];
    float *w = trainer_snapshot(a, ELMO_TRAINER_WEIGHTS);
    CHECK(elmo_trainer_eval(a, &bb.b, 0, nll, count) == ELMO_STATUS_OK && count[0] == 15 && count[1] == 15, "eval");
    printf("held-in perplexity forward %.3f backward %.3f\n", exp(nll[0] / 15), exp(nll[1] / 15));
    CHECK(nll[0] / 15 < 1.5 && nll[1] / 15 < 1.5, "eval NLL %.3f %.3f", nll[0] / 15, nll[1] / 15);
    float *w_after = trainer_snapshot(a, ELMO_TRAINER_WEIGHTS);
    CHECK(memcmp(w, w_after, trainer_total_floats(a) * sizeof(float)) == 0, "eval changes no weight");
    free(w), free(w_after);
    uint64_t s[4];
    elmo_trainer_rng_state(a, s);
    const uint64_t zero[4] = {0, 0, 0, 0};
    CHECK(elmo_trainer_set_rng_state(b, zero) == ELMO_STATUS_INVALID_ARGUMENT, "an all-zero generator state is refused");
    CHECK(elmo_trainer_set_rng_state(b, s) == ELMO_STATUS_OK, "set the generator state");
    uint64_t s2[4];
    elmo_trainer_rng_state(b, s2);
    CHECK(memcmp(s, s2, sizeof s) == 0, "the state reads back");
    elmo_trainer_free(a);
    elmo_trainer_free(b);
}

static void test_bad_input(void) {
    elmo_trainer *t = elmo_trainer_create();
    elmo_trainer_params p = elmo_trainer_default_params();
    p.batch_size = 2, p.unroll_steps = 4, p.n_negatives = 50;
    const char *bad[][2] = {
        {"{\"char_cnn\":{\"embedding\":{\"dim\":4},\"filters\":[[1,16]],\"n_characters\":300},"
         "\"lstm\":{\"dim\":16,\"projection_dim\":8,\"n_layers\":1}}", "n_characters"},
        {"{\"char_cnn\":{\"embedding\":{\"dim\":4},\"filters\":[[1,16]],\"n_characters\":261},"
         "\"lstm\":{\"dim\":8,\"projection_dim\":8,\"n_layers\":1}}", "projection_dim"},
        {"{\"char_cnn\":{\"embedding\":{\"dim\":4},\"filters\":[[1,4]],\"n_characters\":261},"
         "\"lstm\":{\"dim\":16,\"projection_dim\":8,\"n_layers\":1}}", "features"},
        {"{\"char_cnn\":{\"embedding\":{\"dim\":4},\"filters\":[[1,16]],\"n_characters\":261},"
         "\"lstm\":{\"dim\":16,\"projection_dim\":8,\"n_layers\":1},\"bidirectional\":false}", "bidirectional"},
        {"{\"char_cnn\":{\"embedding\":{\"dim\":4},\"filters\":[[1,16]],\"n_characters\":261},"
         "\"lstm\":{\"dim\":16,\"projection_dim\":8,\"n_layers\":1},\"n_tokens_vocab\":99}", "n_tokens_vocab"},
        {"{\"char_cnn\":", "options"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const elmo_status st = elmo_trainer_init(t, bad[i][0], strlen(bad[i][0]), N_WORDS, &p);
        CHECK(st == ELMO_STATUS_INVALID_CONFIG && strstr(elmo_trainer_last_error(t), bad[i][1]),
              "bad options %zu refused naming %s: %s", i, bad[i][1], elmo_trainer_last_error(t));
    }
    batch_buf bb;
    make_batch(&bb, 2, 4, 0);
    CHECK(elmo_trainer_step(t, &bb.b, NULL) == ELMO_STATUS_NOT_LOADED, "a step before a successful init");
    CHECK(elmo_trainer_init(t, OPTIONS, strlen(OPTIONS), N_WORDS, &p) == ELMO_STATUS_OK, "then a good init: %s",
          elmo_trainer_last_error(t));
    float *w = trainer_snapshot(t, ELMO_TRAINER_WEIGHTS);
    bb.targets[0][3] = N_WORDS;
    CHECK(elmo_trainer_step(t, &bb.b, NULL) == ELMO_STATUS_INVALID_ARGUMENT &&
              strstr(elmo_trainer_last_error(t), "targets[0][3]"),
          "a target out of range: %s", elmo_trainer_last_error(t));
    bb.targets[0][3] = 2;
    bb.tokens[1][5] = N_WORDS;
    CHECK(elmo_trainer_step(t, &bb.b, NULL) == ELMO_STATUS_INVALID_ARGUMENT &&
              strstr(elmo_trainer_last_error(t), "tokens[1][5]"),
          "a token index outside the table: %s", elmo_trainer_last_error(t));
    bb.tokens[1][5] = 0;
    bb.offsets[4] = bb.offsets[3];
    CHECK(elmo_trainer_step(t, &bb.b, NULL) == ELMO_STATUS_INVALID_ARGUMENT && strstr(elmo_trainer_last_error(t), "empty"),
          "an empty token: %s", elmo_trainer_last_error(t));
    float *w_after = trainer_snapshot(t, ELMO_TRAINER_WEIGHTS);
    CHECK(memcmp(w, w_after, trainer_total_floats(t) * sizeof(float)) == 0, "refused steps change no weight");
    make_batch(&bb, 2, 4, 0);
    float loss = 0;
    CHECK(elmo_trainer_step(t, &bb.b, &loss) == ELMO_STATUS_OK && loss > 0, "usable after: %s", elmo_trainer_last_error(t));
    p.dropout = 1.0f;
    CHECK(elmo_trainer_init(t, OPTIONS, strlen(OPTIONS), N_WORDS, &p) == ELMO_STATUS_INVALID_ARGUMENT &&
              strstr(elmo_trainer_last_error(t), "dropout"),
          "dropout 1: %s", elmo_trainer_last_error(t));
    free(w), free(w_after);
    elmo_trainer_free(t);
}

int main(void) {
    test_defaults_and_tensors();
    test_adagrad_and_clip_by_hand();
    test_loss_decreases_and_determinism();
    test_bad_input();
    return test_report("test_train");
}
