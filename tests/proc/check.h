/* Shared by the tests/proc programs: CHECK counts failures; main ends with
 * DONE(name), which prints "ok NAME" and exits 0 only if none failed. */
#include <stdio.h>
#include <stdlib.h>

static int failures __attribute__((unused));
#define CHECK(c) \
	do { \
		if (!(c)) { \
			printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #c); \
			fflush(stdout); \
			failures++; \
		} \
	} while (0)
#define DONE(name) \
	do { \
		if (failures) { \
			printf("%d failures in %s\n", failures, name); \
			return 1; \
		} \
		printf("ok %s\n", name); \
		return 0; \
	} while (0)
