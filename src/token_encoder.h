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

/* Floats of per-token scratch elmo_encode_tokens() needs. */
size_t elmo_token_encoder_scratch_floats(const elmo_hparams *hp);

/*
 * char_ids: (n_tokens, max_chars) shifted ids (each < n_characters).
 * scratch: elmo_token_encoder_scratch_floats() floats.
 * features: (n_tokens, F); highway: (2, n_tokens, F) when n_highway > 0.
 * tok: (n_tokens, P), the result.
 */
void elmo_encode_tokens(const elmo_hparams *hp, const elmo_weights *w, const int32_t *char_ids,
                        size_t n_tokens, float *scratch, float *features, float *highway, float *tok);

#endif /* ELMO_TOKEN_ENCODER_H */
