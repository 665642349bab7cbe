/*
 * make_seeds.c — writes the seed corpus of tests/fuzz/corpus/ (committed;
 * run again only when the harnesses' input layout changes): valid
 * manifests of small models for fuzz_model_load, tokens for fuzz_char_ids,
 * batches for fuzz_embed. Usage: make_seeds <corpus-dir>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static void write_file(const char *dir, const char *name, const void *data, size_t size) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static void manifest_seed(const char *dir, const char *name, test_model_spec spec) {
    test_model tm;
    if (test_model_build(&spec, &tm) != 0 || tm.weights_len > 48 * 1024) {
        fprintf(stderr, "%s: model too large for the harness's weights (%zu bytes)\n", name, tm.weights_len);
        exit(1);
    }
    write_file(dir, name, tm.manifest, tm.manifest_len);
    test_model_free(&tm);
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/fuzz_model_load", argv[1]);
    test_model_spec spec = fuzz_model_spec();
    manifest_seed(dir, "small", spec);
    spec.omit_proj = 1, spec.n_highway = 0, spec.filter_count[2] = 3, spec.proj_dim = 16, spec.activation = NULL;
    manifest_seed(dir, "identity-proj", spec);
    spec = fuzz_model_spec();
    spec.n_layers = 1, spec.use_skip_connections = 0, spec.cell_clip = -1, spec.proj_clip = -1;
    manifest_seed(dir, "one-layer-no-clip", spec);
    spec = fuzz_model_spec();
    spec.float16 = 1;
    manifest_seed(dir, "float16", spec);
    spec = fuzz_model_spec();
    spec.bfloat16 = 1;
    manifest_seed(dir, "bfloat16", spec);

    snprintf(dir, sizeof dir, "%s/fuzz_char_ids", argv[1]);
    write_file(dir, "ascii", "\x30\x00The", 5);
    write_file(dir, "utf8-cut", "\x05\x00\xc3\xa9\xe6\x95\xb0\xf0\x9f\x99\x82", 11);
    write_file(dir, "nul-and-ff", "\x10\x00\x00\xff\x00\xfe", 6);

    snprintf(dir, sizeof dir, "%s/fuzz_embed", argv[1]);
    /* shape, n_sentences, limit (2), cache, lengths, offset steps, then token bytes. */
    static const uint8_t plain[] = {0x00, 2, 0, 0, 0, 3, 1, 3, 4, 2, 5, 'T', 'h', 'e', 'b', 'a', 'n', 'k', 'i', 's',
                                    'o', 'p', 'e', 'n', 'n', 'o', 'w'};
    static const uint8_t stateful_tight[] = {0x01, 3, 40, 0, 0, 20, 0, 2, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2,
                                             3, 1, 2, 3, 1, 2, 7, 7, 0xc3, 0xa9, 'a', 'b', 'c', 0xe6, 0x95, 0xb0,
                                             'x', 'y', 'z', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z'};
    static const uint8_t two_calls[] = {0x03, 1, 10, 0, 0x85, 2, 1, 1, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i',
                                        'j', 'k', 'l', 'm', 'n', 'o', 'p', 0x01, 1, 0, 0, 0, 1, 2, 'o', 'k'};
    write_file(dir, "plain", plain, sizeof plain);
    write_file(dir, "stateful-tight", stateful_tight, sizeof stateful_tight);
    write_file(dir, "two-calls", two_calls, sizeof two_calls);
    return 0;
}
