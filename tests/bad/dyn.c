/* A dynamically linked program: needs the riscv64 sysroot to run. */
#include <stdio.h>

int main(void)
{
	puts("dynamic ok");
	return 0;
}
