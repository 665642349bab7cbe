/*
 * fuzz_char_ids.c — elmo_char_ids() on arbitrary token bytes and
 * max_chars: every id lies in the char embedding's 262 rows, the token is
 * framed by BOW ... EOW and padded to exactly max_chars entries (a write past
 * them is ASan's to catch).
 */
#include <stdlib.h>

#include "char_ids.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_reader r = {data, size};
    /* max_characters_per_token is at least 3 (hparams.c); up to 300 covers cut and uncut tokens. */
    const int32_t max_chars = 3 + (int32_t)(fuzz_u16(&r) % 298);
    int32_t *ids = malloc((size_t)max_chars * sizeof *ids);
    elmo_char_ids(r.data, r.size, max_chars, ids);
    const size_t kept = r.size < (size_t)max_chars - 2 ? r.size : (size_t)max_chars - 2;
    if (ids[0] != ELMO_CHAR_BOW + 1 || ids[kept + 1] != ELMO_CHAR_EOW + 1) abort();
    for (int32_t i = 0; i < max_chars; i++) {
        if (ids[i] < 1 || ids[i] > ELMO_CHAR_PAD + 1) abort();
        if ((size_t)i > kept + 1 && ids[i] != ELMO_CHAR_PAD + 1) abort();
        if (i >= 1 && (size_t)i <= kept && ids[i] != r.data[i - 1] + 1) abort();
    }
    /* data may be empty: the boundary kind comes from max_chars, not from data[0]. */
    const int32_t boundary = max_chars & 1 ? ELMO_CHAR_BOS : ELMO_CHAR_EOS;
    elmo_char_ids_boundary(boundary, max_chars, ids);
    if (ids[0] != ELMO_CHAR_BOW + 1 || ids[1] != boundary + 1 || ids[2] != ELMO_CHAR_EOW + 1) abort();
    for (int32_t i = 3; i < max_chars; i++)
        if (ids[i] != ELMO_CHAR_PAD + 1) abort();
    free(ids);
    return 0;
}
