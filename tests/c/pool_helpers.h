/*
 * pool_helpers.h — the helper threads of a native elmo_thread_pool, for the
 * tests and benchmarks: threads 1..n-1 started on pthreads, each serving the
 * pool until elmo_thread_pool_stop(), then joined.
 */
#ifndef ELMO_TEST_POOL_HELPERS_H
#define ELMO_TEST_POOL_HELPERS_H

#include <pthread.h>

#include "elmo.h"

enum { POOL_HELPERS_MAX = 8 };

typedef struct pool_helper {
    elmo_thread_pool *pool;
    int32_t index;
    int32_t status; /* what its elmo_thread_pool_work returned */
    pthread_t thread;
} pool_helper;

typedef struct pool_helpers {
    elmo_thread_pool *pool;
    int32_t n_threads;
    pool_helper helper[POOL_HELPERS_MAX];
} pool_helpers;

static void *pool_helper_main(void *arg) {
    pool_helper *h = arg;
    h->status = elmo_thread_pool_work(h->pool, h->index);
    return NULL;
}

/* Starts the helpers of pool (n_threads <= POOL_HELPERS_MAX). */
static inline void pool_helpers_start(pool_helpers *h, elmo_thread_pool *pool, int32_t n_threads) {
    h->pool = pool, h->n_threads = n_threads;
    for (int32_t i = 1; i < n_threads; i++) {
        h->helper[i] = (pool_helper){pool, i, -100, 0};
        pthread_create(&h->helper[i].thread, NULL, pool_helper_main, &h->helper[i]);
    }
}

/* Stops the pool and joins its helpers. */
static inline void pool_helpers_join(pool_helpers *h) {
    elmo_thread_pool_stop(h->pool);
    for (int32_t i = 1; i < h->n_threads; i++) pthread_join(h->helper[i].thread, NULL);
}

#endif /* ELMO_TEST_POOL_HELPERS_H */
