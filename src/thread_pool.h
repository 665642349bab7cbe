/*
 * thread_pool.h — fork-join parallelism for the forward pass, in wasm
 * (instances of one module sharing one memory, each run by a Web Worker or
 * a Node worker thread) and natively (pthreads, in the tests).
 *
 * The thread that calls elmo_thread_pool_run() is thread 0 and does its
 * share; threads 1..n-1 sit in elmo_thread_pool_work(). Thread 0 never
 * blocks in an atomic wait (it spins), so it may be a browser's main thread;
 * the helpers sleep in memory.atomic.wait32 between jobs.
 */
#ifndef ELMO_THREAD_POOL_H
#define ELMO_THREAD_POOL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "elmo.h"
#include "kernels/gemm.h"

/* One job: task(arg, t, n) runs once for each thread index t in 0..n-1. */
typedef void (*elmo_task_fn)(void *arg, int32_t thread, int32_t n_threads);

/* Runs task on every thread of pool and returns when all are done; with a
 * NULL pool (or one thread), runs task(arg, 0, 1) here. */
void elmo_thread_pool_run(elmo_thread_pool *pool, elmo_task_fn task, void *arg);

/* Threads of pool (1 for NULL). */
int32_t elmo_thread_pool_size(const elmo_thread_pool *pool);

/* [begin, end) of thread t's share of `units` units. */
void elmo_thread_share(size_t units, int32_t thread, int32_t n_threads, size_t *begin, size_t *end);

/* fn(arg, begin, end) over [0, n): one contiguous range per thread when
 * n >= min_parallel, else all of it here in one call. */
typedef void (*elmo_range_fn)(void *arg, size_t begin, size_t end);
void elmo_parallel_for(elmo_thread_pool *pool, size_t n, size_t min_parallel, elmo_range_fn fn, void *arg);

/* elmo_weight_gemm (kernels/gemm.h) with the columns shared among the
 * pool's threads when the product is large enough to pay for it. Each
 * element is computed exactly as by one thread, so results do not depend on
 * the pool. */
void elmo_gemm(elmo_thread_pool *pool, size_t m, size_t n, size_t k, const float *a, size_t lda,
               const elmo_weight *w, const float *bias, float *c, size_t ldc, int accumulate);

/*
 * A team: threads of one job that run the same code (SPMD), each member on
 * its share, and meet at barriers. The two directions of a biLSTM layer are
 * independent, so two teams run them side by side with no sync between
 * them, and each member keeps only its direction's weights in its cache. A
 * team of one never waits. Members spin at a barrier (a browser's main
 * thread may be member 0 and must not block).
 */
typedef struct elmo_team {
    int32_t size;
    _Atomic int32_t arrived;
    _Atomic int32_t round;
} elmo_team;

void elmo_team_init(elmo_team *team, int32_t size);

/* Returns when every member of team has called it. */
void elmo_team_barrier(elmo_team *team);

/* [begin, end) of member's share of n units: an equal part each, or all of
 * them for member 0 when n < min_parallel. */
void elmo_team_share(const elmo_team *team, int32_t member, size_t n, size_t min_parallel, size_t *begin,
                     size_t *end);

/* Columns [begin, end) of an m×n×k product that member computes (blocks of
 * 32 columns, or all of them for member 0 when too small to share). */
void elmo_team_columns(const elmo_team *team, int32_t member, size_t m, size_t n, size_t k, size_t *begin,
                       size_t *end);

/* elmo_weight_gemm for columns [j0, j1) only, j0 a multiple of 32. */
void elmo_gemm_columns(size_t m, size_t j0, size_t j1, size_t k, const float *a, size_t lda, const elmo_weight *w,
                       const float *bias, float *c, size_t ldc, int accumulate);

#endif /* ELMO_THREAD_POOL_H */
