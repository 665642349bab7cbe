/*
 * trainer.c — the public trainer (elmo.h, "Trainer"): options and batch
 * checks, the random draws of a step (dropout masks, softmax samples),
 * global-norm clipping and Adagrad around the net of net.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "char_ids.h"
#include "elmo.h"
#include "json.h"
#include "thread_pool.h"
#include "train/net.h"

#ifdef ELMO_TRAIN_DOUBLE
#error "the public trainer is the float build; the double build is for the gradient check"
#endif

struct elmo_trainer {
    int ready;
    elmo_trainer_params params;
    elmo_train_net net;
    real *accum;
    real *state, *eval_state;
    real *masks;          /* (2 * (n_layers + 1), N, P) dropout masks */
    int32_t *char_rows, *n_live;
    uint8_t *boundary;    /* per table token: 1 "<S>", 2 "</S>", 0 a word */
    uint8_t *restart[2];  /* per direction, per position: starts its sentence (elmo_train_inputs) */
    int32_t *sample_ids[2];
    real *log_q[2], *true_log_q[2];
    uint32_t *seen, seen_mark;
    elmo_rng rng;
    elmo_thread_pool *pool; /* not owned */
    char error[256];
};

static elmo_status fail(elmo_trainer *t, elmo_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->error, sizeof t->error, fmt, ap);
    va_end(ap);
    return status;
}

elmo_trainer_params elmo_trainer_default_params(void) {
    return (elmo_trainer_params){0.2f, 1.0f, 10.0f, 0.1f, 8192, 128, 20, 0, 0};
}

elmo_trainer *elmo_trainer_create(void) { return calloc(1, sizeof(elmo_trainer)); }

static void release(elmo_trainer *t) {
    if (t->ready) elmo_train_net_free(&t->net);
    free(t->accum), free(t->state), free(t->eval_state), free(t->masks), free(t->char_rows), free(t->n_live);
    free(t->seen), free(t->boundary), free(t->restart[0]), free(t->restart[1]);
    for (int d = 0; d < 2; d++) free(t->sample_ids[d]), free(t->log_q[d]), free(t->true_log_q[d]);
    const elmo_trainer_params params = t->params;
    elmo_thread_pool *pool = t->pool;
    memset(t, 0, sizeof *t);
    t->params = params;
    t->pool = pool;
}

void elmo_trainer_free(elmo_trainer *t) {
    if (!t) return;
    release(t);
    free(t);
}

const char *elmo_trainer_last_error(const elmo_trainer *t) { return t ? t->error : "no trainer"; }

static json_value *member(json_value *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->u.object.count; i++)
        if (strcmp(obj->u.object.members[i].key, key) == 0) return &obj->u.object.members[i].value;
    return NULL;
}

/* Reads the options into hp, refusing what the trainer does not support. */
static elmo_status read_options(elmo_trainer *t, const char *json, size_t len, int32_t n_vocab, elmo_hparams *hp) {
    char err[200];
    json_value *root = json_parse(json, len, err, sizeof err);
    if (!root) return fail(t, ELMO_STATUS_INVALID_CONFIG, "options: %s", err[0] ? err : "out of memory");
    /* bilm-tf trains with n_characters 261 and its released options say 262 (inference adds
     * the zero row); both mean the same 261 trained rows, so 261 reads as 262 here. */
    json_value *n_chars = member(member(root, "char_cnn"), "n_characters");
    elmo_status st = ELMO_STATUS_OK;
    if (n_chars && n_chars->type == JSON_NUMBER) {
        if (n_chars->u.number.value != 261 && n_chars->u.number.value != 262)
            st = fail(t, ELMO_STATUS_INVALID_CONFIG,
                      "options.char_cnn.n_characters must be 261 (bilm-tf training) or 262, got %.17g",
                      n_chars->u.number.value);
        n_chars->u.number.value = 262;
    }
    const json_value *vocab = member(root, "n_tokens_vocab"), *bidi = member(root, "bidirectional");
    if (!st && vocab && (vocab->type != JSON_NUMBER || vocab->u.number.value != n_vocab))
        st = fail(t, ELMO_STATUS_INVALID_CONFIG, "options.n_tokens_vocab must equal the vocabulary size %d",
                  (int)n_vocab);
    if (!st && bidi && bidi->type != JSON_TRUE)
        st = fail(t, ELMO_STATUS_INVALID_CONFIG, "options.bidirectional: the trainer trains both directions only");
    if (!st && elmo_hparams_read(root, hp, err, sizeof err))
        st = fail(t, ELMO_STATUS_INVALID_CONFIG, "%s", err);
    json_free(root);
    if (st) return st;
    if (hp->proj_dim >= hp->lstm_dim)
        return fail(t, ELMO_STATUS_INVALID_CONFIG,
                    "options.lstm.projection_dim (%d) must be less than options.lstm.dim (%d): the trainer has the "
                    "projected LSTM cell only", (int)hp->proj_dim, (int)hp->lstm_dim);
    if (hp->n_cnn_features < hp->proj_dim)
        return fail(t, ELMO_STATUS_INVALID_CONFIG,
                    "options.char_cnn.filters: %d features, fewer than projection_dim %d (bilm-tf projects down only)",
                    (int)hp->n_cnn_features, (int)hp->proj_dim);
    return ELMO_STATUS_OK;
}

