/* String processing: building, searching, hashing and sorting strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static int round_(unsigned seed);
int main(void)
{
    int r = 0;
    for (unsigned k = 0; k < 4; k++)
        r += round_(7 + k);
    return r;
}

static int round_(unsigned seed)
{
    enum { N = 200000 };
    char **v = malloc(N * sizeof *v);
    unsigned s = seed;
    for (int i = 0; i < N; i++) {
        char buf[64];
        s = s * 1664525u + 1013904223u;
        int n = snprintf(buf, sizeof buf, "key-%u-%x-%d", s % 100000, s, i);
        v[i] = malloc((size_t)n + 1);
        memcpy(v[i], buf, (size_t)n + 1);
    }
    qsort(v, N, sizeof *v, cmp);
    unsigned long h = 5381; long found = 0;
    for (int i = 0; i < N; i++) {
        for (const char *p = v[i]; *p; p++) h = h * 33 + (unsigned char)*p;
        if (strstr(v[i], "-7f")) found++;
    }
    size_t cap = 1 << 20, len = 0; char *big = malloc(cap);
    for (int i = 0; i < N; i++) { size_t n = strlen(v[i]); if (len + n + 1 >= cap) break; memcpy(big + len, v[i], n); len += n; big[len++] = ' '; }
    big[len] = 0;
    long spaces = 0; for (char *p = big; (p = strchr(p, ' ')); p++) spaces++;
    printf("%lu %ld %ld %s\n", h, found, spaces, v[N / 2]);
    for (int i = 0; i < N; i++)
        free(v[i]);
    free(v);
    free(big);
    return 0;
}
