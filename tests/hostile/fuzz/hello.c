/* The program tests/hostile/elfmut.sh mutates (built static and dynamic). */
#include <stdio.h>

int main(void)
{
    printf("hello\n");
    return 0;
}
