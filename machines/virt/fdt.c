/* rv64-virt: the device tree, generated with libfdt (sequential write),
 * the way QEMU's virt machine describes the same devices; and a user's
 * tree (-dtb) checked and given /chosen's boot arguments. */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"

#define TRY(x) \
    do { \
        int rc_ = (x); \
        if (rc_ < 0) { \
            snprintf(err, errlen, "device tree: %s: %s", #x, fdt_strerror(rc_)); \
            goto fail; \
        } \
    } while (0)

static int prop_cells(void *fdt, const char *name, const uint32_t *v, unsigned n)
{
    fdt32_t b[16];
    for (unsigned i = 0; i < n; i++)
        b[i] = cpu_to_fdt32(v[i]);
    return fdt_property(fdt, name, b, (int)(n * sizeof b[0]));
}

/* reg = <addr size> with 2 cells each */
static int prop_reg(void *fdt, uint64_t base, uint64_t size)
{
    uint32_t c[4] = {(uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32), (uint32_t)size};
    return prop_cells(fdt, "reg", c, 4);
}

static int prop_strings(void *fdt, const char *name, const char *const *s, unsigned n)
{
    char buf[256];
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t l = strlen(s[i]) + 1;
        if (len + l > sizeof buf)
            return -FDT_ERR_NOSPACE;
        memcpy(buf + len, s[i], l);
        len += l;
    }
    return fdt_property(fdt, name, buf, (int)len);
}

static int begin_node_at(void *fdt, const char *name, uint64_t addr)
{
    char n[64];
    snprintf(n, sizeof n, "%s@%llx", name, (unsigned long long)addr);
    return fdt_begin_node(fdt, n);
}

