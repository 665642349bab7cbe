/*
 * elmo.h — the only public header of the elmo-wasm core.
 *
 * ELMo (Peters et al., 2018; bilm-tf / AllenNLP) computed in C11, for
 * WebAssembly and native builds. The core never allocates weights: the caller
 * fills one buffer with a converted model (see models/FORMAT.md) and the model
 * maps its tensors in place.
 *
 *   elmo_model *model = elmo_model_create();
 *   if (elmo_model_load(model, manifest_json, manifest_len,
 *                       weights, weights_len) != ELMO_STATUS_OK)
 *       fprintf(stderr, "%s\n", elmo_model_last_error(model));
 *   elmo_context *ctx = elmo_context_create(model);
 *   size_t n = elmo_output_floats(model, lengths, n_sentences, 0);
 *   float *out = malloc(n * sizeof *out);
 *   elmo_embed(ctx, bytes, offsets, lengths, n_sentences, 0, out, n);
 *   ...
 *   elmo_context_free(ctx);
 *   elmo_model_free(model);      // the weights buffer stays the caller's
 *
 * No global state: every function works on the handles it is given, so any
 * number of models and contexts can live side by side. A context is used by
 * one thread at a time.
 */
#ifndef ELMO_H
#define ELMO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__EMSCRIPTEN__)
#include <emscripten/emscripten.h>
#define ELMO_API EMSCRIPTEN_KEEPALIVE
#elif defined(__GNUC__)
#define ELMO_API __attribute__((visibility("default")))
#else
#define ELMO_API
#endif

/* Zero is success; failures are negative. */
typedef enum elmo_status {
    ELMO_STATUS_OK = 0,
    ELMO_STATUS_INVALID_ARGUMENT = -1, /* a NULL handle, a bad length, bad token bytes… */
    ELMO_STATUS_INVALID_CONFIG = -2,   /* options inconsistent or unsupported */
    ELMO_STATUS_INVALID_WEIGHTS = -3,  /* a tensor missing, of the wrong shape, out of range */
    ELMO_STATUS_OUT_OF_MEMORY = -4,
    ELMO_STATUS_NOT_LOADED = -5        /* a model used before a successful load */
} elmo_status;

/* Flags of elmo_embed(). */
enum {
    /* Start every batch row r from the state row r ended with in the previous
     * stateful call (zeros at first), and keep the final state: the
     * reference's behaviour. Without it, every sentence starts from zeros and
     * the kept state is neither read nor changed. */
    ELMO_EMBED_STATEFUL = 1,
    /* Keep the outputs of the <S> and </S> boundary tokens. */
    ELMO_EMBED_KEEP_BOUNDARIES = 2
};

typedef struct elmo_model elmo_model;
typedef struct elmo_context elmo_context;

ELMO_API const char *elmo_status_to_string(elmo_status status);

/* A model handle with nothing loaded; NULL only when out of memory. */
ELMO_API elmo_model *elmo_model_create(void);

/*
 * Parses the model manifest (JSON text, not NUL-terminated, of json_len
 * bytes), checks the options and every tensor against the weights buffer of
 * weights_len bytes, and maps the tensors in place. The buffer must stay
 * alive and unchanged until elmo_model_free(). On failure the handle keeps
 * nothing loaded and elmo_model_last_error() says what was wrong.
 */
ELMO_API elmo_status elmo_model_load(elmo_model *model, const char *json, size_t json_len,
                                     const void *weights, size_t weights_len);

/*
 * Checks a manifest exactly as elmo_model_load() would against a weights
 * buffer of weights_len bytes, without that buffer and without loading, so
 * that a caller refuses a bad model before it allocates and reads the
 * weights. *tensors_end (when not NULL) gets the byte where the last tensor
 * ends (0 on failure). The handle keeps nothing loaded; on failure
 * elmo_model_last_error() says what was wrong.
 */
ELMO_API elmo_status elmo_model_check(elmo_model *model, const char *json, size_t json_len, size_t weights_len,
                                      size_t *tensors_end);

/* The message of the last failure on this model, "" if none. */
ELMO_API const char *elmo_model_last_error(const elmo_model *model);

ELMO_API void elmo_model_free(elmo_model *model);

/* Hyper-parameters of a loaded model (0 before a successful load). */
ELMO_API int32_t elmo_model_n_layers(const elmo_model *model);      /* biLSTM layers; outputs have n_layers + 1 */
ELMO_API int32_t elmo_model_output_dim(const elmo_model *model);    /* 2 * projection_dim */
ELMO_API int32_t elmo_model_max_characters(const elmo_model *model);

