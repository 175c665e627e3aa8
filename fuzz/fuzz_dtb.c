/* libFuzzer target: the -dtb path (machines/virt/fdt.c, virt_fdt_user) on
 * arbitrary bytes: a user's device tree is checked in full (libfdt's
 * fdt_check_full), then /chosen gets bootargs and an initrd range.
 * Checks: a refusal has a message; an accepted tree is a valid tree of the
 * size reported, its /chosen holds the bootargs and the initrd range given;
 * the generated tree passes the same checks.  Any read outside the input,
 * leak or crash is an ASan/UBSan report. */
#include <assert.h>
#include <libfdt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "machines/virt/virt.h"

static void check_tree(void *fdt, size_t n, const virt_fdt_cfg *c)
{
    assert(fdt_check_full(fdt, n) == 0);
    assert(fdt_totalsize(fdt) == n);
    int chosen = fdt_path_offset(fdt, "/chosen");
    assert(chosen >= 0);
    int len;
    const char *ba = fdt_getprop(fdt, chosen, "bootargs", &len);
    assert(ba && !strcmp(ba, c->bootargs));
    /* a property's value is only 4-aligned in the tree */
    const void *s = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
    fdt64_t v = 0;
    assert(s && len == 8);
    memcpy(&v, s, sizeof v);
    assert(fdt64_to_cpu(v) == c->initrd_start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    virt_fdt_cfg c = {2, VIRT_DRAM_BASE, 256u << 20, "console=ttyS0 root=/dev/vda", 0x8f000000, 0x8fe00000};
    static int once;
    if (!once) {
        once = 1;
        size_t n;
        char err[256];
        void *g = virt_fdt_build(&c, &n, err, sizeof err);
        assert(g);
        check_tree(g, n, &c);
        /* and the generated one through the -dtb path */
        void *u = virt_fdt_user(g, n, &c, &n, err, sizeof err);
        assert(u);
        check_tree(u, n, &c);
        free(u);
        free(g);
    }
    /* the input in a buffer of its own size, so that ASan sees any read past it */
    uint8_t *b = malloc(size ? size : 1);
    memcpy(b, data, size);
    size_t n = 0;
    char err[400];
    err[0] = 0;
    void *t = virt_fdt_user(b, size, &c, &n, err, sizeof err);
    if (t) {
        check_tree(t, n, &c);
        free(t);
    } else
        assert(err[0]);
    free(b);
    return 0;
}
