/*
 * test_char_ids.c — tokens to character ids (models/SEMANTICS.md §1 "Characters"): BOW, the
 * UTF-8 bytes cut at max_chars - 2, EOW, PAD, all shifted by one; and the
 * <S> / </S> boundary tokens.
 */
#include <string.h>

#include "char_ids.h"
#include "test_util.h"

enum { BOW = 259, EOW = 260, PAD = 261, BOS = 257, EOS = 258 }; /* already shifted */

static void expect_ids(const char *label, const int32_t *got, const int32_t *want, int n) {
    for (int i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            CHECK(0, "%s: id %d is %d, want %d", label, i, (int)got[i], (int)want[i]);
            return;
        }
    }
    CHECK(1, "%s", label);
}

int main(void) {
    int32_t ids[64], want[64];

    /* "ab": BOW a b EOW PAD... */
    memset(ids, 0xff, sizeof ids);
    elmo_char_ids((const uint8_t *)"ab", 2, 50, ids);
    want[0] = BOW;
    want[1] = 'a' + 1;
    want[2] = 'b' + 1;
    want[3] = EOW;
    for (int i = 4; i < 50; i++) want[i] = PAD;
    expect_ids("ascii token", ids, want, 50);
    CHECK(ids[50] == -1, "wrote past max_chars");

    /* "é" is two bytes, 0xC3 0xA9, each its own id. */
    elmo_char_ids((const uint8_t *)"\xc3\xa9", 2, 50, ids);
    CHECK(ids[1] == 0xC3 + 1 && ids[2] == 0xA9 + 1 && ids[3] == EOW, "utf-8 bytes: %d %d %d",
          (int)ids[1], (int)ids[2], (int)ids[3]);

    /* 47 'a' then "é": 49 bytes, cut at 48 in the middle of the é. */
    uint8_t token[64];
    memset(token, 'a', 47);
    token[47] = 0xC3;
    token[48] = 0xA9;
    elmo_char_ids(token, 49, 50, ids);
    want[0] = BOW;
    for (int i = 1; i <= 47; i++) want[i] = 'a' + 1;
    want[48] = 0xC3 + 1;
    want[49] = EOW;
    expect_ids("49-byte token cut inside a 2-byte character", ids, want, 50);

    /* Exactly 48 bytes: nothing cut, no PAD left. */
    memset(token, 'z', 48);
    elmo_char_ids(token, 48, 50, ids);
    CHECK(ids[48] == 'z' + 1 && ids[49] == EOW, "48-byte token: %d %d", (int)ids[48], (int)ids[49]);

    /* A smaller max_chars (options.max_characters_per_token) cuts earlier. */
    memset(ids, 0xff, sizeof ids);
    elmo_char_ids((const uint8_t *)"hello", 5, 5, ids);
    const int32_t want5[6] = {BOW, 'h' + 1, 'e' + 1, 'l' + 1, EOW, -1};
    expect_ids("max_chars 5", ids, want5, 6);

    /* Boundaries. */
    elmo_char_ids_boundary(ELMO_CHAR_BOS, 50, ids);
    want[0] = BOW;
    want[1] = BOS;
    want[2] = EOW;
    for (int i = 3; i < 50; i++) want[i] = PAD;
    expect_ids("<S>", ids, want, 50);
    elmo_char_ids_boundary(ELMO_CHAR_EOS, 50, ids);
    want[1] = EOS;
    expect_ids("</S>", ids, want, 50);
    return test_report("test_char_ids");
}
