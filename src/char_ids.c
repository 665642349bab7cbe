/* char_ids.c — see char_ids.h. */
#include "char_ids.h"

void elmo_char_ids(const uint8_t *token, size_t n_bytes, int32_t max_chars, int32_t *ids) {
    size_t max_bytes = (size_t)max_chars - 2;
    size_t n = n_bytes < max_bytes ? n_bytes : max_bytes;
    ids[0] = ELMO_CHAR_BOW + 1;
    for (size_t i = 0; i < n; i++) ids[1 + i] = (int32_t)token[i] + 1;
    ids[1 + n] = ELMO_CHAR_EOW + 1;
    for (size_t i = n + 2; i < (size_t)max_chars; i++) ids[i] = ELMO_CHAR_PAD + 1;
}

void elmo_char_ids_boundary(int32_t boundary_char, int32_t max_chars, int32_t *ids) {
    ids[0] = ELMO_CHAR_BOW + 1;
    ids[1] = boundary_char + 1;
    ids[2] = ELMO_CHAR_EOW + 1;
    for (int32_t i = 3; i < max_chars; i++) ids[i] = ELMO_CHAR_PAD + 1;
}