static elmo_status check_params(elmo_trainer *t, int32_t n_vocab, const elmo_trainer_params *p) {
    if (n_vocab < 3) return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "n_vocab must be >= 3 (<S>, </S>, <UNK>), got %d", (int)n_vocab);
    if (!(p->learning_rate > 0) || !isfinite(p->learning_rate))
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "learning_rate must be > 0, got %g", p->learning_rate);
    if (!(p->initial_accumulator > 0) || !isfinite(p->initial_accumulator))
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "initial_accumulator must be > 0, got %g", p->initial_accumulator);
    if (!(p->clip_norm > 0)) return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "clip_norm must be > 0, got %g", p->clip_norm);
    if (!(p->dropout >= 0 && p->dropout < 1))
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "dropout must be in [0, 1), got %g", p->dropout);
    if (p->carry_sentences != 0 && p->carry_sentences != 1)
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "carry_sentences must be 0 or 1, got %d", (int)p->carry_sentences);
    if (p->n_negatives < 1) return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "n_negatives must be >= 1, got %d", (int)p->n_negatives);
    if (p->batch_size < 1 || p->unroll_steps < 1 || (int64_t)p->batch_size * p->unroll_steps > (1 << 24))
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "batch_size (%d) and unroll_steps (%d) must be >= 1, their product <= 2^24",
                    (int)p->batch_size, (int)p->unroll_steps);
    return ELMO_STATUS_OK;
}

elmo_status elmo_trainer_init(elmo_trainer *t, const char *json, size_t json_len, int32_t n_vocab,
                              const elmo_trainer_params *params) {
    if (!t) return ELMO_STATUS_INVALID_ARGUMENT;
    release(t);
    t->error[0] = 0;
    if (!json || !params) return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "options and params are required");
    elmo_status st = check_params(t, n_vocab, params);
    if (st) return st;
    elmo_hparams hp;
    if ((st = read_options(t, json, json_len, n_vocab, &hp))) return st;
    t->params = *params;
    const int32_t K = params->n_negatives < n_vocab ? params->n_negatives : 0;
    if (elmo_train_net_create(&t->net, &hp, n_vocab, params->batch_size, params->unroll_steps, K))
        return fail(t, ELMO_STATUS_OUT_OF_MEMORY, "out of memory for the trainer's buffers");
    t->ready = 1;
    const size_t N = t->net.positions, P = (size_t)hp.proj_dim, S = elmo_train_state_floats(&t->net);
    const size_t U = (size_t)t->net.max_tokens, L = (size_t)hp.max_chars;
    t->accum = malloc(t->net.params.total * sizeof(real));
    t->state = calloc(S, sizeof(real));
    t->eval_state = calloc(S, sizeof(real));
    t->masks = malloc(2 * ((size_t)hp.n_layers + 1) * N * P * sizeof(real));
    t->char_rows = malloc(U * L * sizeof(int32_t));
    t->n_live = malloc(U * sizeof(int32_t));
    t->seen = calloc((size_t)n_vocab, sizeof(uint32_t));
    t->boundary = malloc(U);
    for (int d = 0; d < 2; d++) t->restart[d] = malloc(N);
    int ok = t->accum && t->state && t->eval_state && t->masks && t->char_rows && t->n_live && t->seen && t->boundary &&
             t->restart[0] && t->restart[1];
    for (int d = 0; d < 2 && K; d++) {
        t->sample_ids[d] = malloc((size_t)K * sizeof(int32_t));
        t->log_q[d] = malloc((size_t)K * sizeof(real));
        t->true_log_q[d] = malloc(N * sizeof(real));
        ok = ok && t->sample_ids[d] && t->log_q[d] && t->true_log_q[d];
    }
    if (!ok) {
        release(t);
        return fail(t, ELMO_STATUS_OUT_OF_MEMORY, "out of memory for the trainer's buffers");
    }
    for (size_t e = 0; e < t->net.params.total; e++) t->accum[e] = params->initial_accumulator;
    elmo_rng_seed(&t->rng, params->seed);
    elmo_train_params_init(&t->net.params, t->net.w, &t->rng);
    return ELMO_STATUS_OK;
}

