/* Memory and pointer chasing: a random cyclic permutation walked repeatedly, and a linked list. */
#include <stdio.h>
#include <stdlib.h>
struct node { struct node *next; long v; };
int main(void)
{
    enum { N = 1 << 20 };
    unsigned *perm = malloc(N * sizeof *perm);
    for (unsigned i = 0; i < N; i++) perm[i] = i;
    unsigned s = 12345;
    for (unsigned i = N - 1; i > 0; i--) { s = s * 1103515245u + 12345u; unsigned j = s % i; unsigned t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
    unsigned *next = malloc(N * sizeof *next);
    for (unsigned i = 0; i < N; i++) next[perm[i]] = perm[(i + 1) % N];
    unsigned p = 0; long sum = 0;
    for (long k = 0; k < 4000000; k++) { p = next[p]; sum += p; }
    struct node *nodes = malloc(N * sizeof *nodes);
    for (unsigned i = 0; i < N; i++) { nodes[perm[i]].next = &nodes[perm[(i + 1) % N]]; nodes[i].v = i; }
    struct node *q = &nodes[0];
    for (long k = 0; k < 4000000; k++) { sum += q->v; q = q->next; }
    printf("%ld\n", sum);
    return 0;
}