/*
 * Floats elmo_embed() writes for a batch: the sum over sentences of
 * (n_layers + 1) * n * output_dim, where n is the sentence's token count,
 * plus 2 with ELMO_EMBED_KEEP_BOUNDARIES.
 */
ELMO_API size_t elmo_output_floats(const elmo_model *model, const int32_t *sentence_lengths,
                                   int32_t n_sentences, int32_t flags);

/* A context: the run state (workspace, kept LSTM state) for one model. NULL
 * when out of memory or when the model is not loaded. */
ELMO_API elmo_context *elmo_context_create(const elmo_model *model);

/*
 * Embeds a batch of tokenized sentences.
 *
 * token_bytes: the UTF-8 bytes of all tokens of all sentences, concatenated.
 * token_offsets: sum(sentence_lengths) + 1 offsets into token_bytes; token i
 *   is token_bytes[token_offsets[i] .. token_offsets[i + 1]). Every token has
 *   at least one byte.
 * sentence_lengths: n_sentences token counts (0 is allowed).
 * out: out_floats floats, at least elmo_output_floats(); sentence after
 *   sentence, each (n_layers + 1, n, output_dim) row-major: layer 0 is the
 *   context-free token vector twice, layer l >= 1 is [forward_l, backward_l].
 *
 * Workspace grows here, outside the time loop, and is kept for later calls.
 */
ELMO_API elmo_status elmo_embed(elmo_context *ctx, const uint8_t *token_bytes,
                                const uint32_t *token_offsets, const int32_t *sentence_lengths,
                                int32_t n_sentences, int32_t flags, float *out, size_t out_floats);

/*
 * Threads. A pool of n_threads threads, the calling one included: each of
 * threads 1..n_threads-1 must call elmo_thread_pool_work(pool, i) (in wasm:
 * a worker running another instance of the same module on the same shared
 * memory), which serves jobs until elmo_thread_pool_stop(). A context given
 * the pool shares every large product among its threads; the results are the
 * same bit for bit as with one thread. The thread that calls elmo_embed()
 * only spins while it waits, so it may be a browser's main thread. NULL when
 * out of memory, when n_threads is outside 1..ELMO_MAX_THREADS, or when this
 * build has no threads (a wasm module without shared memory) and n_threads > 1.
 */
#define ELMO_MAX_THREADS 64
typedef struct elmo_thread_pool elmo_thread_pool;
ELMO_API elmo_thread_pool *elmo_thread_pool_create(int32_t n_threads);
/* The loop of helper thread `thread` (1..n_threads-1); returns after elmo_thread_pool_stop(). */
ELMO_API int32_t elmo_thread_pool_work(elmo_thread_pool *pool, int32_t thread);
/* Makes every helper return from elmo_thread_pool_work(); call when no elmo_embed() runs. */
ELMO_API void elmo_thread_pool_stop(elmo_thread_pool *pool);
/* Frees the pool once no helper runs in it any more. */
ELMO_API void elmo_thread_pool_free(elmo_thread_pool *pool);
/* Uses pool (NULL: one thread) for later elmo_embed() calls; the pool must
 * outlive that use. A pool serves one context at a time. */
ELMO_API elmo_status elmo_context_set_thread_pool(elmo_context *ctx, elmo_thread_pool *pool);

/*
 * Token cache. A context keeps the context-free vectors (layer 0) of the
 * last max_entries distinct tokens it encoded (least recently used out) and
 * reuses them: the same numbers, bit for bit, without the char CNN and
 * highways. On by default with ELMO_DEFAULT_TOKEN_CACHE entries (of
 * projection_dim floats each); 0 turns it off and frees it.
 */
#define ELMO_DEFAULT_TOKEN_CACHE 4096
#define ELMO_MAX_TOKEN_CACHE (1 << 24)
ELMO_API elmo_status elmo_context_set_token_cache(elmo_context *ctx, int32_t max_entries);
/* counts[0]: lookups that found their token, counts[1]: those that did not, since the cache was made. */
ELMO_API void elmo_context_token_cache_counts(const elmo_context *ctx, double counts[2]);