/* Checks the batch and turns its token table into char_embed rows. */
static elmo_status read_batch(elmo_trainer *t, const elmo_trainer_batch *b) {
    if (!t || !t->ready) return t ? fail(t, ELMO_STATUS_NOT_LOADED, "the trainer is not set up (elmo_trainer_init)")
                                  : ELMO_STATUS_INVALID_ARGUMENT;
    t->error[0] = 0;
    if (!b || !b->token_bytes || !b->token_offsets || !b->tokens[0] || !b->tokens[1] || !b->targets[0] || !b->targets[1])
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "batch: token_bytes, token_offsets, tokens[2] and targets[2] are required");
    const elmo_train_net *net = &t->net;
    if (b->n_tokens < 1 || b->n_tokens > net->max_tokens)
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "batch: n_tokens must be in [1, %d], got %d", (int)net->max_tokens,
                    (int)b->n_tokens);
    const int32_t L = net->hp.max_chars;
    for (int32_t u = 0; u < b->n_tokens; u++) {
        const uint32_t start = b->token_offsets[u], end = b->token_offsets[u + 1];
        if (end <= start) return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "batch: token %d is empty (offsets %u..%u)", (int)u, start, end);
        const uint8_t *bytes = b->token_bytes + start;
        const size_t len = end - start;
        int32_t *row = t->char_rows + (size_t)u * (size_t)L;
        t->boundary[u] = len == 3 && memcmp(bytes, "<S>", 3) == 0 ? 1 : len == 4 && memcmp(bytes, "</S>", 4) == 0 ? 2 : 0;
        if (t->boundary[u])
            elmo_char_ids_boundary(t->boundary[u] == 1 ? ELMO_CHAR_BOS : ELMO_CHAR_EOS, L, row);
        else
            elmo_char_ids(bytes, len, L, row);
        int32_t live = 0;
        while (live < L && row[live] != ELMO_CHAR_PAD + 1) live++;
        t->n_live[u] = live;
        for (int32_t p = 0; p < L; p++) row[p] -= 1; /* shifted id -> char_embed row */
    }
    for (int d = 0; d < 2; d++)
        for (size_t n = 0; n < net->positions; n++) {
            if (b->tokens[d][n] < 0 || b->tokens[d][n] >= b->n_tokens)
                return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "batch: tokens[%d][%zu] = %d is not in the token table [0, %d)",
                            d, n, (int)b->tokens[d][n], (int)b->n_tokens);
            if (b->targets[d][n] < -1 || b->targets[d][n] >= net->n_vocab)
                return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "batch: targets[%d][%zu] = %d is not a vocabulary id [0, %d) or -1",
                            d, n, (int)b->targets[d][n], (int)net->n_vocab);
        }
    return ELMO_STATUS_OK;
}

/* A sentence starts where a direction reads its first boundary: "<S>" forward, "</S>" backward. */
static elmo_train_inputs inputs_of(const elmo_trainer *t, const elmo_trainer_batch *b) {
    elmo_train_inputs in;
    memset(&in, 0, sizeof in);
    in.n_tokens = b->n_tokens;
    in.char_rows = t->char_rows;
    in.n_live = t->n_live;
    for (int d = 0; d < 2; d++) {
        in.tokens[d] = b->tokens[d], in.targets[d] = b->targets[d];
        if (t->params.carry_sentences) continue;
        for (size_t n = 0; n < t->net.positions; n++) t->restart[d][n] = t->boundary[b->tokens[d][n]] == 1 + d;
        in.restart[d] = t->restart[d];
    }
    return in;
}

/* TensorFlow's log-uniform (Zipfian) sampler: P(v) = log((v + 2) / (v + 1)) / log(V + 1). */
static double log_uniform_p(int32_t v, int32_t V) { return log((v + 2.0) / (v + 1.0)) / log(V + 1.0); }

/* The log of the expected count of class v in `tries` draws that gave K distinct ones (TensorFlow's formula). */
static real log_expected_count(int32_t v, int32_t V, double tries, int32_t K) {
    const double p = log_uniform_p(v, V);
    return (real)log(tries == K ? p * K : -expm1(tries * log1p(-p)));
}

