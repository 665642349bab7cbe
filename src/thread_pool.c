/* thread_pool.c — see thread_pool.h and the elmo_thread_pool_* functions of elmo.h. */
#define _POSIX_C_SOURCE 200809L /* sched_yield, natively */

#include "thread_pool.h"

#include <stdatomic.h>
#include <stdlib.h>


#if defined(__wasm__)
#if defined(__wasm_atomics__)
#define ELMO_CAN_THREAD 1
#else
#define ELMO_CAN_THREAD 0 /* a module without shared memory: one thread only */
#endif
#else
#include <sched.h>
#define ELMO_CAN_THREAD 1
#endif

struct elmo_thread_pool {
    /* Bumped for every job (and for stop); helpers wait for it to change. */
    _Atomic int32_t generation;
    /* Helpers still running the current job. */
    _Atomic int32_t busy;
    _Atomic int32_t stopping;
    int32_t n_threads;
    elmo_task_fn task;
    void *arg;
};

/* Spins before sleeping: jobs come every few microseconds in the time loop. */
#define SPINS_BEFORE_SLEEP 20000

static void sleep_while_equal(_Atomic int32_t *word, int32_t value) {
#if defined(__wasm__) && ELMO_CAN_THREAD
    __builtin_wasm_memory_atomic_wait32((int32_t *)word, value, -1);
#elif defined(__wasm__)
    (void)word, (void)value;
#else
    (void)word, (void)value;
    sched_yield();
#endif
}

static void wake_all(_Atomic int32_t *word) {
#if defined(__wasm__) && ELMO_CAN_THREAD
    __builtin_wasm_memory_atomic_notify((int32_t *)word, (uint32_t)-1);
#else
    (void)word; /* native helpers poll */
#endif
}

elmo_thread_pool *elmo_thread_pool_create(int32_t n_threads) {
    if (n_threads < 1 || n_threads > ELMO_MAX_THREADS || (!ELMO_CAN_THREAD && n_threads > 1)) return NULL;
    elmo_thread_pool *pool = calloc(1, sizeof *pool);
    if (pool) pool->n_threads = n_threads;
    return pool;
}

int32_t elmo_thread_pool_size(const elmo_thread_pool *pool) { return pool ? pool->n_threads : 1; }

int32_t elmo_thread_pool_work(elmo_thread_pool *pool, int32_t thread) {
    if (!pool || thread < 1 || thread >= pool->n_threads) return ELMO_STATUS_INVALID_ARGUMENT;
    int32_t seen = 0; /* generation 0 never carries a job */
    for (;;) {
        int32_t now = atomic_load(&pool->generation);
        for (int spin = 0; now == seen && spin < SPINS_BEFORE_SLEEP; spin++) now = atomic_load(&pool->generation);
        while (now == seen) {
            sleep_while_equal(&pool->generation, seen);
            now = atomic_load(&pool->generation);
        }
        seen = now;
        if (atomic_load(&pool->stopping)) return ELMO_STATUS_OK;
        pool->task(pool->arg, thread, pool->n_threads);
        atomic_fetch_sub(&pool->busy, 1);
    }
}

void elmo_thread_pool_run(elmo_thread_pool *pool, elmo_task_fn task, void *arg) {
    if (!pool || pool->n_threads == 1) {
        task(arg, 0, 1);
        return;
    }
    pool->task = task;
    pool->arg = arg;
    atomic_store(&pool->busy, pool->n_threads - 1);
    atomic_fetch_add(&pool->generation, 1); /* publishes task and arg */
    wake_all(&pool->generation);
    task(arg, 0, pool->n_threads);
    while (atomic_load(&pool->busy) != 0) {
    }
}

void elmo_thread_pool_stop(elmo_thread_pool *pool) {
    if (!pool) return;
    atomic_store(&pool->stopping, 1);
    atomic_fetch_add(&pool->generation, 1);
    wake_all(&pool->generation);
}

void elmo_thread_pool_free(elmo_thread_pool *pool) { free(pool); }

void elmo_thread_share(size_t units, int32_t thread, int32_t n_threads, size_t *begin, size_t *end) {
    *begin = units * (size_t)thread / (size_t)n_threads;
    *end = units * ((size_t)thread + 1) / (size_t)n_threads;
}

typedef struct range_job {
    elmo_range_fn fn;
    void *arg;
    size_t n;
} range_job;

static void range_task(void *arg, int32_t thread, int32_t n_threads) {
    const range_job *job = arg;
    size_t begin, end;
    elmo_thread_share(job->n, thread, n_threads, &begin, &end);
    if (begin < end) job->fn(job->arg, begin, end);
}

