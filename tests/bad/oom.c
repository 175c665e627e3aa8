/* Exhausts the address space with malloc until it returns NULL, then frees
 * everything and checks that small allocations still work.  Bounded: blocks
 * are never touched, and block sizes start at 1 TiB and halve whenever
 * malloc fails, down to 1 MiB, so few calls are needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXBLOCKS (1 << 18)

static void *blocks[MAXBLOCKS];

int main(void)
{
	long n = 0;
	size_t size = 1UL << 40, total = 0;
	while (n < MAXBLOCKS) {
		blocks[n] = malloc(size);
		if (blocks[n]) {
			total += size;
			n++;
		} else if (size > (1UL << 20)) {
			size /= 2;
		} else {
			break;
		}
	}
	if (n == MAXBLOCKS) {
		printf("malloc never failed\n");
		return 1;
	}
	for (long i = 0; i < n; i++)
		free(blocks[i]);
	char *p = malloc(1000);
	if (!p)
		return 1;
	memset(p, 1, 1000);
	free(p);
	printf("oom ok\n");
	fprintf(stderr, "%ld blocks, %zu MiB\n", n, total >> 20);
	return 0;
}
