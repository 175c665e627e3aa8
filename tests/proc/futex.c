/* Futex-heavy: many threads contending on a mutex, a semaphore, a barrier,
 * and raw futex wait/wake with a requeue. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define T 16
#define ITERS 20000
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t bar;
static sem_t sem;
static long shared, sem_sum;

static void *contend(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&mu);
		shared++;
		pthread_mutex_unlock(&mu);
		if (i % 1000 == 0)
			pthread_barrier_wait(&bar);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		sem_wait(&sem);
		__atomic_add_fetch(&sem_sum, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static long fx(uint32_t *u, int op, uint32_t val, const struct timespec *ts, uint32_t *u2, uint32_t v3)
{
	return syscall(SYS_futex, u, op, val, ts, u2, v3);
}

static uint32_t word = 0, word2 = 0;
static int woken;
static void *fwait(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == 0)
		fx(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	__atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

int main(void)
{
	pthread_t th[T];
	pthread_barrier_init(&bar, NULL, T);
	for (int i = 0; i < T; i++)
		pthread_create(&th[i], NULL, contend, NULL);
	for (int i = 0; i < T; i++)
		pthread_join(th[i], NULL);
	CHECK(shared == (long)T * ITERS);
	printf("mutex: %ld\n", shared);

	sem_init(&sem, 0, 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, consumer, NULL);
	for (int i = 0; i < 4000; i++)
		sem_post(&sem);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK(sem_sum == 4000);
	printf("semaphore: %ld\n", sem_sum);

	/* raw futex: EAGAIN on a changed value, ETIMEDOUT, requeue + wake */
	uint32_t v = 5;
	CHECK(fx(&v, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0) == -1 && errno == EAGAIN);
	struct timespec ts = {0, 20 * 1000 * 1000};
	CHECK(fx(&v, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0) == -1 && errno == ETIMEDOUT);
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	CHECK(fx(&v, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY) == -1 && errno == ETIMEDOUT);
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += 0;
	abs.tv_nsec = abs.tv_nsec / 2;
	CHECK(fx(&v, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY) == -1 &&
	      errno == ETIMEDOUT);

	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, fwait, NULL);
	usleep(50000);
	/* requeue everyone to word2, then wake them there */
	long moved = fx(&word, FUTEX_CMP_REQUEUE_PRIVATE, 0, (const struct timespec *)(uintptr_t)INT32_MAX, &word2, 0);
	CHECK(moved >= 0);
	__atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
	long w1 = fx(&word2, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
	long w2 = fx(&word, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
	CHECK(w1 >= 0 && w2 >= 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK(woken == 4);
	/* wake_op: *word2 = 1 (SET), wake one on each */
	uint32_t a = 0, b = 0;
	CHECK(fx(&a, FUTEX_WAKE_OP_PRIVATE, 1, (const struct timespec *)1, &b,
		 FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)) == 0);
	CHECK(b == 1);
	printf("raw futex: woken=%d\n", woken);
	DONE("futex");
}