/*
 * Workspace limit. elmo_embed() keeps the buffers it allocates for a batch
 * (its workspace) within `bytes`: when the whole batch does not fit, the
 * token encoder runs on chunks of tokens and each LSTM direction makes its
 * input products for chunks of steps, sized to fit, with the same results
 * bit for bit. What grows with the batch itself (five projection_dim
 * vectors per position, a few numbers per sentence) is not chunked: a batch
 * that needs more than `bytes` even with one token and one step at a time
 * fails with ELMO_STATUS_OUT_OF_MEMORY, a message giving both numbers, and
 * nothing changed. The kept state of stateful calls and the token cache are
 * not counted. 0 (the default): no limit.
 */
ELMO_API elmo_status elmo_context_set_workspace_limit(elmo_context *ctx, size_t bytes);

/* Zeroes the kept state of every batch row. */
ELMO_API void elmo_context_reset_state(elmo_context *ctx);

/* The message of the last failure on this context, "" if none. */
ELMO_API const char *elmo_context_last_error(const elmo_context *ctx);

ELMO_API void elmo_context_free(elmo_context *ctx);

/*
 * Trainer: bilm-tf's training of the biLM (both directions' language models
 * over one token layer and one shared softmax), in the same C.
 *
 *   elmo_trainer *t = elmo_trainer_create();
 *   elmo_trainer_params p = elmo_trainer_default_params();
 *   if (elmo_trainer_init(t, options_json, options_len, n_vocab, &p) != ELMO_STATUS_OK)
 *       fprintf(stderr, "%s\n", elmo_trainer_last_error(t));
 *   for (each batch) elmo_trainer_step(t, &batch, &loss);
 *   // weights: elmo_trainer_tensor(t, i, ELMO_TRAINER_WEIGHTS, &tensor) for i < elmo_trainer_tensor_count(t)
 *   elmo_trainer_free(t);
 *
 * The options are bilm-tf's options.json (char_cnn, lstm; n_characters 261
 * as bilm-tf trains, or 262 as released models say: either way char_embed
 * has the 261 rows of bilm-tf's dump, inference adds the zero row). Keys of
 * the options that the params below cover (batch_size, unroll_steps,
 * dropout, n_negative_samples_batch) are ignored; n_tokens_vocab, when
 * present, must equal n_vocab. Refused: projection_dim >= lstm.dim (no
 * projected cell), n_filters < projection_dim, "bidirectional": false.
 *
 * A step: dropout masks and the softmax's samples drawn from the trainer's
 * seeded generator (log-uniform over the frequency-sorted vocabulary, unique,
 * drawn anew per direction and shared by its batch, accidental hits removed),
 * forward and backward, the gradient of unroll_steps * loss (as bilm-tf
 * takes it), all gradients clipped together to global norm clip_norm,
 * then Adagrad: accumulator += g², weight -= learning_rate * g / sqrt(accumulator).
 * Each batch row and direction starts from the LSTM state it ended the
 * previous step with (zeros at first); the gradient stops at the batch's start.
 * A sentence starts from zeros too, where its direction reads its first
 * boundary ("<S>" forward, "</S>" backward), as inference and perplexity run
 * it; carry_sentences 1 carries the state across sentences as bilm-tf does
 * (whose backward LM can then fail from a zero state: README, "Training").
 */
typedef struct elmo_trainer elmo_trainer;

typedef struct elmo_trainer_params {
    float learning_rate;       /* 0.2 */
    float initial_accumulator; /* 1.0, Adagrad's starting value */
    float clip_norm;           /* 10: global norm of all gradients together */
    float dropout;             /* 0.1: on each LSTM layer's input and the top output */
    int32_t n_negatives;       /* 8192 sampled softmax words; >= n_vocab: the full softmax */
    int32_t batch_size;        /* 128 rows */
    int32_t unroll_steps;      /* 20 steps per row */
    int32_t carry_sentences;   /* 0: each sentence starts from zeros; 1: bilm-tf's state across sentences */
    uint64_t seed;             /* 0: of the initialization, dropout and sampling */
} elmo_trainer_params;

ELMO_API elmo_trainer_params elmo_trainer_default_params(void);

/* A trainer with nothing set up; NULL only when out of memory. */
ELMO_API elmo_trainer *elmo_trainer_create(void);

/*
 * Sets the trainer up for the model the options describe (JSON text of
 * json_len bytes) and a vocabulary of n_vocab words (<S>, </S>, <UNK>, then
 * by descending count), with every weight initialized as bilm-tf does from
 * params->seed. On failure nothing is set up and the message says why.
 */
ELMO_API elmo_status elmo_trainer_init(elmo_trainer *t, const char *json, size_t json_len, int32_t n_vocab,
                                       const elmo_trainer_params *params);

