/* multi: a multi-threaded guest for tests/engine/embed_multi.c.
 *   multi FILE   4 threads add up 0..N-1 in slices under a mutex; main
 *                joins them, writes "total T" to FILE and exits 42 when T is
 *                N(N-1)/2, 1 when it is not
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define NTHREADS 4
#define N 4000000ULL

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t total;

static void *work(void *arg)
{
    uint64_t t = (uint64_t)(uintptr_t)arg, part = 0;
    for (uint64_t k = t * (N / NTHREADS); k < (t + 1) * (N / NTHREADS); k++) {
        part += k;
        if (k % 100000 == 0) {  /* hand it over now and then: the mutex is contended */
            pthread_mutex_lock(&lock);
            total += part;
            pthread_mutex_unlock(&lock);
            part = 0;
        }
    }
    pthread_mutex_lock(&lock);
    total += part;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&th[i], NULL, work, (void *)(uintptr_t)i))
            return 3;
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    FILE *f = fopen(argv[1], "w");
    if (!f)
        return 4;
    fprintf(f, "total %llu\n", (unsigned long long)total);
    fclose(f);
    return total == N * (N - 1) / 2 ? 42 : 1;
}
