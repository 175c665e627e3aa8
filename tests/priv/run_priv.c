/* Runs bare-metal RISC-V test programs (tests/priv/progs/NAME.S, linked at
 * 0x80000000, entered in M mode) on a system hart of the soft-TLB model:
 * 128 MiB of RAM at 0x80000000 and a SiFive test device at 0x100000, as
 * QEMU's virt machine has them, and a line device at 0x101000 that QEMU
 * has not (the tests in tests/priv/vvm only): writing 0x100 | N at offset 0 raises
 * interrupt line N from another host thread 2 ms later (eng_irq_set),
 * writing N lowers it; a write at offset 8 sets the hart's mtimecmp
 * (rv_sys_set_mtimecmp), as a CLINT would; the CLINT's msip registers
 * at 0x2000000 (4 bytes per hart) drive each hart's MSIP line.  A program
 * named smp* runs on two harts, each on a host thread of its own.  A program ends by writing 0x5555 (pass) or
 * (code << 16) | 0x3333 (fail) to the device.  The tier comes from
 * VVM_ENGINE (the translation tier keeps TLB harts interpreted).
 * Prints "ok NAME" or "not ok NAME: why" per program, then "ok end".
 */
#include <elf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/irq.h"
#include "engine/mmu.h"
#include "isa/riscv/rv_priv.h"

#define RAM_BASE UINT64_C(0x80000000)
#define RAM_SIZE (UINT64_C(128) << 20)
#define TEST_BASE UINT64_C(0x100000)

#define MAX_HARTS 2
static rv_cpu harts[MAX_HARTS];
static unsigned nharts;

typedef struct test_dev {
    rv_cpu *cpu;
    volatile int done;
    uint32_t val;
} test_dev;

static int dev_read(void *arg, uint64_t off, unsigned size, uint64_t *val)
{
    (void)arg, (void)off, (void)size;
    *val = 0;
    return 0;
}

static int dev_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    test_dev *d = arg;
    (void)size;
    if (off != 0)
        return 0;
    d->val = (uint32_t)val;
    d->done = 1;
    for (unsigned i = 0; i < nharts; i++)
        rv_sys_halt(&harts[i]);
    return 0;
}

static const eng_mmio_ops dev_ops = {dev_read, dev_write};

/* the line device: a device thread raising a line */
#define LINE_BASE UINT64_C(0x101000)
typedef struct line_dev {
    rv_cpu *cpu;
    pthread_t th;
    int running;
    unsigned bit;
} line_dev;

static void *line_thread(void *arg)
{
    line_dev *l = arg;
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    eng_irq_set(&l->cpu->vcpu, l->bit, 1);
    return NULL;
}

static int line_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    line_dev *l = arg;
    (void)size;
    if (off == 8)
        rv_sys_set_mtimecmp(l->cpu, val);
    if (off != 0)
        return 0;
    if (l->running) {
        pthread_join(l->th, NULL);
        l->running = 0;
    }
    l->bit = (unsigned)val & 63;
    if (val & 0x100)
        l->running = pthread_create(&l->th, NULL, line_thread, l) == 0;
    else
        eng_irq_set(&l->cpu->vcpu, l->bit, 0);
    return 0;
}

static const eng_mmio_ops line_ops = {dev_read, line_write};

/* the CLINT's msip registers (QEMU virt: 0x2000000 + 4 x hart) */
#define CLINT_BASE UINT64_C(0x2000000)
static int clint_read(void *arg, uint64_t off, unsigned size, uint64_t *val)
{
    (void)arg, (void)size;
    *val = off / 4 < nharts && off % 4 == 0 ? (eng_irq_lines(&harts[off / 4].vcpu) >> RV_IRQ_MSI) & 1 : 0;
    return 0;
}
static int clint_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    (void)arg, (void)size;
    if (off / 4 < nharts && off % 4 == 0)
        eng_irq_set(&harts[off / 4].vcpu, RV_IRQ_MSI, (int)(val & 1));
    return 0;
}
static const eng_mmio_ops clint_ops = {clint_read, clint_write};

/* a hart's thread: runs it until the test device speaks (or 2e8 instructions) */
static test_dev *the_dev;
static void *hart_thread(void *arg)
{
    rv_cpu *cpu = arg;
    for (int i = 0; i < 200 && !the_dev->done; i++)
        rv_sys_run(cpu, 1000000);
    return NULL;
}

