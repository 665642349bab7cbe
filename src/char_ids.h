/*
 * char_ids.h — tokens to bilm-tf character ids (models/SEMANTICS.md §1 "Characters").
 *
 * A token becomes max_chars ids: BOW, its UTF-8 bytes (at most max_chars - 2,
 * cut at a byte, possibly inside a multi-byte character), EOW, then PAD; every
 * id is shifted by +1 so that 0 means "no token".
 */
#ifndef ELMO_CHAR_IDS_H
#define ELMO_CHAR_IDS_H

#include <stddef.h>
#include <stdint.h>

enum {
    ELMO_CHAR_BOS = 256, /* the character of the <S> token */
    ELMO_CHAR_EOS = 257, /* the character of the </S> token */
    ELMO_CHAR_BOW = 258,
    ELMO_CHAR_EOW = 259,
    ELMO_CHAR_PAD = 260
};

/* ids: max_chars entries (max_chars >= 3). */
void elmo_char_ids(const uint8_t *token, size_t n_bytes, int32_t max_chars, int32_t *ids);

/* The ids of <S> (boundary_char = ELMO_CHAR_BOS) or </S> (ELMO_CHAR_EOS). */
void elmo_char_ids_boundary(int32_t boundary_char, int32_t max_chars, int32_t *ids);

#endif /* ELMO_CHAR_IDS_H */
