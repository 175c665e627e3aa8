/* rv64-virt: the SiFive test device (sifive,test0 + syscon) at 0x100000.
 * A 16- or 32-bit write to offset 0 (OpenSBI's sifive_test driver writes
 * 16 bits; QEMU takes 2 to 4 bytes): 0x5555 powers off, 0x7777 resets,
 * (code << 16) | 0x3333 fails with exit status `code` (QEMU's meaning).
 * Other values and reads do nothing (reads give 0).  It has no state. */
#include "machines/virt/virt.h"

static int test_read(void *arg, uint64_t off, unsigned size, uint64_t *val)
{
    (void)arg, (void)off, (void)size;
    *val = 0;
    return 0;
}

static int test_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    virt_test *t = arg;
    if (off != 0 || size < 2)
        return 0;
    uint32_t v = size == 2 ? (uint16_t)val : (uint32_t)val;
    switch (v & 0xffff) {
    case 0x5555:
        t->power(t->ctx, VIRT_POWER_OFF, 0);
        break;
    case 0x7777:
        t->power(t->ctx, VIRT_POWER_RESET, 0);
        break;
    case 0x3333:
        t->power(t->ctx, VIRT_POWER_FAIL, v >> 16);
        break;
    }
    return 0;
}

const eng_mmio_ops virt_test_ops = {test_read, test_write};