static void draw_samples(elmo_trainer *t, int d, const int32_t *targets, elmo_train_samples *out) {
    const int32_t V = t->net.n_vocab, K = t->net.max_samples;
    const double log_range = log(V + 1.0);
    if (++t->seen_mark == 0) memset(t->seen, 0, (size_t)V * sizeof *t->seen), t->seen_mark = 1;
    double tries = 0;
    for (int32_t picked = 0; picked < K;) {
        tries++;
        const int32_t v = (int32_t)((int64_t)exp(elmo_rng_uniform(&t->rng) * log_range) - 1) % V;
        if (t->seen[v] == t->seen_mark) continue;
        t->seen[v] = t->seen_mark;
        t->sample_ids[d][picked++] = v;
    }
    for (int32_t k = 0; k < K; k++) t->log_q[d][k] = log_expected_count(t->sample_ids[d][k], V, tries, K);
    for (size_t n = 0; n < t->net.positions; n++)
        t->true_log_q[d][n] = targets[n] >= 0 ? log_expected_count(targets[n], V, tries, K) : 0;
    *out = (elmo_train_samples){t->sample_ids[d], K, t->log_q[d], t->true_log_q[d]};
}

/* One pass of the net on the pool's first one or two threads (net.h, "team"); with backward, the update too. */
typedef struct pass_job {
    elmo_trainer *t;
    const elmo_train_inputs *in;
    real *state;
    int backward;
    elmo_team team;
    elmo_train_loss loss;
    double squares[2]; /* of the gradient's two halves */
} pass_job;

/* clip_by_global_norm, then Adagrad. The norm sums each half of the gradient
 * in order and adds the halves, however many threads there are. */
static void clip_and_update(pass_job *job, const elmo_train_worker *w) {
    elmo_trainer *t = job->t;
    elmo_train_net *net = &t->net;
    const size_t total = net->params.total;
    const int32_t size = elmo_train_team_size(w);
    for (int32_t half = 0; half < 2; half++) {
        if (half % size != w->member) continue;
        double sum = 0;
        for (size_t e = total * (size_t)half / 2; e < total * (size_t)(half + 1) / 2; e++)
            sum += (double)net->g[e] * net->g[e];
        job->squares[half] = sum;
    }
    elmo_train_barrier(w);
    const double norm = sqrt(job->squares[0] + job->squares[1]);
    const real scale = (real)(t->params.clip_norm / (norm > t->params.clip_norm ? norm : t->params.clip_norm));
    const real lr = t->params.learning_rate;
    size_t e0, e1;
    elmo_train_rows(w, total, &e0, &e1);
    for (size_t e = e0; e < e1; e++) {
        const real g = net->g[e] * scale;
        net->g[e] = g;
        t->accum[e] += g * g;
        net->w[e] -= lr * g / REAL_SQRT(t->accum[e]);
    }
}

static void pass_task(void *arg, int32_t thread, int32_t n_threads) {
    (void)n_threads;
    pass_job *job = arg;
    if (thread >= job->team.size) return;
    const elmo_train_worker w = {&job->team, thread};
    const real scale = job->backward ? (real)job->t->net.unroll : 0;
    const elmo_train_loss loss = elmo_train_net_run(&job->t->net, job->in, job->state, job->backward, scale, &w);
    if (thread == 0) job->loss = loss;
    if (job->backward) clip_and_update(job, &w);
}

static elmo_train_loss run_pass(elmo_trainer *t, const elmo_train_inputs *in, real *state, int backward) {
    pass_job job = {t, in, state, backward, {0}, {{0, 0}, {0, 0}, 0}, {0, 0}};
    const int32_t threads = elmo_thread_pool_size(t->pool);
    elmo_team_init(&job.team, threads < 2 ? 1 : 2);
    elmo_thread_pool_run(t->pool, pass_task, &job);
    return job.loss;
}

elmo_status elmo_trainer_step(elmo_trainer *t, const elmo_trainer_batch *batch, float *loss) {
    elmo_status st = read_batch(t, batch);
    if (st) return st;
    elmo_train_net *net = &t->net;
    const size_t N = net->positions, P = (size_t)net->hp.proj_dim;
    elmo_train_inputs in = inputs_of(t, batch);
    const double keep = 1.0 - t->params.dropout;
    if (t->params.dropout > 0) {
        /* TensorFlow's dropout: keep with probability keep, scaled by 1 / keep */
        const size_t n_masks = 2 * ((size_t)net->hp.n_layers + 1);
        for (size_t e = 0; e < n_masks * N * P; e++)
            t->masks[e] = elmo_rng_uniform(&t->rng) < keep ? (real)(1.0 / keep) : 0;
        for (int d = 0; d < 2; d++) {
            for (int32_t l = 0; l < net->hp.n_layers; l++)
                in.drop_in[d][l] = t->masks + ((size_t)d * ((size_t)net->hp.n_layers + 1) + (size_t)l) * N * P;
            in.drop_out[d] = t->masks + ((size_t)d * ((size_t)net->hp.n_layers + 1) + (size_t)net->hp.n_layers) * N * P;
        }
    }
    elmo_train_samples samples[2];
    for (int d = 0; d < 2 && net->max_samples; d++) {
        draw_samples(t, d, batch->targets[d], &samples[d]);
        in.samples[d] = &samples[d];
    }
    const elmo_train_loss result = run_pass(t, &in, t->state, 1);
    if (loss) *loss = (float)result.loss;
    return ELMO_STATUS_OK;
}

