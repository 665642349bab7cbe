/*
 * rng.h — the trainer's random numbers: xoshiro256** (Blackman and Vigna),
 * seeded through splitmix64. Its whole state is four words, so a checkpoint
 * saves it and a resumed run draws exactly what the uninterrupted one would.
 */
#ifndef ELMO_TRAIN_RNG_H
#define ELMO_TRAIN_RNG_H

#include <stdint.h>

typedef struct elmo_rng {
    uint64_t s[4];
} elmo_rng;

void elmo_rng_seed(elmo_rng *rng, uint64_t seed);
uint64_t elmo_rng_next(elmo_rng *rng);
/* Uniform in [0, 1), 53 bits. */
double elmo_rng_uniform(elmo_rng *rng);
/* Standard normal (Box-Muller; one draw of two uniforms per call). */
double elmo_rng_normal(elmo_rng *rng);

#endif /* ELMO_TRAIN_RNG_H */
