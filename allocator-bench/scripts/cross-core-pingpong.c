/*
 * Cross-core round trip: two threads bounce a counter through two cache lines, N times. Tells whether a
 * machine's producer/consumer figures can say anything about allocators: when one round trip costs a
 * microsecond (a VM whose two vCPUs are far apart), every pipeline runs at the machine's pace.
 *
 *   gcc -O2 -pthread cross-core-pingpong.c -o pingpong && ./pingpong
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define ROUND_TRIPS 2000000L

static _Atomic long ping __attribute__((aligned(128)));
static _Atomic long pong __attribute__((aligned(128)));

static void *answer(void *unused) {
    (void) unused;
    for (long i = 1; i <= ROUND_TRIPS; i++) {
        while (atomic_load(&ping) != i) {
        }
        atomic_store(&pong, i);
    }
    return NULL;
}

int main(void) {
    pthread_t other;
    struct timespec start, end;
    pthread_create(&other, NULL, answer, NULL);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 1; i <= ROUND_TRIPS; i++) {
        atomic_store(&ping, i);
        while (atomic_load(&pong) != i) {
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    pthread_join(other, NULL);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("cross-core round trip: %.1f ns\n", ns / ROUND_TRIPS);
    return 0;
}
