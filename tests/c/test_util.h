/*
 * test_util.h — the one assertion macro of the C unit tests: it counts
 * instead of aborting, so a run reports every failure, and each test ends
 * with "NAME: N passed, M failed" (a line ctest logs and CI reads).
 */
#ifndef ELMO_TEST_UTIL_H
#define ELMO_TEST_UTIL_H

#include <stdio.h>

static int test_passed, test_failed;

#define CHECK(cond, ...)                                     \
    do {                                                     \
        if (cond) {                                          \
            test_passed++;                                   \
        } else {                                             \
            test_failed++;                                   \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);      \
            printf(__VA_ARGS__);                             \
            printf("\n");                                    \
        }                                                    \
    } while (0)

/* Prints the summary line; the exit status of main. */
static inline int test_report(const char *name) {
    printf("%s: %d passed, %d failed\n", name, test_passed, test_failed);
    return test_failed != 0 || test_passed == 0;
}

#endif
