/*
 * carver.h — one block of memory handed out as consecutive 64-byte-aligned
 * pieces (aligned for the SIMD loads). With base NULL it only counts, so the
 * same function both sizes a set of buffers and carves them: the sizes can
 * never disagree with the layout.
 */
#ifndef ELMO_CARVER_H
#define ELMO_CARVER_H

#include <stddef.h>
#include <stdint.h>

/* Overflow-checked size arithmetic: the result saturates to SIZE_MAX, which
 * every later check treats as too large. */
static inline size_t elmo_mul_sat(size_t a, size_t b) { return (a != 0 && b > SIZE_MAX / a) ? SIZE_MAX : a * b; }
static inline size_t elmo_add_sat(size_t a, size_t b) { return b > SIZE_MAX - a ? SIZE_MAX : a + b; }

#define ELMO_CARVE_ALIGN 64

typedef struct elmo_carver {
    char *base; /* NULL: count only */
    size_t used; /* bytes handed out so far, SIZE_MAX once too large */
} elmo_carver;

static inline void *elmo_carve(elmo_carver *cv, size_t bytes) {
    void *piece = cv->base ? cv->base + cv->used : NULL;
    cv->used = elmo_add_sat(cv->used, elmo_add_sat(bytes, ELMO_CARVE_ALIGN - 1) / ELMO_CARVE_ALIGN * ELMO_CARVE_ALIGN);
    return piece;
}

#endif /* ELMO_CARVER_H */
