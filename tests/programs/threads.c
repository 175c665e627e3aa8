/* pthreads: atomics, a mutex-protected counter, condition variables,
 * thread-local storage, join values. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { NTHREADS = 4, ITERS = 20000, ITEMS = 1000 };

static atomic_long acount;
static long mcount;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static __thread long tls_val;

static void *worker(void *arg)
{
	long id = (long)(intptr_t)arg;
	tls_val = id * 100;
	for (int i = 0; i < ITERS; i++) {
		atomic_fetch_add_explicit(&acount, 1, memory_order_relaxed);
		pthread_mutex_lock(&mu);
		mcount++;
		pthread_mutex_unlock(&mu);
	}
	return (void *)(intptr_t)(tls_val + id);
}

/* Bounded queue: producers and consumers on condition variables. */
static int queue[8], qhead, qtail, qlen;
static pthread_mutex_t qmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t notfull = PTHREAD_COND_INITIALIZER, notempty = PTHREAD_COND_INITIALIZER;
static long consumed_sum;

static void *producer(void *arg)
{
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&qmu);
		while (qlen == 8)
			pthread_cond_wait(&notfull, &qmu);
		queue[qtail] = i;
		qtail = (qtail + 1) % 8;
		qlen++;
		pthread_cond_signal(&notempty);
		pthread_mutex_unlock(&qmu);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long sum = 0;
	for (int i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&qmu);
		while (qlen == 0)
			pthread_cond_wait(&notempty, &qmu);
		sum += queue[qhead];
		qhead = (qhead + 1) % 8;
		qlen--;
		pthread_cond_signal(&notfull);
		pthread_mutex_unlock(&qmu);
	}
	pthread_mutex_lock(&qmu);
	consumed_sum += sum;
	pthread_mutex_unlock(&qmu);
	return NULL;
}

/* A barrier made of a mutex and a broadcast. */
static int arrived, generation;
static pthread_cond_t allhere = PTHREAD_COND_INITIALIZER;
static atomic_int after_barrier;

static void *barrier_thread(void *arg)
{
	pthread_mutex_lock(&mu);
	int gen = generation;
	if (++arrived == NTHREADS) {
		generation++;
		pthread_cond_broadcast(&allhere);
	} else {
		while (gen == generation)
			pthread_cond_wait(&allhere, &mu);
	}
	pthread_mutex_unlock(&mu);
	atomic_fetch_add(&after_barrier, 1);
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	tls_val = -1;
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
	long joined = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		joined += (long)(intptr_t)ret;
	}
	printf("atomic=%ld mutex=%ld joined=%ld tls_main=%ld\n", (long)atomic_load(&acount), mcount, joined, tls_val);

	pthread_t p[2], c[2];
	for (int i = 0; i < 2; i++) {
		pthread_create(&p[i], NULL, producer, NULL);
		pthread_create(&c[i], NULL, consumer, NULL);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(p[i], NULL);
		pthread_join(c[i], NULL);
	}
	printf("condvar: consumed_sum=%ld\n", consumed_sum);

	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, barrier_thread, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("barrier: %d\n", atomic_load(&after_barrier));

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	atomic_store(&after_barrier, 0);
	arrived = 0;
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], &attr, barrier_thread, NULL);
	while (atomic_load(&after_barrier) != NTHREADS)
		sched_yield();
	printf("detached: %d\n", atomic_load(&after_barrier));

	int ok = atomic_load(&acount) == NTHREADS * ITERS && mcount == NTHREADS * ITERS &&
		 consumed_sum == 2L * ITEMS * (ITEMS + 1) / 2;
	printf(ok ? "ok threads\n" : "FAILED threads\n");
	return !ok;
}
