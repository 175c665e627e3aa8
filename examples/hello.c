/* The classic, cross-compiled for riscv64 and run by `vvm run`. */
#include <stdio.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	struct utsname u;
	printf("Hello from a riscv64 program!\n");
	if (uname(&u) == 0)
		printf("uname says: %s %s\n", u.sysname, u.machine);
	for (int i = 1; i < argc; i++)
		printf("arg %d: %s\n", i, argv[i]);
	return 0;
}