void elmo_parallel_for(elmo_thread_pool *pool, size_t n, size_t min_parallel, elmo_range_fn fn, void *arg) {
    if (elmo_thread_pool_size(pool) == 1 || n < min_parallel) {
        if (n > 0) fn(arg, 0, n);
        return;
    }
    range_job job = {fn, arg, n};
    elmo_thread_pool_run(pool, range_task, &job);
}

/* Columns go out in blocks of 32, the widest tile: a block starting on a
 * panel boundary is itself a packed matrix. */
#define GEMM_COLUMN_BLOCK 32
/* Below this many multiply-adds a job costs more than it saves. */
#define GEMM_PARALLEL_MIN (1u << 16)

static int gemm_worth_sharing(size_t m, size_t n, size_t k) {
    return n > GEMM_COLUMN_BLOCK && m * n * k >= GEMM_PARALLEL_MIN;
}

/* [begin, end) of thread t's columns among n_threads. */
static void column_share(size_t n, int32_t thread, int32_t n_threads, size_t *begin, size_t *end) {
    size_t first, last;
    elmo_thread_share((n + GEMM_COLUMN_BLOCK - 1) / GEMM_COLUMN_BLOCK, thread, n_threads, &first, &last);
    *begin = first * GEMM_COLUMN_BLOCK;
    *end = last * GEMM_COLUMN_BLOCK < n ? last * GEMM_COLUMN_BLOCK : n;
    if (*begin > *end) *begin = *end;
}

void elmo_gemm_columns(size_t m, size_t j0, size_t j1, size_t k, const float *a, size_t lda, const elmo_weight *w,
                       const float *bias, float *c, size_t ldc, int accumulate) {
    if (j0 >= j1) return;
    /* Columns j0.. (j0 on a panel boundary) and their scales. */
    const elmo_weight slice = {w->type, (const char *)w->data + j0 * elmo_weight_column_bytes(w->type, k),
                               w->scale ? w->scale + j0 : NULL};
    elmo_weight_gemm(m, j1 - j0, k, a, lda, &slice, bias ? bias + j0 : NULL, c + j0, ldc, accumulate);
}

typedef struct gemm_job {
    size_t m, n, k, lda, ldc;
    const float *a;
    const elmo_weight *w;
    const float *bias;
    float *c;
    int accumulate;
} gemm_job;

static void gemm_task(void *arg, int32_t thread, int32_t n_threads) {
    const gemm_job *g = arg;
    size_t j0, j1;
    column_share(g->n, thread, n_threads, &j0, &j1);
    elmo_gemm_columns(g->m, j0, j1, g->k, g->a, g->lda, g->w, g->bias, g->c, g->ldc, g->accumulate);
}

void elmo_gemm(elmo_thread_pool *pool, size_t m, size_t n, size_t k, const float *a, size_t lda,
               const elmo_weight *w, const float *bias, float *c, size_t ldc, int accumulate) {
    if (elmo_thread_pool_size(pool) == 1 || !gemm_worth_sharing(m, n, k)) {
        elmo_weight_gemm(m, n, k, a, lda, w, bias, c, ldc, accumulate);
        return;
    }
    gemm_job job = {m, n, k, lda, ldc, a, w, bias, c, accumulate};
    elmo_thread_pool_run(pool, gemm_task, &job);
}

void elmo_team_init(elmo_team *team, int32_t size) {
    team->size = size;
    atomic_init(&team->arrived, 0);
    atomic_init(&team->round, 0);
}

void elmo_team_barrier(elmo_team *team) {
    if (team->size == 1) return;
    const int32_t round = atomic_load(&team->round);
    if (atomic_fetch_add(&team->arrived, 1) == team->size - 1) {
        atomic_store(&team->arrived, 0); /* before the round moves: the next barrier may start at once */
        atomic_fetch_add(&team->round, 1);
        return;
    }
    while (atomic_load(&team->round) == round) {
#if !defined(__wasm__)
        sched_yield(); /* native tests may run more threads than cores */
#endif
    }
}

void elmo_team_share(const elmo_team *team, int32_t member, size_t n, size_t min_parallel, size_t *begin,
                     size_t *end) {
    if (n < min_parallel) {
        *begin = 0;
        *end = member == 0 ? n : 0;
        return;
    }
    elmo_thread_share(n, member, team->size, begin, end);
}

void elmo_team_columns(const elmo_team *team, int32_t member, size_t m, size_t n, size_t k, size_t *begin,
                       size_t *end) {
    if (team->size == 1 || !gemm_worth_sharing(m, n, k)) {
        *begin = 0;
        *end = member == 0 ? n : 0;
        return;
    }
    column_share(n, member, team->size, begin, end);
}
