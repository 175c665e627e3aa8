/* pthreads: many threads created and joined, mutex + condvar, thread-local
 * storage, pthread_kill between threads, gettid/getpid, detached threads,
 * a thread that outlives main's pthread_exit is not tested here. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define N 64
static __thread int tls_val = 7;
static __thread char tls_buf[64];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int tids[N];
static int ready;

static void *worker(void *arg)
{
	long i = (long)arg;
	CHECK(tls_val == 7);
	tls_val = (int)i;
	snprintf(tls_buf, sizeof tls_buf, "thread %ld", i);
	tids[i] = (int)syscall(SYS_gettid);
	CHECK(getpid() != tids[i] || i < 0);
	for (int k = 0; k < 1000; k++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	char want[64];
	snprintf(want, sizeof want, "thread %ld", i);
	CHECK(tls_val == (int)i && strcmp(tls_buf, want) == 0);
	return (void *)(i * 2);
}

/* condvar ping-pong */
static int turn, rounds = 2000;
static void *pp(void *arg)
{
	int me = (int)(long)arg;
	for (int r = 0; r < rounds; r++) {
		pthread_mutex_lock(&mu);
		while (turn != me)
			pthread_cond_wait(&cv, &mu);
		turn = 1 - me;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

/* pthread_kill: the handler runs on the target thread */
static volatile pthread_t usr_target;
static volatile int usr_on_target, usr_hits;
static void on_usr1(int sig)
{
	usr_hits++;
	usr_on_target = pthread_equal(pthread_self(), usr_target);
}
static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	ready = 1;
	pthread_cond_broadcast(&cv);
	while (usr_hits == 0)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static pthread_mutex_t robust;
static void *die_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust);
	return NULL;  /* exits holding it */
}

static volatile int detached_done;
static void *detached(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&detached_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

int main(void)
{
	pthread_t th[N];
	for (long i = 0; i < N; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
	for (long i = 0; i < N; i++) {
		void *r;
		CHECK(pthread_join(th[i], &r) == 0);
		CHECK((long)r == i * 2);
	}
	CHECK(counter == N * 1000);
	CHECK(tls_val == 7);
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			CHECK(tids[i] != tids[j]);

	/* rounds of create/join: thread resources are reclaimed */
	for (int round = 0; round < 20; round++) {
		pthread_t t4[8];
		for (long i = 0; i < 8; i++)
			CHECK(pthread_create(&t4[i], NULL, worker, (void *)i) == 0);
		for (int i = 0; i < 8; i++)
			pthread_join(t4[i], NULL);
	}
	printf("created and joined %d threads, counter %ld\n", N + 160, counter);

	pthread_t a, b;
	pthread_create(&a, NULL, pp, (void *)0L);
	pthread_create(&b, NULL, pp, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("condvar ping-pong: %d rounds\n", rounds);

	signal(SIGUSR1, on_usr1);
	pthread_t w;
	pthread_create(&w, NULL, waiter, NULL);
	usr_target = w;
	pthread_mutex_lock(&mu);
	while (!ready)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	CHECK(pthread_kill(w, SIGUSR1) == 0);
	for (int i = 0; i < 1000 && !usr_hits; i++)
		usleep(1000);
	pthread_mutex_lock(&mu);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(w, NULL);
	CHECK(usr_hits == 1 && usr_on_target);
	printf("pthread_kill: hits=%d on_target=%d\n", usr_hits, usr_on_target);

	/* a robust mutex whose owner died */
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &ma);
	pthread_t r;
	pthread_create(&r, NULL, die_holding, NULL);
	pthread_join(r, NULL);
	int rc = pthread_mutex_lock(&robust);
	CHECK(rc == EOWNERDEAD);
	if (rc == EOWNERDEAD) {
		CHECK(pthread_mutex_consistent(&robust) == 0);
		pthread_mutex_unlock(&robust);
	}
	printf("robust mutex: %s\n", rc == EOWNERDEAD ? "EOWNERDEAD" : "?");

	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 8; i++) {
		pthread_t d;
		CHECK(pthread_create(&d, &at, detached, NULL) == 0);
	}
	for (int i = 0; i < 2000 && detached_done < 8; i++)
		usleep(1000);
	CHECK(detached_done == 8);
	DONE("threads");
}
