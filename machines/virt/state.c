/* rv64-virt: the tagged records devices save their state in. */
#include <string.h>

#include "machines/virt/virt.h"

#define STATE_VERSION 1u

int virt_save_tag(FILE *f, const char *tag, const void *state, size_t n)
{
    char t[8] = {0};
    memcpy(t, tag, strnlen(tag, sizeof t));
    uint32_t hdr[2] = {STATE_VERSION, (uint32_t)n};
    if (fwrite(t, sizeof t, 1, f) != 1 || fwrite(hdr, sizeof hdr, 1, f) != 1 || fwrite(state, n, 1, f) != 1)
        return -1;
    return 0;
}

int virt_load_tag(FILE *f, const char *tag, void *state, size_t n)
{
    char t[8], want[8] = {0};
    uint32_t hdr[2];
    memcpy(want, tag, strnlen(tag, sizeof want));
    if (fread(t, sizeof t, 1, f) != 1 || memcmp(t, want, sizeof t) || fread(hdr, sizeof hdr, 1, f) != 1 ||
        hdr[0] != STATE_VERSION || hdr[1] != n || fread(state, n, 1, f) != 1)
        return -1;
    return 0;
}
