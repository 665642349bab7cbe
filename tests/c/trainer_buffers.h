/* trainer_buffers.h — a trainer's tensors of one buffer, copied end to end, for the trainer tests. */
#ifndef ELMO_TEST_TRAINER_BUFFERS_H
#define ELMO_TEST_TRAINER_BUFFERS_H

#include <stdlib.h>
#include <string.h>

#include "elmo.h"

/* Floats of every tensor together. */
static inline size_t trainer_total_floats(elmo_trainer *t) {
    size_t n = 0;
    for (int32_t i = 0; i < elmo_trainer_tensor_count(t); i++) {
        elmo_trainer_tensor_info x;
        elmo_trainer_tensor(t, i, ELMO_TRAINER_WEIGHTS, &x);
        n += x.count;
    }
    return n;
}

/* A malloc'd copy of every tensor of one buffer, end to end. */
static inline float *trainer_snapshot(elmo_trainer *t, elmo_trainer_buffer which) {
    float *out = malloc(trainer_total_floats(t) * sizeof(float)), *at = out;
    for (int32_t i = 0; i < elmo_trainer_tensor_count(t); i++) {
        elmo_trainer_tensor_info x;
        elmo_trainer_tensor(t, i, which, &x);
        memcpy(at, x.data, x.count * sizeof(float));
        at += x.count;
    }
    return out;
}

#endif /* ELMO_TEST_TRAINER_BUFFERS_H */
