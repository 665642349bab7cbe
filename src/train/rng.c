/* rng.c — see rng.h. */
#include "rng.h"

#include <math.h>

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void elmo_rng_seed(elmo_rng *rng, uint64_t seed) {
    /* splitmix64 spreads any seed (0 included) over the four words, never all zero. */
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        rng->s[i] = z ^ (z >> 31);
    }
}

uint64_t elmo_rng_next(elmo_rng *rng) {
    uint64_t *s = rng->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double elmo_rng_uniform(elmo_rng *rng) { return (double)(elmo_rng_next(rng) >> 11) * 0x1p-53; }

double elmo_rng_normal(elmo_rng *rng) {
    const double u1 = 1.0 - elmo_rng_uniform(rng); /* (0, 1]: log stays finite */
    const double u2 = elmo_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
