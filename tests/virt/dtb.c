/* the device tree a1 points to: its magic, and the root's compatible */
#include "lib.h"

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

void main(unsigned long hart, const uint8_t *dtb)
{
    if (hart)
        for (;;)
            ;
    if (be32(dtb) != 0xd00dfeed) {
        puts_("bad magic\n");
        fail(3);
    }
    puts_("dtb magic ok\n");
    const uint8_t *st = dtb + be32(dtb + 8);
    const char *strs = (const char *)dtb + be32(dtb + 12);
    int depth = 0, found = 0;
    for (const uint8_t *p = st;;) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == 1) {         /* BEGIN_NODE: name, padded */
            while (*p++)
                ;
            p = (const uint8_t *)(((uintptr_t)p + 3) & ~(uintptr_t)3);
            depth++;
        } else if (tok == 2) {
            depth--;
        } else if (tok == 3) {  /* PROP: len, nameoff, value */
            uint32_t len = be32(p), off = be32(p + 4);
            const char *val = (const char *)p + 8;
            if (depth == 1 && streq(strs + off, "compatible")) {
                puts_("root compatible: ");
                puts_(val);
                puts_("\n");
                found = 1;
            }
            p += 8 + ((len + 3) & ~3u);
        } else if (tok == 4) {
        } else
            break;
    }
    if (!found)
        fail(4);
    poweroff();
}
