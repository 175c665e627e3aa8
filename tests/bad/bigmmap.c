/* Asks for 1 TiB of anonymous memory: must fail cleanly with MAP_FAILED. */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
	void *p = mmap(NULL, 1UL << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		printf("1 TiB mmap succeeded at %p\n", p);
		return 1;
	}
	printf("bigmmap ok (%s)\n", errno == ENOMEM ? "ENOMEM" : "other errno");
	return 0;
}
