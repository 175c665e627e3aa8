/* Exhausts the address space with malloc (bounded: blocks are never touched)
 * until malloc returns NULL; then frees everything and checks that small
 * allocations still work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (1UL << 30)
#define MAXBLOCKS (1 << 20) /* 1 PiB: more than any 64-bit user space */

static void *blocks[MAXBLOCKS];

int main(void)
{
	long n = 0;
	while (n < MAXBLOCKS && (blocks[n] = malloc(BLOCK)) != NULL)
		n++;
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
	return 0;
}
