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

#endif /* ELMO_THREAD_POOL_H */