static int load_elf(const char *path, uint8_t *ram, char *why, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, n, "cannot open");
        return -1;
    }
    Elf64_Ehdr eh;
    int rc = -1;
    if (fread(&eh, sizeof eh, 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_machine != EM_RISCV) {
        snprintf(why, n, "not a riscv ELF");
        goto out;
    }
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        if (fseek(f, (long)(eh.e_phoff + (uint64_t)i * eh.e_phentsize), SEEK_SET) || fread(&ph, sizeof ph, 1, f) != 1)
            goto out;
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_paddr < RAM_BASE || ph.p_paddr + ph.p_memsz > RAM_BASE + RAM_SIZE || ph.p_filesz > ph.p_memsz) {
            snprintf(why, n, "segment outside RAM");
            goto out;
        }
        uint8_t *dst = ram + (ph.p_paddr - RAM_BASE);
        if (fseek(f, (long)ph.p_offset, SEEK_SET) || fread(dst, 1, ph.p_filesz, f) != ph.p_filesz) {
            snprintf(why, n, "short segment");
            goto out;
        }
        memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}

static int run_one(const char *path, eng_tier tier)
{
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int nlen = (int)strlen(name);
    if (nlen > 4 && !strcmp(name + nlen - 4, ".elf"))
        nlen -= 4;    /* the test's name */
    char why[128] = "";
    eng_phys *phys = eng_phys_new(NULL);
    uint8_t *ram = phys ? eng_phys_add_ram(phys, RAM_BASE, RAM_SIZE, NULL) : NULL;
    rv_cpu *cpu = &harts[0];
    test_dev dev = {.cpu = cpu};
    line_dev line = {.cpu = cpu};
    int ok = 0;
    nharts = 0;
    the_dev = &dev;
    if (!ram || eng_phys_add_mmio(phys, TEST_BASE, 0x1000, &dev_ops, &dev) < 0 ||
        eng_phys_add_mmio(phys, LINE_BASE, 0x1000, &line_ops, &line) < 0 ||
        eng_phys_add_mmio(phys, CLINT_BASE, 0x10000, &clint_ops, NULL) < 0) {
        snprintf(why, sizeof why, "machine setup failed");
        goto out;
    }
    if (load_elf(path, ram, why, sizeof why) < 0)
        goto out;
    /* smp*: two harts, each on a thread of its own */
    unsigned n = strncmp(name, "smp", 3) ? 1 : 2;
    for (; nharts < n; nharts++) {
        rv_cpu *h = &harts[nharts];
        memset(h, 0, sizeof *h);
        if (rv_sys_init(h, phys, NULL, nharts) < 0) {
            snprintf(why, sizeof why, "rv_sys_init failed");
            goto fini;
        }
        h->tier = tier;
        h->pc = RAM_BASE;
        h->x[10] = nharts;  /* a0: the hart id, as QEMU's reset code passes it */
    }
    pthread_t th[MAX_HARTS];
    unsigned started = 0;
    for (unsigned i = 1; i < nharts; i++)
        if (pthread_create(&th[i], NULL, hart_thread, &harts[i]) == 0)
            started = i;
    hart_thread(cpu);
    for (unsigned i = 1; i < nharts; i++)
        rv_sys_halt(&harts[i]);
    for (unsigned i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    if (!dev.done)
        snprintf(why, sizeof why, "no verdict (pc 0x%llx, %llu traps)", (unsigned long long)cpu->pc,
                 (unsigned long long)cpu->priv->traps);
    else if (dev.val == 0x5555)
        ok = 1;
    else
        snprintf(why, sizeof why, "failed check %u (0x%x; pc 0x%llx)", dev.val >> 16, dev.val,
                 (unsigned long long)cpu->pc);
fini:
    if (line.running)
        pthread_join(line.th, NULL);
    for (unsigned i = 0; i < nharts; i++)
        rv_sys_fini(&harts[i]);
    nharts = 0;
out:
    if (phys)
        eng_phys_free(phys);
    if (ok)
        printf("ok %.*s\n", nlen, name);
    else
        printf("not ok %.*s: %s\n", nlen, name, why);
    return ok;
}

int main(int argc, char **argv)
{
    const char *e = getenv("VVM_ENGINE");
    eng_tier tier = ENG_TIER_INTERP;
    if (e && !strcmp(e, "jit"))
        tier = ENG_TIER_JIT;
    else if (e && !strcmp(e, "auto"))
        tier = ENG_TIER_AUTO;
    int all = 1;
    for (int i = 1; i < argc; i++)
        all &= run_one(argv[i], tier);
    printf("ok end\n");
    return all ? 0 : 1;
}
