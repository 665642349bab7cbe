/*
 * token_encoder.h — the context-free token vectors (ELMo layer 0): char
 * embedding → char CNN (max over positions, + bias, activation) → highway
 * layers → projection.
 */
#ifndef ELMO_TOKEN_ENCODER_H
#define ELMO_TOKEN_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "thread_pool.h"

/*
 * The convolution of a window lying wholly in a token's PAD tail is the same
 * for every token: pad_conv (F floats, filter after filter, before bias and
 * activation) holds it, computed once per context. scratch: width_max * d floats.
 */
void elmo_token_encoder_pad_windows(const elmo_hparams *hp, const elmo_weights *w, float *scratch,
                                    float *pad_conv);

/* Floats of scratch elmo_token_encoder_pad_windows() needs. */
size_t elmo_token_encoder_pad_scratch_floats(const elmo_hparams *hp);

/* Floats of scratch elmo_encode_tokens() needs on n_threads threads, whatever the number of tokens. */
size_t elmo_token_encoder_scratch_floats(const elmo_hparams *hp, int32_t n_threads);

/*
 * char_ids: (n_tokens, max_chars) shifted ids (each < n_characters), every
 * token laid out as BOW … EOW then PAD to the end (char_ids.h).
 * pad_conv: from elmo_token_encoder_pad_windows().
 * pool: shares the work (NULL: this thread only).
 * scratch: elmo_token_encoder_scratch_floats() floats for the pool's size.
 * features: (n_tokens, F); highway: (2, n_tokens, F) when n_highway > 0.
 * tok: (n_tokens, P), the result.
 */
void elmo_encode_tokens(const elmo_hparams *hp, const elmo_weights *w, elmo_thread_pool *pool,
                        const float *pad_conv, const int32_t *char_ids, size_t n_tokens, float *scratch,
                        float *features, float *highway, float *tok);

#endif /* ELMO_TOKEN_ENCODER_H */
