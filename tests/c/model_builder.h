/*
 * model_builder.h — builds small random models in memory for the tests: the
 * manifest text and a weights buffer laid out as models/FORMAT.md says
 * (64-byte aligned offsets, zero gaps, GEMM weights packed in panels), plus
 * a row-major copy of every tensor for reference code to read.
 */
#ifndef ELMO_TEST_MODEL_BUILDER_H
#define ELMO_TEST_MODEL_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#define TEST_MAX_FILTERS 8

typedef struct test_model_spec {
    int char_dim;
    int n_characters;     /* 262 normally */
    int max_chars;        /* 0: leave max_characters_per_token out (bilm-tf default 50) */
    int n_filters;
    int filter_width[TEST_MAX_FILTERS];
    int filter_count[TEST_MAX_FILTERS];
    int n_highway;
    const char *activation; /* NULL: leave out (default tanh) */
    int lstm_dim;
    int proj_dim;
    int n_layers;
    double cell_clip;     /* < 0: null */
    double proj_clip;     /* < 0: leave out */
    int use_skip_connections;
    int omit_proj;        /* F == P only: no proj/W, proj/b tensors (identity) */
    int int8;             /* GEMM weights stored as int8 with column scales */
    int float16;          /* GEMM weights stored as float16 (int8 wins if both are set) */
    int bfloat16;         /* GEMM weights stored as bfloat16 (int8 and float16 win if set) */
    uint32_t seed;
    float weight_scale;
} test_model_spec;

typedef struct test_tensor {
    char name[40];
    int rank;
    int shape[2];
    int packed;    /* stored in the weights buffer as panels (kernels/gemm.h) */
    size_t offset;
    int int8;      /* stored as int8 panels and scales; values are the dequantized ones */
    int float16;   /* stored as float16 panels; values are the halves widened */
    int bfloat16;  /* stored as bfloat16 panels; values are the bfloat16s widened */
    float *values; /* row-major */
} test_tensor;

typedef struct test_model {
    char *manifest; /* NUL-terminated for convenience; the length excludes the NUL */
    size_t manifest_len;
    void *weights;  /* 64-byte aligned */
    size_t weights_len;
    test_tensor tensors[600];
    size_t n_tensors;
} test_model;

/* 0 on success. */
int test_model_build(const test_model_spec *spec, test_model *model);

/* Builds tm from spec and loads it into a new elmo_model (free both after
 * use); NULL, with the reason printed, when either step fails. */
struct elmo_model *test_model_build_and_load(const test_model_spec *spec, test_model *tm);
void test_model_free(test_model *model);

/* The named tensor's floats, row-major (whatever its stored layout), or NULL. */
const float *test_model_tensor(const test_model *model, const char *name);

/* A copy of text with the first occurrence of from replaced by to (NULL if absent). */
char *test_replace(const char *text, const char *from, const char *to);

/* Deterministic uniform floats in [-1, 1). */
float test_random(uint32_t *state);

#endif