/*
 * Uses pool (NULL: one thread) for later steps and evaluations: its first
 * two threads, one per direction for the LSTMs and the softmax, sharing the
 * token layer and the update. The results are the same bit for bit with one
 * thread or two. The pool must outlive that use and serve one trainer or
 * context at a time.
 */
ELMO_API elmo_status elmo_trainer_set_thread_pool(elmo_trainer *t, elmo_thread_pool *pool);

/* One batch: batch_size × unroll_steps positions per direction, row-major
 * (position r * unroll_steps + t). */
typedef struct elmo_trainer_batch {
    /* The batch's token table: token i is token_bytes[token_offsets[i] ..
     * token_offsets[i + 1]), UTF-8, at least one byte, entering as its
     * characters as in elmo_embed(); the tokens "<S>" and "</S>" are the
     * sentence boundaries (their own characters, as bilm-tf's vocabulary
     * gives them). At most 2 * batch_size * unroll_steps tokens. */
    const uint8_t *token_bytes;
    const uint32_t *token_offsets; /* n_tokens + 1 */
    int32_t n_tokens;
    /* Per direction (0 forward, 1 backward, which reads its text reversed):
     * the input token at each position (an index into the table) and the
     * vocabulary id it must predict there (-1: no prediction, not counted). */
    const int32_t *tokens[2];
    const int32_t *targets[2];
} elmo_trainer_batch;

/* One training step; *loss (may be NULL) gets 0.5 * (mean forward NLL + mean
 * backward NLL) of the sampled softmax, before the update. */
ELMO_API elmo_status elmo_trainer_step(elmo_trainer *t, const elmo_trainer_batch *batch, float *loss);

/* Flags of elmo_trainer_eval(). */
enum {
    /* Start from, and keep, the evaluation's own carried state (not the
     * training one); without it every row starts from zeros. */
    ELMO_TRAINER_EVAL_CARRY = 1,
    /* Zero the evaluation's carried state first (a new text); the training
     * state is never touched by an evaluation. */
    ELMO_TRAINER_EVAL_RESET = 2
};

/* The full-softmax NLL of a batch without dropout and without any update:
 * per direction the sum nll[d] over count[d] predictions (perplexity
 * exp(sum / count)). */
ELMO_API elmo_status elmo_trainer_eval(elmo_trainer *t, const elmo_trainer_batch *batch, int32_t flags,
                                       double nll[2], int64_t count[2]);

/* Zeroes the carried LSTM state of training and of evaluation. */
ELMO_API void elmo_trainer_reset_state(elmo_trainer *t);

/* The carried training state (per direction and layer, h (batch, P) then c
 * (batch, H)), to save and restore with a checkpoint; NULL before init. */
ELMO_API float *elmo_trainer_state(elmo_trainer *t, size_t *count);

/* Tensors, in bilm-tf's names and shapes ("char_embed", "CNN/W_cnn_0",
 * "CNN_high_0/W_carry", "CNN_proj/W_proj",
 * "RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0", …, "softmax/W",
 * "softmax/b"), each in three buffers of the same layout. */
typedef enum elmo_trainer_buffer {
    ELMO_TRAINER_WEIGHTS = 0,
    ELMO_TRAINER_GRADIENTS = 1,   /* of the last step, after clipping */
    ELMO_TRAINER_ACCUMULATORS = 2 /* Adagrad's */
} elmo_trainer_buffer;

typedef struct elmo_trainer_tensor {
    const char *name;
    int32_t rank;
    int32_t shape[4];
    size_t count;
    float *data; /* count floats, row-major; the caller may read and write them */
} elmo_trainer_tensor_info;

ELMO_API int32_t elmo_trainer_tensor_count(const elmo_trainer *t);
ELMO_API elmo_status elmo_trainer_tensor(elmo_trainer *t, int32_t index, elmo_trainer_buffer buffer,
                                         elmo_trainer_tensor_info *out);

/* The generator's state (4 words), for checkpoints. */
ELMO_API void elmo_trainer_rng_state(const elmo_trainer *t, uint64_t state[4]);
ELMO_API elmo_status elmo_trainer_set_rng_state(elmo_trainer *t, const uint64_t state[4]);

/* The message of the last failure on this trainer, "" if none. */
ELMO_API const char *elmo_trainer_last_error(const elmo_trainer *t);

ELMO_API void elmo_trainer_free(elmo_trainer *t);

#ifdef __cplusplus
}
#endif

#endif /* ELMO_H */
