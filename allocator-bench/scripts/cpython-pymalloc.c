/*
 * The physical limit: CPython's own pymalloc (PyObject_Malloc/PyObject_Free), called from C in the
 * shapes of jpymalloc's JMH benchmarks, with glibc's malloc/free called the same way beside it.
 * Built and run by cpython-pymalloc.sh against a CPython from pyenv; see docs/benchmarks.md.
 *
 * Shapes (size 16, 64, 256, 512; one long written into each block):
 *   pair      allocate + write + free, one other block of the size live (the pool stays in use)
 *   pair0     the same with no other block of the size live (the pool empties on every free)
 *   batch     1000 allocated and kept in an array, then freed in the same order; per pair
 * Each figure: RUNS timed runs of ITERATIONS pairs after a warm-up; the median and the range, in ns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 7
#define BATCH 1000

typedef void *(*alloc_fn)(size_t);
typedef void (*free_fn)(void *);

static volatile long sink;

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static double pair(alloc_fn alloc, free_fn release, size_t size, long iterations) {
    double start = now_ns();
    for (long i = 0; i < iterations; i++) {
        long *p = alloc(size);
        *p = i;
        sink += (long) p;
        release(p);
    }
    return (now_ns() - start) / iterations;
}

static double batch(alloc_fn alloc, free_fn release, size_t size, long rounds) {
    static long *blocks[BATCH];
    double start = now_ns();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < BATCH; i++) {
            blocks[i] = alloc(size);
            *blocks[i] = i;
        }
        for (int i = 0; i < BATCH; i++) {
            sink += (long) blocks[i];
            release(blocks[i]);
        }
    }
    return (now_ns() - start) / (rounds * BATCH);
}

static int compare(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static void measure(const char *allocator, const char *shape, alloc_fn alloc, free_fn release, size_t size) {
    double runs[RUNS];
    void *resident = strcmp(shape, "pair") == 0 ? alloc(size) : NULL;
    for (int warm = 0; warm < 3; warm++) {
        strcmp(shape, "batch") == 0 ? batch(alloc, release, size, 200) : pair(alloc, release, size, 2000000);
    }
    for (int r = 0; r < RUNS; r++) {
        runs[r] = strcmp(shape, "batch") == 0 ? batch(alloc, release, size, 2000)
                                              : pair(alloc, release, size, 20000000);
    }
    if (resident != NULL) {
        release(resident);
    }
    qsort(runs, RUNS, sizeof runs[0], compare);
    printf("%-10s %-6s %4zu  median %6.2f ns  range %6.2f-%6.2f\n", allocator, shape, size, runs[RUNS / 2], runs[0],
           runs[RUNS - 1]);
    fflush(stdout);
}

int main(void) {
    /* No Py_Initialize(): PyObject_Malloc is pymalloc from static initialisation, and without the
     * interpreter's own objects every size class is empty, so "pair0" really is a class's only block. */
    size_t sizes[] = {16, 64, 256, 512};
    const char *shapes[] = {"pair", "pair0", "batch"};
    printf("# CPython %s\n", Py_GetVersion());
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < 4; i++) {
            measure("pymalloc", shapes[s], PyObject_Malloc, PyObject_Free, sizes[i]);
            measure("glibc", shapes[s], malloc, free, sizes[i]);
        }
    }
    return 0;
}