void *virt_fdt_build(const virt_fdt_cfg *c, size_t *n, char *err, size_t errlen)
{
    int size = 64 * 1024 + (int)c->nharts * 512 + (c->bootargs ? (int)strlen(c->bootargs) : 0);
    void *fdt = malloc((size_t)size);
    if (!fdt) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* phandles: each hart's interrupt controller 1..N, then the PLIC, the
     * test device and the cpu nodes */
    const uint32_t ph_plic = c->nharts + 1, ph_test = c->nharts + 2, ph_cpu0 = c->nharts + 3;
    TRY(fdt_create(fdt, size));
    TRY(fdt_finish_reservemap(fdt));
    TRY(fdt_begin_node(fdt, ""));
    TRY(fdt_property_u32(fdt, "#address-cells", 2));
    TRY(fdt_property_u32(fdt, "#size-cells", 2));
    TRY(fdt_property_string(fdt, "compatible", "riscv-virtio"));
    TRY(fdt_property_string(fdt, "model", "riscv-virtio,vvm"));

    TRY(fdt_begin_node(fdt, "chosen"));
    if (c->bootargs)
        TRY(fdt_property_string(fdt, "bootargs", c->bootargs));
    TRY(fdt_property_string(fdt, "stdout-path", "/soc/serial@10000000"));
    if (c->initrd_end) {
        TRY(fdt_property_u64(fdt, "linux,initrd-start", c->initrd_start));
        TRY(fdt_property_u64(fdt, "linux,initrd-end", c->initrd_end));
    }
    TRY(fdt_end_node(fdt));

    TRY(begin_node_at(fdt, "memory", c->ram_base));
    TRY(fdt_property_string(fdt, "device_type", "memory"));
    TRY(prop_reg(fdt, c->ram_base, c->ram_size));
    TRY(fdt_end_node(fdt));

    TRY(fdt_begin_node(fdt, "cpus"));
    TRY(fdt_property_u32(fdt, "#address-cells", 1));
    TRY(fdt_property_u32(fdt, "#size-cells", 0));
    TRY(fdt_property_u32(fdt, "timebase-frequency", VIRT_TIMEBASE));
    for (unsigned h = 0; h < c->nharts; h++) {
        TRY(begin_node_at(fdt, "cpu", h));
        TRY(fdt_property_string(fdt, "device_type", "cpu"));
        TRY(fdt_property_u32(fdt, "reg", h));
        TRY(fdt_property_string(fdt, "status", "okay"));
        TRY(fdt_property_string(fdt, "compatible", "riscv"));
        TRY(fdt_property_string(fdt, "riscv,isa", VIRT_RISCV_ISA));
        TRY(fdt_property_string(fdt, "mmu-type", VIRT_MMU_TYPE));
        TRY(fdt_property_u32(fdt, "phandle", ph_cpu0 + h));
        TRY(fdt_begin_node(fdt, "interrupt-controller"));
        TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
        TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
        TRY(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"));
        TRY(fdt_property_u32(fdt, "phandle", h + 1));
        TRY(fdt_end_node(fdt));
        TRY(fdt_end_node(fdt));
    }
    TRY(fdt_begin_node(fdt, "cpu-map"));
    TRY(fdt_begin_node(fdt, "cluster0"));
    for (unsigned h = 0; h < c->nharts; h++) {
        char core[32];
        snprintf(core, sizeof core, "core%u", h);
        TRY(fdt_begin_node(fdt, core));
        TRY(fdt_property_u32(fdt, "cpu", ph_cpu0 + h));
        TRY(fdt_end_node(fdt));
    }
    TRY(fdt_end_node(fdt));
    TRY(fdt_end_node(fdt));
    TRY(fdt_end_node(fdt));     /* cpus */

    TRY(fdt_begin_node(fdt, "poweroff"));
    TRY(fdt_property_string(fdt, "compatible", "syscon-poweroff"));
    TRY(fdt_property_u32(fdt, "regmap", ph_test));
    TRY(fdt_property_u32(fdt, "offset", 0));
    TRY(fdt_property_u32(fdt, "value", 0x5555));
    TRY(fdt_end_node(fdt));
    TRY(fdt_begin_node(fdt, "reboot"));
    TRY(fdt_property_string(fdt, "compatible", "syscon-reboot"));
    TRY(fdt_property_u32(fdt, "regmap", ph_test));
    TRY(fdt_property_u32(fdt, "offset", 0));
    TRY(fdt_property_u32(fdt, "value", 0x7777));
    TRY(fdt_end_node(fdt));

    TRY(fdt_begin_node(fdt, "soc"));
    TRY(fdt_property_u32(fdt, "#address-cells", 2));
    TRY(fdt_property_u32(fdt, "#size-cells", 2));
    TRY(fdt_property_string(fdt, "compatible", "simple-bus"));
    TRY(fdt_property(fdt, "ranges", NULL, 0));

    TRY(begin_node_at(fdt, "test", VIRT_TEST_BASE));
    {
        static const char *const compat[] = {"sifive,test1", "sifive,test0", "syscon"};
        TRY(prop_strings(fdt, "compatible", compat, 3));
    }
    TRY(prop_reg(fdt, VIRT_TEST_BASE, VIRT_TEST_SIZE));
    TRY(fdt_property_u32(fdt, "phandle", ph_test));
    TRY(fdt_end_node(fdt));

    TRY(begin_node_at(fdt, "rtc", VIRT_RTC_BASE));
    TRY(fdt_property_string(fdt, "compatible", "google,goldfish-rtc"));
    TRY(prop_reg(fdt, VIRT_RTC_BASE, VIRT_RTC_SIZE));
    TRY(fdt_property_u32(fdt, "interrupt-parent", ph_plic));
    TRY(fdt_property_u32(fdt, "interrupts", VIRT_RTC_IRQ));
    TRY(fdt_end_node(fdt));

    TRY(begin_node_at(fdt, "serial", VIRT_UART_BASE));
    TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
    TRY(prop_reg(fdt, VIRT_UART_BASE, VIRT_UART_SIZE));
    TRY(fdt_property_u32(fdt, "clock-frequency", VIRT_UART_CLOCK));
    TRY(fdt_property_u32(fdt, "interrupt-parent", ph_plic));
    TRY(fdt_property_u32(fdt, "interrupts", VIRT_UART_IRQ));
    TRY(fdt_end_node(fdt));

    /* the virtio-mmio slots, the last first (QEMU's order: Linux numbers
     * the devices in it, and QEMU fills the last slot first) */
    for (int i = VIRT_VIRTIO_COUNT - 1; i >= 0; i--) {
        uint64_t base = VIRT_VIRTIO_BASE + (uint64_t)i * VIRT_VIRTIO_SIZE;
        TRY(begin_node_at(fdt, "virtio_mmio", base));
        TRY(fdt_property_u32(fdt, "interrupts", VIRT_VIRTIO_IRQ + (unsigned)i));
        TRY(fdt_property_u32(fdt, "interrupt-parent", ph_plic));
        TRY(prop_reg(fdt, base, VIRT_VIRTIO_SIZE));
        TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
        TRY(fdt_end_node(fdt));
    }

    {
        uint32_t *ie = calloc(4 * (size_t)c->nharts, sizeof *ie);
        if (!ie) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        int rc = 0;
        /* the CLINT: each hart's MSIP (3) and MTIP (7) */
        for (unsigned h = 0; h < c->nharts; h++) {
            ie[4 * h] = h + 1;
            ie[4 * h + 1] = VIRT_MIP_MSIP;
            ie[4 * h + 2] = h + 1;
            ie[4 * h + 3] = VIRT_MIP_MTIP;
        }
        fdt32_t *b = calloc(4 * (size_t)c->nharts, sizeof *b);
        if (b) {
            for (unsigned i = 0; i < 4 * c->nharts; i++)
                b[i] = cpu_to_fdt32(ie[i]);
            static const char *const compat[] = {"sifive,clint0", "riscv,clint0"};
            if (rc >= 0) rc = begin_node_at(fdt, "clint", VIRT_CLINT_BASE);
            if (rc >= 0) rc = prop_strings(fdt, "compatible", compat, 2);
            if (rc >= 0) rc = prop_reg(fdt, VIRT_CLINT_BASE, VIRT_CLINT_SIZE);
            if (rc >= 0) rc = fdt_property(fdt, "interrupts-extended", b, (int)(16 * c->nharts));
            if (rc >= 0) rc = fdt_end_node(fdt);
            /* the PLIC: each hart's MEIP (11) and SEIP (9) contexts */
            for (unsigned h = 0; h < c->nharts; h++) {
                b[4 * h + 1] = cpu_to_fdt32(VIRT_MIP_MEIP);
                b[4 * h + 3] = cpu_to_fdt32(VIRT_MIP_SEIP);
            }
            static const char *const pcompat[] = {"sifive,plic-1.0.0", "riscv,plic0"};
            if (rc >= 0) rc = begin_node_at(fdt, "plic", VIRT_PLIC_BASE);
            if (rc >= 0) rc = fdt_property_u32(fdt, "#interrupt-cells", 1);
            if (rc >= 0) rc = fdt_property_u32(fdt, "#address-cells", 0);
            if (rc >= 0) rc = prop_strings(fdt, "compatible", pcompat, 2);
            if (rc >= 0) rc = fdt_property(fdt, "interrupt-controller", NULL, 0);
            if (rc >= 0) rc = fdt_property(fdt, "interrupts-extended", b, (int)(16 * c->nharts));
            if (rc >= 0) rc = prop_reg(fdt, VIRT_PLIC_BASE, VIRT_PLIC_SIZE);
            if (rc >= 0) rc = fdt_property_u32(fdt, "riscv,ndev", VIRT_PLIC_NSRC - 1);
            if (rc >= 0) rc = fdt_property_u32(fdt, "phandle", ph_plic);
            if (rc >= 0) rc = fdt_end_node(fdt);
        } else
            rc = -FDT_ERR_NOSPACE;
        free(b);
        free(ie);
        TRY(rc);
    }
    TRY(fdt_end_node(fdt));     /* soc */
    TRY(fdt_end_node(fdt));     /* root */
    TRY(fdt_finish(fdt));
    TRY(fdt_pack(fdt));
    *n = fdt_totalsize(fdt);
    return fdt;
fail:
    free(fdt);
    return NULL;
}

void *virt_fdt_user(const void *blob, size_t len, const virt_fdt_cfg *c, size_t *n, char *err, size_t errlen)
{
    if (len < sizeof(struct fdt_header) || fdt_magic(blob) != FDT_MAGIC) {
        snprintf(err, errlen, "not a flattened device tree (no magic 0xd00dfeed)");
        return NULL;
    }
    if (fdt_totalsize(blob) > len) {
        snprintf(err, errlen, "truncated: its header says %u bytes, the file has %zu", fdt_totalsize(blob), len);
        return NULL;
    }
    /* libfdt 1.6.1's fdt_check_full loops for ever on some corrupt trees
     * (found by fuzz_dtb): the structure block is walked first, every tag
     * moving forward and the walk ending at FDT_END within the block */
    int rc = fdt_check_header(blob);
    if (rc == 0) {
        int off = 0, next = 0, steps = 0, limit = (int)(fdt_size_dt_struct(blob) / 4) + 1;
        uint32_t tag;
        do {
            tag = fdt_next_tag(blob, off, &next);
            if (next <= off || ++steps > limit) {
                rc = -FDT_ERR_BADSTRUCTURE;
                break;
            }
            off = next;
        } while (tag != FDT_END);
    }
    if (rc == 0)
        rc = fdt_check_full(blob, len);
    if (rc < 0) {
        snprintf(err, errlen, "corrupt device tree: %s", fdt_strerror(rc));
        return NULL;
    }
    size_t extra = 4096 + (c->bootargs ? strlen(c->bootargs) : 0);
    size_t size = fdt_totalsize(blob) + extra;
    if (size > INT32_MAX) {
        snprintf(err, errlen, "device tree too large");
        return NULL;
    }
    void *fdt = malloc(size);
    if (!fdt) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    TRY(fdt_open_into(blob, fdt, (int)size));
    if (c->bootargs || c->initrd_end) {
        int chosen = fdt_path_offset(fdt, "/chosen");
        if (chosen == -FDT_ERR_NOTFOUND)
            chosen = fdt_add_subnode(fdt, 0, "chosen");
        TRY(chosen);
        if (c->bootargs)
            TRY(fdt_setprop_string(fdt, chosen, "bootargs", c->bootargs));
        if (c->initrd_end) {
            TRY(fdt_setprop_u64(fdt, chosen, "linux,initrd-start", c->initrd_start));
            TRY(fdt_setprop_u64(fdt, chosen, "linux,initrd-end", c->initrd_end));
        }
    }
    TRY(fdt_pack(fdt));
    *n = fdt_totalsize(fdt);
    return fdt;
fail:
    free(fdt);
    return NULL;
}