elmo_status elmo_trainer_eval(elmo_trainer *t, const elmo_trainer_batch *batch, int32_t flags, double nll[2],
                              int64_t count[2]) {
    elmo_status st = read_batch(t, batch);
    if (st) return st;
    if (flags & ~(ELMO_TRAINER_EVAL_CARRY | ELMO_TRAINER_EVAL_RESET))
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "eval: unknown flags 0x%x", (unsigned)flags);
    if (flags & ELMO_TRAINER_EVAL_RESET) memset(t->eval_state, 0, elmo_train_state_floats(&t->net) * sizeof(real));
    const elmo_train_inputs in = inputs_of(t, batch);
    const elmo_train_loss r = run_pass(t, &in, flags & ELMO_TRAINER_EVAL_CARRY ? t->eval_state : NULL, 0);
    for (int d = 0; d < 2; d++) {
        if (nll) nll[d] = r.nll[d];
        if (count) count[d] = r.count[d];
    }
    return ELMO_STATUS_OK;
}

void elmo_trainer_reset_state(elmo_trainer *t) {
    if (!t || !t->ready) return;
    const size_t S = elmo_train_state_floats(&t->net);
    memset(t->state, 0, S * sizeof(real));
    memset(t->eval_state, 0, S * sizeof(real));
}

float *elmo_trainer_state(elmo_trainer *t, size_t *count) {
    if (count) *count = t && t->ready ? elmo_train_state_floats(&t->net) : 0;
    return t && t->ready ? t->state : NULL;
}

int32_t elmo_trainer_tensor_count(const elmo_trainer *t) { return t && t->ready ? t->net.params.n_tensors : 0; }

elmo_status elmo_trainer_tensor(elmo_trainer *t, int32_t index, elmo_trainer_buffer buffer, elmo_trainer_tensor_info *out) {
    if (!t || !out) return ELMO_STATUS_INVALID_ARGUMENT;
    if (!t->ready) return fail(t, ELMO_STATUS_NOT_LOADED, "the trainer is not set up (elmo_trainer_init)");
    if (index < 0 || index >= t->net.params.n_tensors)
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "tensor index %d is not in [0, %d)", (int)index, (int)t->net.params.n_tensors);
    real *base = buffer == ELMO_TRAINER_WEIGHTS ? t->net.w
               : buffer == ELMO_TRAINER_GRADIENTS ? t->net.g
               : buffer == ELMO_TRAINER_ACCUMULATORS ? t->accum : NULL;
    if (!base) return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "tensor buffer %d is not weights, gradients or accumulators", (int)buffer);
    const elmo_train_tensor *tt = &t->net.params.tensors[index];
    out->name = tt->name;
    out->rank = tt->rank;
    memcpy(out->shape, tt->shape, sizeof out->shape);
    out->count = tt->count;
    out->data = base + tt->offset;
    return ELMO_STATUS_OK;
}

void elmo_trainer_rng_state(const elmo_trainer *t, uint64_t state[4]) {
    for (int i = 0; i < 4; i++) state[i] = t ? t->rng.s[i] : 0;
}

elmo_status elmo_trainer_set_rng_state(elmo_trainer *t, const uint64_t state[4]) {
    if (!t || !state) return ELMO_STATUS_INVALID_ARGUMENT;
    if (!(state[0] | state[1] | state[2] | state[3]))
        return fail(t, ELMO_STATUS_INVALID_ARGUMENT, "rng state: all four words zero is no xoshiro256** state");
    memcpy(t->rng.s, state, sizeof t->rng.s);
    return ELMO_STATUS_OK;
}

elmo_status elmo_trainer_set_thread_pool(elmo_trainer *t, elmo_thread_pool *pool) {
    if (!t) return ELMO_STATUS_INVALID_ARGUMENT;
    t->pool = pool;
    return ELMO_STATUS_OK;
}
