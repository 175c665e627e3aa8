/* Jumps into garbage.  With no argument: a data array (not executable: a
 * fetch fault, SIGSEGV on Linux).  With "exec": the same bytes in an
 * executable mapping (an illegal instruction, SIGILL).  Prints the target
 * address first, so the test can check that vvm names that guest PC. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static unsigned char garbage[64] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
};

int main(int argc, char **argv)
{
	unsigned char *target = garbage;
	if (argc > 1 && strcmp(argv[1], "exec") == 0) {
		target = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (target == MAP_FAILED)
			return 2;
		memset(target, 0, 4096); /* 0x0000: the defined illegal instruction */
		__builtin___clear_cache((char *)target, (char *)target + 4096);
	}
	printf("jumping to %p\n", (void *)target);
	fflush(stdout);
	((void (*)(void))target)();
	printf("survived?\n");
	return 0;
}
