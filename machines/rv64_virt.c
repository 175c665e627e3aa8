/* rv64-virt: the system VM, a machine like QEMU's riscv64 `virt`: RAM at
 * 0x80000000, N harts on the soft-TLB memory model (engine/mmu.h), each on
 * a host thread of its own, and the devices of machines/virt/ on the MMIO
 * bus.  Boots firmware (OpenSBI's fw_jump.bin by default) or, with
 * -bios none, a kernel directly in M mode, with a generated device tree.
 *
 * Harts are system harts (isa/riscv/rv_priv.h): made with rv_sys_init, run
 * with rv_sys_run on their threads, stopped with rv_sys_halt.  They start
 * at the reset address in M mode with a0 = hartid, a1 = the device tree's
 * address (QEMU's convention); the privileged code delivers their traps and
 * interrupts.  The devices drive the harts' interrupt lines with
 * eng_irq_set (virt_irq_to_hart); the CLINT's timer thread raises MTIP on
 * time, on the same timebase as the harts' time CSR (VIRT_TIMEBASE, origin
 * the CLINT's mtime 0).  A run that ends some other way (an exit the
 * privileged code cannot deliver) stops the machine with a message
 * (virt_hart_stopped).
 *
 * `vvm run --machine rv64-virt [QEMU-STYLE OPTIONS]` (virt_main) parses
 * qemu-system-riscv64's options; docs/rv64-virt.md lists them. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/machine.h"
#include "core/vmlet.h"
#include "engine/irq.h"
#include "engine/jit.h"
#include "engine/mmu.h"
#include "isa/riscv/rv_cpu.h"
#include "isa/riscv/rv_priv.h"
#include "machines/machines.h"
#include "machines/virt/gdbstub.h"
#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"

#include <zstd.h>

#define DEFAULT_BIOS "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
#define KERNEL_WITH_FW (VIRT_DRAM_BASE + 0x200000)

typedef struct virt_cfg {
    uint64_t ram_size;
    unsigned nharts;
    const char *bios;       /* NULL: the default; "none": no firmware */
    const char *incoming;   /* -incoming file:PATH: the saved machine */
    const char *kernel, *initrd, *append, *dtb, *dump_dtb;
    int no_reboot;
    const char *gdb;        /* -gdb DEV, -s (tcp::1234): the gdb stub's socket */
    int start_paused;       /* -S: the harts wait for cont (the monitor's, gdb's) */
    eng_tier tier;
    const virt_vdevs *vdevs;    /* -drive, -device, -chardev (NULL: none) */
} virt_cfg;

/* which of the options that shape the machine a command line gave */
typedef struct virt_given { int m, smp; } virt_given;
static int virt_parse(virt_cfg *c, int argc, char *const *argv, const char **engine, virt_given *g,
                      virt_vdevs *vdevs, char *err, size_t errlen);

typedef struct virt_machine virt_machine;

typedef struct virt_hart {
    rv_cpu cpu;
    virt_machine *m;
    unsigned id;
    int sys;                /* rv_sys_init done */
    pthread_t thread;
    int running;
} virt_hart;

struct virt_machine {
    vvm_machine base;
    virt_cfg cfg;
    eng_phys *phys;
    uint8_t *ram;
    virt_hart *hart[VIRT_MAX_HARTS];
    unsigned nharts;
    virt_test test;
    virt_rtc rtc;
    virt_clint clint;
    virt_plic plic;
    virt_uart uart;
    virtio_mmio vio[VIRT_VIRTIO_COUNT];
    struct {
        int kind;           /* VIRT_VDEV_*, 0: an empty slot */
        void *dev;          /* virtio_blk, virtio_rng, virtio_console, virtio_net */
        int fd;             /* the console's output file, or -1 */
    } slot[VIRT_VIRTIO_COUNT];
    int devs_up;
    uint64_t reset_pc, fdt_addr;
    void *fdt;
    size_t fdt_size;
    /* images kept for a reset: copied into RAM again */
    struct { uint8_t *data; uint64_t addr; size_t n; } img[4];
    unsigned nimg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    _Atomic int stopping;
    int why;                /* VIRT_POWER_*, WHY_PAUSE, or -1: an error */
    int status;
    int loaded, exited;
    unsigned resets;        /* virt_reset calls */
    /* runs: the console and the timer thread are up (started); the next
     * run begins with a reset (need_reset: not after a restore); hart 0's
     * budget for this run (-1: none) */
    int started, need_reset;
    int64_t budget;
    virt_console *con;
    /* the monitor: stop asked (the main thread waits with the harts'
     * threads joined until cont); parked: they are joined */
    int mon_stop, parked, done;
    /* the virtio devices' options of a machine vvm_load or a restore made;
     * a restore's file names (pool) */
    virt_vdevs *own_vdevs;
    char *pool[3 * VIRT_VIRTIO_COUNT];
    /* the gdb stub (NULL: none); a single step asked of the parked harts;
     * the signal of the last stop (5: a breakpoint or a step, 2: asked);
     * park_gen counts the parkings, so that a waiter knows a new one */
    virt_gdb *gdb;
    int step_req;
    int dbg_sig;
    uint64_t park_gen;
};

/* m->why of a machine whose harts stopped to be looked at (a budget ran
 * out, the monitor's stop) and that goes on with the next run */
#define WHY_PAUSE 100

#define VM(m) ((virt_machine *)(m))

/* ---- interrupts: the devices' lines to the harts ---- */

/* The one place a device's interrupt reaches a hart: its line (mip's bit
 * numbers), set atomically; the hart looks at it at its next block
 * boundary, or wakes from wfi.  Called with the device's lock held. */
static void virt_irq_to_hart(void *ctx, unsigned hart, unsigned bit, int level)
{
    virt_machine *m = ctx;
    if (hart >= m->nharts || !m->hart[hart] || !m->hart[hart]->sys || bit > 63)
        return;
    eng_irq_set(&m->hart[hart]->cpu.vcpu, bit, level);
}

/* ---- power: the test device, Ctrl-A x, a hart's error ---- */

/* A pause gives way to any other stop (power-off, reset, an error, quit),
 * including one that comes while the harts are paused. */
static void stop_machine(virt_machine *m, int why, int status)
{
    pthread_mutex_lock(&m->lock);
    if (!atomic_load(&m->stopping) || (m->why == WHY_PAUSE && why != WHY_PAUSE)) {
        m->why = why;
        m->status = status;
        atomic_store(&m->stopping, 1);
        for (unsigned h = 0; h < m->nharts; h++)
            if (m->hart[h] && m->hart[h]->sys)
                rv_sys_halt(&m->hart[h]->cpu);
        pthread_cond_broadcast(&m->cond);
    }
    pthread_mutex_unlock(&m->lock);
}

static void on_power(void *ctx, int what, unsigned code)
{
    virt_machine *m = ctx;
    stop_machine(m, what, what == VIRT_POWER_FAIL ? (int)(code & 0xff) : 0);
}

static void on_quit(void *ctx) { stop_machine(ctx, VIRT_POWER_OFF, 0); }

/* ---- harts ---- */

/* A hart's rv_sys_run ended with an exit the privileged code does not
 * deliver as a trap (it delivers ecalls, faults, illegal instructions and
 * interrupts itself): the machine stops with a message naming the hart,
 * the exit and the pc. */
static void virt_hart_stopped(virt_machine *m, virt_hart *h, rv_exit why)
{
    uint32_t raw = eng_fetch_raw(&h->cpu.vcpu, h->cpu.pc);
    fprintf(stderr,
            "vvm: rv64-virt: hart %u: %s at pc 0x%llx (tval 0x%llx, instruction 0x%08x, mode %u): this exit cannot "
            "be delivered to the guest; the machine stops\n",
            h->id, rv_exit_name(why), (unsigned long long)h->cpu.pc, (unsigned long long)h->cpu.tval, raw,
            h->cpu.priv->priv);
    stop_machine(m, -1, 1);
}

static void *hart_main(void *arg)
{
    virt_hart *h = arg;
    virt_machine *m = h->m;
    /* the machine's signals are the main thread's */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    int64_t left = h->id == 0 ? m->budget : -1;   /* hart 0 counts the run's budget */
    while (!atomic_load(&m->stopping)) {
        uint64_t before = h->cpu.instret;
        rv_exit why = rv_sys_run(&h->cpu, left);
        if (left >= 0) {
            uint64_t ran = h->cpu.instret - before;
            left = ran >= (uint64_t)left ? 0 : left - (int64_t)ran;
            if (left == 0) {
                stop_machine(m, WHY_PAUSE, 0);
                break;
            }
        }
        if (why == ENG_EXIT_INTERRUPT || why == ENG_EXIT_BUDGET)
            continue;   /* rv_sys_halt: the loop looks at stopping */
        if (why == ENG_EXIT_BREAK && m->gdb) {
            /* a debugger's breakpoint: every hart stops for it */
            pthread_mutex_lock(&m->lock);
            m->mon_stop = 1;
            m->dbg_sig = 5;
            pthread_mutex_unlock(&m->lock);
            stop_machine(m, WHY_PAUSE, 0);
            break;
        }
        virt_hart_stopped(m, h, why);
        break;
    }
    return NULL;
}

/* A system hart on m's RAM and devices, on the CLINT's timebase; 0 or -1. */
static int hart_sys_init(virt_machine *m, virt_hart *h)
{
    if (rv_sys_init(&h->cpu, m->phys, NULL, h->id) < 0)
        return -1;
    h->cpu.priv->timebase_hz = VIRT_TIMEBASE;
    h->cpu.priv->time_origin_ns = (uint64_t)m->clint.base_ns;
    h->cpu.env = h;
    h->cpu.vcpu.machine = m;
    if (m->gdb) {
        h->cpu.priv->debug_break = virt_gdb_break_at;
        h->cpu.priv->debug_ctx = m->gdb;
    }
    h->sys = 1;
    return 0;
}

/* The hart as at power-on: a fresh system hart (M mode, satp Bare, CSRs at
 * their reset values) keeping the devices' lines, at the reset pc.  The
 * first reset uses the hart virt_setup made. */
static int hart_reset(virt_machine *m, virt_hart *h)
{
    if (m->resets > 1) {
        /* no device drives a line meanwhile: they do it under their locks */
        pthread_mutex_lock(&m->clint.lock);
        pthread_mutex_lock(&m->plic.lock);
        uint64_t lines = eng_irq_lines(&h->cpu.vcpu);
        h->sys = 0;
        rv_sys_fini(&h->cpu);
        int rc = hart_sys_init(m, h);
        for (unsigned b = 0; rc == 0 && b < 64; b++)
            if (lines >> b & 1)
                eng_irq_set(&h->cpu.vcpu, b, 1);
        pthread_mutex_unlock(&m->plic.lock);
        pthread_mutex_unlock(&m->clint.lock);
        if (rc < 0)
            return -1;
    }
    memset(h->cpu.x, 0, sizeof h->cpu.x);
    memset(h->cpu.f, 0, sizeof h->cpu.f);
    h->cpu.pc = m->reset_pc;
    h->cpu.x[10] = h->id;           /* a0: hartid */
    h->cpu.x[11] = m->fdt_addr;     /* a1: the device tree */
    h->cpu.budget = -1;
    h->cpu.interrupt = 0;
    h->cpu.tier = m->cfg.tier;
    eng_mmu_fence_i(&h->cpu.vcpu);
    return 0;
}

/* ---- loading ---- */

static uint8_t *read_file(const char *path, size_t max, size_t *n, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(err, errlen, "%s: %lld bytes do not fit in the machine's RAM (%llu bytes)", path,
                 (long long)st.st_size, (unsigned long long)max);
        close(fd);
        return NULL;
    }
    uint8_t *b = malloc(st.st_size ? (size_t)st.st_size : 1);
    size_t got = 0;
    while (b && got < (size_t)st.st_size) {
        ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            snprintf(err, errlen, "%s: %s", path, r < 0 ? strerror(errno) : "shorter than its size");
            free(b);
            close(fd);
            return NULL;
        }
        got += (size_t)r;
    }
    close(fd);
    if (!b)
        snprintf(err, errlen, "out of memory");
    *n = got;
    return b;
}

static int in_ram(const virt_machine *m, uint64_t a, uint64_t n)
{
    return a >= VIRT_DRAM_BASE && n <= m->cfg.ram_size && a - VIRT_DRAM_BASE <= m->cfg.ram_size - n;
}

/* an image to copy into RAM (at every reset) */
static int add_image(virt_machine *m, const uint8_t *data, uint64_t addr, size_t n)
{
    if (m->nimg == sizeof m->img / sizeof m->img[0])
        return -1;
    uint8_t *c = malloc(n ? n : 1);
    if (!c)
        return -1;
    memcpy(c, data, n);
    m->img[m->nimg].data = c;
    m->img[m->nimg].addr = addr;
    m->img[m->nimg].n = n;
    m->nimg++;
    return 0;
}

/* Loads an ELF (RISC-V, 64-bit) or a flat image at flat_at; the range it
 * takes in *lo, *hi, its entry in *entry.  0, or -1 with err. */
static int load_image(virt_machine *m, const char *what, const char *path, uint64_t flat_at, uint64_t *lo,
                      uint64_t *hi, uint64_t *entry, char *err, size_t errlen)
{
    size_t n;
    uint8_t *b = read_file(path, m->cfg.ram_size, &n, err, errlen);
    if (!b)
        return -1;
    int rc = -1;
    if (n >= 4 && !memcmp(b, ELFMAG, SELFMAG)) {
        if (n < sizeof(Elf64_Ehdr) || b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB) {
            snprintf(err, errlen, "%s %s: not a 64-bit little-endian ELF", what, path);
            goto out;
        }
        Elf64_Ehdr eh;
        memcpy(&eh, b, sizeof eh);
        if (eh.e_machine != EM_RISCV) {
            snprintf(err, errlen, "%s %s: not a RISC-V ELF (e_machine %u)", what, path, eh.e_machine);
            goto out;
        }
        if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > n ||
            (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > n - eh.e_phoff) {
            snprintf(err, errlen, "%s %s: truncated or corrupt ELF (program headers)", what, path);
            goto out;
        }
        uint64_t l = UINT64_MAX, h = 0;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
            Elf64_Phdr ph;
            memcpy(&ph, b + eh.e_phoff + i * sizeof ph, sizeof ph);
            if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
                continue;
            if (ph.p_filesz > ph.p_memsz || ph.p_offset > n || ph.p_filesz > n - ph.p_offset) {
                snprintf(err, errlen, "%s %s: truncated or corrupt ELF (segment %u)", what, path, i);
                goto out;
            }
            if (!in_ram(m, ph.p_paddr, ph.p_memsz)) {
                snprintf(err, errlen, "%s %s: segment %u at 0x%llx-0x%llx is outside RAM (0x%llx-0x%llx; -m)", what,
                         path, i, (unsigned long long)ph.p_paddr, (unsigned long long)(ph.p_paddr + ph.p_memsz),
                         (unsigned long long)VIRT_DRAM_BASE, (unsigned long long)(VIRT_DRAM_BASE + m->cfg.ram_size));
                goto out;
            }
            if (add_image(m, b + ph.p_offset, ph.p_paddr, ph.p_filesz) < 0) {
                snprintf(err, errlen, "%s %s: too many segments", what, path);
                goto out;
            }
            l = ph.p_paddr < l ? ph.p_paddr : l;
            h = ph.p_paddr + ph.p_memsz > h ? ph.p_paddr + ph.p_memsz : h;
        }
        if (h == 0) {
            snprintf(err, errlen, "%s %s: no loadable segment", what, path);
            goto out;
        }
        *lo = l;
        *hi = h;
        *entry = eh.e_entry;
    } else {
        if (!in_ram(m, flat_at, n)) {
            snprintf(err, errlen, "%s %s: %zu bytes at 0x%llx do not fit in RAM (0x%llx-0x%llx; -m)", what, path, n,
                     (unsigned long long)flat_at, (unsigned long long)VIRT_DRAM_BASE,
                     (unsigned long long)(VIRT_DRAM_BASE + m->cfg.ram_size));
            goto out;
        }
        if (add_image(m, b, flat_at, n) < 0) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        *lo = flat_at;
        *hi = flat_at + n;
        *entry = flat_at;
    }
    rc = 0;
out:
    free(b);
    return rc;
}

/* QEMU's place for the device tree: 2 MiB aligned below the end of RAM
 * (or of its first 3 GiB) */
static uint64_t fdt_place(const virt_cfg *c, size_t fdt_size)
{
    uint64_t end = VIRT_DRAM_BASE + (c->ram_size < (UINT64_C(3) << 30) ? c->ram_size : UINT64_C(3) << 30);
    return (end - fdt_size) & ~(uint64_t)(2 * 1024 * 1024 - 1);
}

static int overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) { return a0 < b1 && b0 < a1; }

/* Everything but the harts' threads: RAM, devices, images, the tree. */

/* The device tree for c: the user's (-dtb, ub/un: checked, /chosen set) or
 * the generated one.  Returns it (malloc'd, *n its size), or NULL with err. */
static void *tree_for(const virt_cfg *cfg, const uint8_t *ub, size_t un, const virt_fdt_cfg *c, size_t *n, char *err,
                      size_t errlen)
{
    if (!ub)
        return virt_fdt_build(c, n, err, errlen);
    char e2[400];
    void *t = virt_fdt_user(ub, un, c, n, e2, sizeof e2);
    if (!t)
        snprintf(err, errlen, "-dtb %s: %s", cfg->dtb, e2);
    return t;
}

static int virt_up(virt_machine *m, char *err, size_t errlen);

/* The virtio devices of the command line, from the last slot down (QEMU's order). */
static int virtio_setup(virt_machine *m, const virt_vdevs *v, char *err, size_t errlen)
{
    for (unsigned k = 0; k < v->n; k++) {
        const virt_vdev *d = &v->dev[k];
        unsigned i = VIRT_VIRTIO_COUNT - 1 - k;
        virtio_mmio *t = &m->vio[i];
        char e2[300];
        if (d->kind == VIRT_VDEV_BLK) {
            virtio_blk *b = malloc(sizeof *b);
            if (!b) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            if (virtio_blk_open(b, d->file, d->ro, d->serial, e2, sizeof e2) < 0) {
                free(b);
                snprintf(err, errlen, "-drive: %s", e2);
                return -1;
            }
            m->slot[i].dev = b;
            virtio_blk_attach(b, t);
        } else if (d->kind == VIRT_VDEV_RNG) {
            virtio_rng *r = malloc(sizeof *r);
            if (!r) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            m->slot[i].dev = r;
            virtio_rng_attach(r, t);
        } else if (d->kind == VIRT_VDEV_NET) {
            virtio_net *n = malloc(sizeof *n);
            if (!n) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            if (virtio_net_open(n, t, d->net, d->mac, err, errlen) < 0) {
                free(n);
                return -1;
            }
            m->slot[i].dev = n;
        } else {
            virtio_console *c = malloc(sizeof *c);
            if (!c) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            m->slot[i].dev = c;
            if (d->out &&
                (m->slot[i].fd = open(d->out, O_WRONLY | O_CREAT | O_CLOEXEC | (d->append ? O_APPEND : O_TRUNC),
                                      0666)) < 0) {
                snprintf(err, errlen, "-chardev file,path=%s: %s", d->out, strerror(errno));
                free(c);
                m->slot[i].dev = NULL;
                return -1;
            }
            virtio_console_attach(c, t, m->slot[i].fd);
        }
        m->slot[i].kind = d->kind;
    }
    return 0;
}

static int virt_setup(virt_machine *m, const virt_cfg *cfg, int dump_only, char *err, size_t errlen)
{
    m->cfg = *cfg;
    m->nharts = cfg->nharts;
    uint64_t fw_lo = 0, fw_hi = 0, k_lo = 0, k_hi = 0, k_entry = 0, e;
    const char *bios = cfg->bios;
    int have_fw = !bios || strcmp(bios, "none");
    if (!dump_only) {
        m->phys = eng_phys_new(NULL);
        if (!m->phys || !(m->ram = eng_phys_add_ram(m->phys, VIRT_DRAM_BASE, cfg->ram_size, NULL))) {
            snprintf(err, errlen, "cannot allocate %llu bytes of guest RAM", (unsigned long long)cfg->ram_size);
            return -1;
        }
        if (have_fw) {
            if (!bios) {
                if (access(DEFAULT_BIOS, R_OK) != 0) {
                    snprintf(err, errlen,
                             "no firmware: the default, %s, is not installed (Debian's opensbi package); give "
                             "-bios FILE, or -bios none with -kernel",
                             DEFAULT_BIOS);
                    return -1;
                }
                bios = DEFAULT_BIOS;
            }
            if (load_image(m, "firmware", bios, VIRT_DRAM_BASE, &fw_lo, &fw_hi, &e, err, errlen) < 0)
                return -1;
            m->reset_pc = e;
            if (cfg->kernel && fw_hi > KERNEL_WITH_FW) {
                snprintf(err, errlen,
                         "firmware %s does not fit: it ends at 0x%llx, past 0x%llx where the kernel goes", bios,
                         (unsigned long long)fw_hi, (unsigned long long)KERNEL_WITH_FW);
                return -1;
            }
        } else if (!cfg->kernel) {
            snprintf(err, errlen, "nothing to run: -bios none needs -kernel FILE");
            return -1;
        }
        if (cfg->kernel) {
            if (load_image(m, "kernel", cfg->kernel, have_fw ? KERNEL_WITH_FW : VIRT_DRAM_BASE, &k_lo, &k_hi,
                           &k_entry, err, errlen) < 0)
                return -1;
            if (have_fw && overlap(fw_lo, fw_hi, k_lo, k_hi)) {
                snprintf(err, errlen, "firmware %s (0x%llx-0x%llx) and kernel %s (0x%llx-0x%llx) overlap", bios,
                         (unsigned long long)fw_lo, (unsigned long long)fw_hi, cfg->kernel,
                         (unsigned long long)k_lo, (unsigned long long)k_hi);
                return -1;
            }
            /* -bios none: QEMU's reset vector jumps to the start of RAM,
             * whatever the ELF's entry says; so do the harts here */
            if (!have_fw)
                m->reset_pc = VIRT_DRAM_BASE;
            (void)k_entry;
        }
    }
    /* the device tree and the initrd below it, high in RAM */
    virt_fdt_cfg fc = {cfg->nharts, VIRT_DRAM_BASE, cfg->ram_size, cfg->append, 0, 0};
    size_t initrd_n = 0;
    uint8_t *initrd = NULL;
    if (cfg->initrd && !(initrd = read_file(cfg->initrd, cfg->ram_size, &initrd_n, err, errlen)))
        return -1;
    /* a first build to know the size; the initrd's place depends on it */
    size_t un = 0, n0 = 0;
    uint8_t *ub = NULL;
    if (cfg->dtb && !(ub = read_file(cfg->dtb, 64 << 20, &un, err, errlen))) {
        free(initrd);
        return -1;
    }
    virt_fdt_cfg big = fc;
    big.initrd_start = big.initrd_end = initrd ? 1 : 0;
    void *probe = tree_for(cfg, ub, un, &big, &n0, err, errlen);
    uint64_t fa = 0;
    if (probe) {
        free(probe);
        fa = fdt_place(cfg, n0 + 64);
        if (initrd) {
            fc.initrd_end = fa;
            fc.initrd_start = (fa - initrd_n) & ~(uint64_t)4095;
        }
        m->fdt = tree_for(cfg, ub, un, &fc, &m->fdt_size, err, errlen);
    }
    free(ub);
    if (!m->fdt) {
        free(initrd);
        return -1;
    }
    m->fdt_addr = fa;
    if (m->fdt_addr < VIRT_DRAM_BASE || (initrd && initrd_n > m->fdt_addr - VIRT_DRAM_BASE)) {
        snprintf(err, errlen, "RAM too small (-m) for the device tree%s", initrd ? " and the initrd" : "");
        free(initrd);
        return -1;
    }
    if (dump_only) {
        free(initrd);
        return 0;
    }
    uint64_t top = k_hi > fw_hi ? k_hi : fw_hi;
    if (initrd) {
        if (fc.initrd_start < top) {
            snprintf(err, errlen, "initrd %s (%zu bytes) does not fit in RAM above the kernel (-m)", cfg->initrd,
                     initrd_n);
            free(initrd);
            return -1;
        }
        int rc = add_image(m, initrd, fc.initrd_start, initrd_n);
        free(initrd);
        if (rc < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    if (top > m->fdt_addr) {
        snprintf(err, errlen, "the images end at 0x%llx, past the device tree's place 0x%llx: give more RAM (-m)",
                 (unsigned long long)top, (unsigned long long)m->fdt_addr);
        return -1;
    }
    if (add_image(m, m->fdt, m->fdt_addr, m->fdt_size) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (virt_up(m, err, errlen) < 0)
        return -1;
    m->need_reset = 1;
    m->loaded = 1;
    return 0;
}

/* The devices on the bus and the harts, for m->cfg (RAM is there). */
static int virt_up(virt_machine *m, char *err, size_t errlen)
{
    /* devices */
    m->test = (virt_test){on_power, m};
    virt_rtc_init(&m->rtc);
    virt_plic_init(&m->plic, m->nharts, virt_irq_to_hart, m);
    virt_clint_init(&m->clint, m->nharts, virt_irq_to_hart, m);
    virt_uart_init(&m->uart, STDOUT_FILENO, &m->plic, VIRT_UART_IRQ);
    for (unsigned i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        virtio_mmio_init(&m->vio[i], m->phys, &m->plic, VIRT_VIRTIO_IRQ + i,
                         VIRT_VIRTIO_BASE + (uint64_t)i * VIRT_VIRTIO_SIZE);
        m->slot[i].fd = -1;
    }
    m->devs_up = 1;
    if (eng_phys_add_mmio(m->phys, VIRT_TEST_BASE, VIRT_TEST_SIZE, &virt_test_ops, &m->test) < 0 ||
        eng_phys_add_mmio(m->phys, VIRT_RTC_BASE, VIRT_RTC_SIZE, &virt_rtc_ops, &m->rtc) < 0 ||
        eng_phys_add_mmio(m->phys, VIRT_CLINT_BASE, VIRT_CLINT_SIZE, &virt_clint_ops, &m->clint) < 0 ||
        eng_phys_add_mmio(m->phys, VIRT_PLIC_BASE, VIRT_PLIC_SIZE, &virt_plic_ops, &m->plic) < 0 ||
        eng_phys_add_mmio(m->phys, VIRT_UART_BASE, VIRT_UART_SIZE, &virt_uart_ops, &m->uart) < 0) {
        snprintf(err, errlen, "cannot map the devices");
        return -1;
    }
    for (unsigned i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        uint64_t base = VIRT_VIRTIO_BASE + (uint64_t)i * VIRT_VIRTIO_SIZE;
        if (eng_phys_add_mmio(m->phys, base, VIRT_VIRTIO_SIZE, &virtio_mmio_ops, &m->vio[i]) < 0) {
            snprintf(err, errlen, "cannot map the virtio-mmio slots");
            return -1;
        }
    }
    if (m->cfg.vdevs && virtio_setup(m, m->cfg.vdevs, err, errlen) < 0)
        return -1;
    /* harts */
    for (unsigned h = 0; h < m->nharts; h++) {
        virt_hart *vh = aligned_alloc(64, (sizeof *vh + 63) & ~(size_t)63);
        if (!vh) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        memset(vh, 0, sizeof *vh);
        m->hart[h] = vh;
        vh->m = m;
        vh->id = h;
        if (hart_sys_init(m, vh) < 0) {
            snprintf(err, errlen, "cannot set up hart %u", h);
            return -1;
        }
    }
    return 0;
}

/* RAM as at power-on: zero, then the images; the harts at the reset pc */
static int virt_reset(virt_machine *m)
{
    m->resets++;
    /* the devices first: a network's thread writes no more into RAM */
    for (unsigned i = 0; i < VIRT_VIRTIO_COUNT; i++)
        virtio_mmio_reset(&m->vio[i]);
    /* the first time RAM is fresh: zero and not resident; later the pages
     * go back to the kernel (zero again when touched), not written */
    if (m->resets > 1 && madvise(m->ram, m->cfg.ram_size, MADV_DONTNEED) != 0)
        memset(m->ram, 0, m->cfg.ram_size);
    for (unsigned i = 0; i < m->nimg; i++)
        memcpy(m->ram + (m->img[i].addr - VIRT_DRAM_BASE), m->img[i].data, m->img[i].n);
    /* the host wrote RAM: no block decoded from it before stays */
    eng_phys_written(m->phys, VIRT_DRAM_BASE, m->cfg.ram_size);
    for (unsigned h = 0; h < m->nharts; h++)
        if (hart_reset(m, m->hart[h]) < 0) {
            fprintf(stderr, "vvm: rv64-virt: cannot reset hart %u\n", h);
            return -1;
        }
    return 0;
}

/* ---- the monitor (C-a c on the console): qemu's commands, the part built ---- */

static void mon_say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mon_say(int fd, const char *fmt, ...)
{
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof b - 1)
        n = (int)sizeof b - 1;
    /* the terminal is raw: \n starts no line by itself; one write */
    char o[2 * sizeof b];
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (b[i] == '\n')
            o[k++] = '\r';
        o[k++] = b[i];
    }
    for (size_t d = 0; d < k;) {
        ssize_t r = write(fd, o + d, k - d);
        if (r <= 0 && errno != EINTR)
            return;
        if (r > 0)
            d += (size_t)r;
    }
}

/* Waits on m's condition for 50 ms at most (m->lock held): a stop asked
 * may have gone to a run that ended before it arrived. */
static void wait_a_while(virt_machine *m)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += 50 * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&m->cond, &m->lock, &t);
}

/* Stops the harts for the monitor; 0 once their threads are joined, -1 if
 * the machine stopped for good instead. */
static int mon_pause(virt_machine *m)
{
    pthread_mutex_lock(&m->lock);
    m->mon_stop = 1;
    while (!m->parked && !m->done) {
        pthread_mutex_unlock(&m->lock);
        stop_machine(m, WHY_PAUSE, 0);  /* again after a guest reset started a new run */
        pthread_mutex_lock(&m->lock);
        if (!m->parked && !m->done) {
            wait_a_while(m);
        }
    }
    int rc = m->parked ? 0 : -1;
    if (rc < 0)
        m->mon_stop = 0;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static void mon_cont(virt_machine *m)
{
    pthread_mutex_lock(&m->lock);
    m->mon_stop = 0;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

/* ---- the gdb stub's way in (machines/virt/gdbstub.h) ---- */

static int gdb_stop(void *ctx, int *status)
{
    virt_machine *m = ctx;
    if (mon_pause(m) < 0) {
        *status = m->status;
        return -1;
    }
    return 0;
}

/* waits until the harts park after park_gen was gen (or the machine
 * ends: -1), asking them to stop when interrupt says so */
static int gdb_wait_park(virt_machine *m, uint64_t gen, int (*interrupt)(void *), void *arg, int *asked)
{
    pthread_mutex_lock(&m->lock);
    while (!(m->parked && m->park_gen != gen) && !m->done) {
        pthread_mutex_unlock(&m->lock);
        if (!*asked && interrupt(arg)) {
            *asked = 1;
            pthread_mutex_lock(&m->lock);
            m->mon_stop = 1;
            pthread_mutex_unlock(&m->lock);
            stop_machine(m, WHY_PAUSE, 0);
        }
        pthread_mutex_lock(&m->lock);
        if (!(m->parked && m->park_gen != gen) && !m->done) {
            wait_a_while(m);
        }
    }
    int rc = m->done ? -1 : 0;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int gdb_resume(void *ctx, int step, int (*interrupt)(void *), void *arg, int *status)
{
    virt_machine *m = ctx;
    pthread_mutex_lock(&m->lock);
    uint64_t gen = m->park_gen;
    m->dbg_sig = 0;
    if (step)
        m->step_req = 1;
    else
        m->mon_stop = 0;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
    int asked = 0;
    if (gdb_wait_park(m, gen, interrupt, arg, &asked) < 0) {
        *status = m->status;
        return -1;
    }
    pthread_mutex_lock(&m->lock);
    int sig = m->dbg_sig ? m->dbg_sig : step ? 5 : 2;
    pthread_mutex_unlock(&m->lock);
    return sig;
}

static void gdb_get_regs(void *ctx, uint64_t r[VIRT_GDB_NREGS])
{
    const rv_cpu *c = &VM(ctx)->hart[0]->cpu;
    for (unsigned i = 0; i < 32; i++)
        r[i] = c->x[i];
    r[32] = c->pc;
}

static void gdb_set_reg(void *ctx, unsigned n, uint64_t v)
{
    rv_cpu *c = &VM(ctx)->hart[0]->cpu;
    if (n == 32)
        c->pc = v;
    else if (n > 0 && n < 32)
        c->x[n] = v;
}

/* the host address of va's byte for the debugger: hart 0's translation
 * (for a load, else for a fetch: code the guest cannot read), n bytes at
 * most to the end of its page */
static uint8_t *gdb_host(virt_machine *m, uint64_t va, size_t *n, uint64_t *pa)
{
    eng_vcpu *v = &m->hart[0]->cpu.vcpu;
    if (eng_mmu_translate(v, va, ENG_ACC_LOAD, pa) != ENG_EXIT_NONE &&
        eng_mmu_translate(v, va, ENG_ACC_FETCH, pa) != ENG_EXIT_NONE)
        return NULL;
    size_t in_page = 4096 - (size_t)(va & 4095);
    if (*n > in_page)
        *n = in_page;
    return eng_phys_host(m->phys, *pa, *n);
}

/* n bytes at va to buf (write 0) or from it (write 1), page by page */
static int gdb_access(virt_machine *m, uint64_t va, uint8_t *buf, size_t n, int write)
{
    while (n) {
        size_t k = n;
        uint64_t pa;
        uint8_t *h = gdb_host(m, va, &k, &pa);
        if (!h)
            return -1;
        if (write) {
            memcpy(h, buf, k);
            /* translated code of those bytes goes (the harts apply it as
             * they start again) */
            eng_phys_written(m->phys, pa, k);
        } else {
            memcpy(buf, h, k);
        }
        buf += k;
        va += k;
        n -= k;
    }
    return 0;
}

static int gdb_read_mem(void *ctx, uint64_t va, void *buf, size_t n) { return gdb_access(ctx, va, buf, n, 0); }

static int gdb_write_mem(void *ctx, uint64_t va, const void *buf, size_t n)
{
    return gdb_access(ctx, va, (uint8_t *)(uintptr_t)buf, n, 1);
}

static void gdb_kill(void *ctx)
{
    virt_machine *m = ctx;
    stop_machine(m, VIRT_POWER_OFF, 0);
    mon_cont(m);
}

static void gdb_detach(void *ctx) { mon_cont(ctx); }

static void gdb_breaks_changed(void *ctx)
{
    virt_machine *m = ctx;
    eng_phys_written(m->phys, VIRT_DRAM_BASE, m->cfg.ram_size);
}

static void mon_registers(virt_machine *m, int fd)
{
    static const char mode[4] = {'U', 'S', '?', 'M'};
    for (unsigned h = 0; h < m->nharts; h++) {
        rv_cpu *c = &m->hart[h]->cpu;
        mon_say(fd, "hart %u: pc %016llx mode %c satp %016llx instret %llu\n", h, (unsigned long long)c->pc,
                mode[c->priv->priv & 3], (unsigned long long)c->mmu->satp, (unsigned long long)c->instret);
        for (unsigned r = 0; r < 32; r += 4)
            mon_say(fd, " %-4s %016llx %-4s %016llx %-4s %016llx %-4s %016llx\n", rv_xname[r],
                    (unsigned long long)c->x[r], rv_xname[r + 1], (unsigned long long)c->x[r + 1], rv_xname[r + 2],
                    (unsigned long long)c->x[r + 2], rv_xname[r + 3], (unsigned long long)c->x[r + 3]);
    }
}

static int virt_save(vvm_machine *vm, FILE *f, char *err, size_t errlen);

static void mon_migrate(virt_machine *m, const char *uri, int fd)
{
    if (strncmp(uri, "file:", 5) || !uri[5]) {
        mon_say(fd, "migrate: only file:PATH is built (a file to write the machine's state to)\n");
        return;
    }
    const char *path = uri + 5;
    if (mon_pause(m) < 0) {
        mon_say(fd, "migrate: the machine has stopped\n");
        return;
    }
    char err[512];
    FILE *f = fopen(path, "wbe");
    if (!f) {
        mon_say(fd, "migrate: %s: %s\n", path, strerror(errno));
        return;
    }
    int rc = virt_save(&m->base, f, err, sizeof err);
    long size = ftell(f);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, sizeof err, "%s", strerror(errno));
        rc = -1;
    }
    if (rc < 0) {
        mon_say(fd, "migrate: %s: %s\n", path, err);
        unlink(path);
        return;
    }
    mon_say(fd, "saved the machine to %s (%ld bytes); it is paused: cont goes on, quit ends it\n", path, size);
}

/* One command line typed to the monitor: qemu's names and meanings. */
static void virt_monitor(void *ctx, const char *line, int fd)
{
    virt_machine *m = ctx;
    char cmd[64] = "", arg[256] = "";
    if (sscanf(line, " %63s %255[^\n]", cmd, arg) < 1)
        return;
    if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
        mon_say(fd, "info status        running or paused\n"
                    "info registers     the harts' pc, mode and registers\n"
                    "stop               pause the harts\n"
                    "cont | c           go on\n"
                    "migrate file:PATH  write the machine's state to PATH (then paused);\n"
                    "                   vvm run --machine rv64-virt -incoming file:PATH goes on from it\n"
                    "system_reset       reset the machine\n"
                    "quit | q           end vvm\n");
    } else if (!strcmp(cmd, "info") && !strcmp(arg, "status")) {
        pthread_mutex_lock(&m->lock);
        int paused = m->mon_stop;
        pthread_mutex_unlock(&m->lock);
        mon_say(fd, "VM status: %s\n", paused ? "paused" : "running");
    } else if (!strcmp(cmd, "info") && !strcmp(arg, "registers")) {
        pthread_mutex_lock(&m->lock);
        int was = m->mon_stop;
        pthread_mutex_unlock(&m->lock);
        if (mon_pause(m) < 0) {
            mon_say(fd, "the machine has stopped\n");
            return;
        }
        mon_registers(m, fd);
        if (!was)
            mon_cont(m);
    } else if (!strcmp(cmd, "info")) {
        mon_say(fd, "info: status or registers\n");
    } else if (!strcmp(cmd, "stop")) {
        if (mon_pause(m) < 0)
            mon_say(fd, "the machine has stopped\n");
    } else if (!strcmp(cmd, "cont") || !strcmp(cmd, "c")) {
        mon_cont(m);
    } else if (!strcmp(cmd, "migrate")) {
        mon_migrate(m, arg, fd);
    } else if (!strcmp(cmd, "system_reset")) {
        stop_machine(m, VIRT_POWER_RESET, 0);   /* a pause gives way to it */
        mon_cont(m);
    } else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
        stop_machine(m, VIRT_POWER_OFF, 0);
        mon_cont(m);
    } else {
        mon_say(fd, "unknown command: '%s' (help lists them)\n", cmd);
    }
}

/* The console and the timer thread, at the first run. */
static int virt_start(virt_machine *m, char *err, size_t errlen)
{
    if (m->started)
        return 0;
    if (!(m->con = virt_console_start(&m->uart, on_quit, virt_monitor, m, err, errlen)))
        return -1;
    if (virt_clint_start(&m->clint) < 0) {
        virt_console_stop(m->con);
        m->con = NULL;
        snprintf(err, errlen, "cannot start the timer thread");
        return -1;
    }
    m->started = 1;
    return 0;
}

/* The machine stopped for good. */
static void virt_finish(virt_machine *m)
{
    virt_console_stop(m->con);
    m->con = NULL;
    m->exited = 1;
    eng_jit_report();
    eng_vcpu *v[VIRT_MAX_HARTS];
    for (unsigned h = 0; h < m->nharts; h++)
        v[h] = &m->hart[h]->cpu.vcpu;
    eng_tlb_report(v, m->nharts);
}

/* Runs the harts, hart 0 for budget instructions (-1: no limit), until the
 * machine stops (power-off, reset with -no-reboot, fail, quit, an error:
 * returns m->why) or the budget runs out (WHY_PAUSE, the harts' state kept
 * for the next run).  A guest reset resets and runs again unless
 * -no-reboot; the monitor's stop waits here, the harts' threads joined,
 * until cont. */
static int virt_go(virt_machine *m, int64_t budget)
{
    for (;;) {
        if (m->need_reset) {
            if (virt_reset(m) < 0) {
                m->why = -1;
                m->status = 1;
                return -1;
            }
            m->need_reset = 0;
        }
        m->budget = budget;
        pthread_mutex_lock(&m->lock);
        atomic_store(&m->stopping, 0);
        m->why = 0;
        /* paused before the harts start (-S, or stopped for the monitor or
         * a debugger): straight to the parking below; a single step runs
         * hart 0 alone for one instruction */
        int step = m->step_req;
        m->step_req = 0;
        int park_now = m->mon_stop && !step;
        if (park_now) {
            m->why = WHY_PAUSE;
            atomic_store(&m->stopping, 1);
        }
        pthread_mutex_unlock(&m->lock);
        if (step)
            m->budget = 1;
        unsigned started = 0;
        for (unsigned h = 0; !park_now && h < (step ? 1 : m->nharts); h++) {
            if (pthread_create(&m->hart[h]->thread, NULL, hart_main, m->hart[h]) != 0) {
                fprintf(stderr, "vvm: rv64-virt: cannot start hart %u's thread\n", h);
                stop_machine(m, -1, 1);
                break;
            }
            started++;
        }
        pthread_mutex_lock(&m->lock);
        while (!atomic_load(&m->stopping))
            pthread_cond_wait(&m->cond, &m->lock);
        pthread_mutex_unlock(&m->lock);
        for (unsigned h = 0; h < started; h++)
            pthread_join(m->hart[h]->thread, NULL);
        pthread_mutex_lock(&m->lock);
        if (m->why == WHY_PAUSE && (m->mon_stop || step)) {
            m->mon_stop = 1;    /* (after a step: stopped again) */
            m->parked = 1;
            m->park_gen++;
            pthread_cond_broadcast(&m->cond);
            while (m->mon_stop && m->why == WHY_PAUSE && !m->step_req)
                pthread_cond_wait(&m->cond, &m->lock);
            m->parked = 0;
            if (m->why == WHY_PAUSE) {
                pthread_mutex_unlock(&m->lock);
                continue;   /* cont, or a step */
            }
        }
        int why = m->why;
        if (why != WHY_PAUSE && (why != VIRT_POWER_RESET || m->cfg.no_reboot)) {
            m->done = 1;    /* for good: the monitor waits no more */
            pthread_cond_broadcast(&m->cond);
        }
        pthread_mutex_unlock(&m->lock);
        if (why == VIRT_POWER_RESET && !m->cfg.no_reboot) {
            m->need_reset = 1;
            continue;
        }
        return why;
    }
}

/* ---- the class ---- */

extern const vvm_machine_class virt_class;

static vvm_machine *virt_create(char *err, size_t errlen)
{
    virt_machine *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->base.cls = &virt_class;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    return &m->base;
}

static void virt_destroy(vvm_machine *vm)
{
    virt_machine *m = VM(vm);
    virt_console_stop(m->con);  /* a machine destroyed between runs */
    for (unsigned h = 0; h < m->nharts; h++)
        if (m->hart[h]) {
            if (m->hart[h]->sys)
                rv_sys_fini(&m->hart[h]->cpu);
            free(m->hart[h]);
        }
    if (m->devs_up) {
        virt_clint_fini(&m->clint);
        virt_uart_fini(&m->uart);
        virt_plic_fini(&m->plic);
        virt_rtc_fini(&m->rtc);
        for (unsigned i = 0; i < VIRT_VIRTIO_COUNT; i++) {
            if (m->slot[i].kind == VIRT_VDEV_NET)
                virtio_net_close(m->slot[i].dev);   /* its thread takes the slot's lock */
            virtio_mmio_fini(&m->vio[i]);
            if (m->slot[i].kind == VIRT_VDEV_BLK)
                virtio_blk_close(m->slot[i].dev);
            if (m->slot[i].fd >= 0)
                close(m->slot[i].fd);
            free(m->slot[i].dev);
        }
    }
    for (unsigned i = 0; i < m->nimg; i++)
        free(m->img[i].data);
    free(m->fdt);
    if (m->own_vdevs) {
        virt_vdevs_free(m->own_vdevs);
        free(m->own_vdevs);
    }
    for (unsigned i = 0; i < sizeof m->pool / sizeof m->pool[0]; i++)
        free(m->pool[i]);
    eng_phys_free(m->phys);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static int engine_tier(const char *engine, eng_tier *t)
{
    if (!engine || !*engine || !strcmp(engine, "auto"))
        *t = ENG_TIER_AUTO;
    else if (!strcmp(engine, "jit"))
        *t = ENG_TIER_JIT;     /* the translation tier translates TLB harts too */
    else if (!strcmp(engine, "interp"))
        *t = ENG_TIER_INTERP;
    else
        return -1;
    return 0;
}

static void cfg_defaults(virt_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->ram_size = UINT64_C(256) << 20;
    c->nharts = 1;
    c->tier = ENG_TIER_AUTO;
}

/* The generic interface (vvm.h): path is the kernel; argv[1..] are qemu-system-riscv64's options as `vvm run
 * --machine rv64-virt` takes them (-bios, -m, -smp, -initrd, -append,
 * -dtb, -no-reboot, ...). */
static int virt_load(vvm_machine *vm, const char *path, char *const argv[], char *const envp[], const vvm_run_opts *o,
                     char *err, size_t errlen)
{
    (void)envp;
    int argc = 0;
    while (argv && argv[argc])
        argc++;
    virt_machine *m = VM(vm);
    if (m->loaded) {
        snprintf(err, errlen, "a kernel is already loaded");
        return -1;
    }
    virt_cfg c;
    cfg_defaults(&c);
    const char *engine = o && o->engine ? o->engine : getenv("VVM_ENGINE");
    virt_given g = {0, 0};
    if (!m->own_vdevs && !(m->own_vdevs = calloc(1, sizeof *m->own_vdevs))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int pr = argc > 1 ? virt_parse(&c, argc - 1, argv + 1, &engine, &g, m->own_vdevs, err, errlen) : 0;
    if (pr != 0) {
        if (pr > 0)
            snprintf(err, errlen, "-h: vvm run --machine rv64-virt -h lists the options");
        return pr == -2 ? -1 : -2;
    }
    if (virt_vdevs_finish(m->own_vdevs, err, errlen) < 0)
        return -1;
    c.vdevs = m->own_vdevs;
    if (c.kernel || c.incoming || c.dump_dtb) {
        snprintf(err, errlen, "%s", c.kernel ? "the kernel is the path loaded, not -kernel"
                                    : c.incoming ? "-incoming: vvm_restore restores a machine"
                                                 : "--dump-dtb is vvm run's");
        return -2;
    }
    c.kernel = path;
    if (engine_tier(engine, &c.tier) < 0) {
        snprintf(err, errlen, "engine is interp, jit or auto, not '%.64s'", engine);
        return -2;
    }
    return virt_setup(m, &c, 0, err, errlen) < 0 ? -1 : 0;
}

static vvm_status virt_run(vvm_machine *vm, int64_t budget)
{
    virt_machine *m = VM(vm);
    if (m->exited)
        return VVM_EXITED;
    if (!m->loaded)
        return VVM_ERROR;
    char err[256];
    if (virt_start(m, err, sizeof err) < 0) {
        fprintf(stderr, "vvm: rv64-virt: %s\n", err);
        return VVM_ERROR;
    }
    if (virt_go(m, budget) == WHY_PAUSE)
        return VVM_BUDGET;
    virt_finish(m);
    return VVM_EXITED;
}

static int virt_exit_status(const vvm_machine *vm) { return VM(vm)->exited ? VM(vm)->status : -1; }
static uint64_t virt_instret(const vvm_machine *vm) { return VM(vm)->loaded ? VM(vm)->hart[0]->cpu.instret : 0; }

static int virt_mem_read(const vvm_machine *vm, uint64_t addr, void *buf, size_t n)
{
    virt_machine *m = VM(vm);
    void *h = m->phys ? eng_phys_host(m->phys, addr, n) : NULL;
    if (!h)
        return -1;
    memcpy(buf, h, n);
    return 0;
}

static int virt_mem_write(vvm_machine *vm, uint64_t addr, const void *buf, size_t n)
{
    virt_machine *m = VM(vm);
    void *h = m->phys ? eng_phys_host(m->phys, addr, n) : NULL;
    if (!h)
        return -1;
    memcpy(h, buf, n);
    eng_phys_written(m->phys, addr, n);
    return 0;
}

/* ---- save and restore ----
 *
 * The file: a "machine" record (RAM size, harts, the reset pc, the images
 * a reset copies in again), the images, one "hart" record per hart
 * (rv_sys_state and its interrupt lines), the devices' records, then RAM:
 * runs of pages that are not all zero, each compressed on its own with
 * zstd, a run at page UINT64_MAX ending the file.  Every record is tagged
 * and sized (machines/virt/state.c); a restore checks every value before
 * it uses it, since the file comes from outside. */

#define RAM_RUN 256                 /* pages a RAM run holds at most */

typedef struct virt_saved {
    uint64_t ram_size, reset_pc, fdt_addr;
    uint32_t nharts, nimg, no_reboot, resets;
} virt_saved;
typedef struct virt_saved_img { uint64_t addr, n; } virt_saved_img;
typedef struct virt_saved_hart { rv_sys_state s; uint64_t lines; } virt_saved_hart;
typedef struct virt_ram_run { uint64_t page; uint32_t npages, zsize; } virt_ram_run;
/* a virtio device of the configuration; its strings follow (file, serial, out) */
typedef struct virt_saved_vdev { uint32_t kind, ro, len[3]; } virt_saved_vdev;

/* The virtio devices' configuration: what a restore opens again (a disk
 * by its absolute path, a console's file to append to). */
static int save_vdevs(virt_machine *m, FILE *f)
{
    const virt_vdevs *v = m->cfg.vdevs;
    uint32_t n = v ? v->n : 0;
    if (virt_save_tag(f, "vdevs", &n, sizeof n) < 0)
        return -1;
    for (unsigned k = 0; k < n; k++) {
        const virt_vdev *d = &v->dev[k];
        char *abs = d->file ? realpath(d->file, NULL) : NULL;
        const char *str[3] = {abs ? abs : d->file, d->serial, d->out};
        virt_saved_vdev sv = {(uint32_t)d->kind, (uint32_t)d->ro, {0, 0, 0}};
        for (int i = 0; i < 3; i++)
            sv.len[i] = str[i] ? (uint32_t)strlen(str[i]) + 1 : 0;
        int bad = virt_save_tag(f, "vdev", &sv, sizeof sv) < 0;
        for (int i = 0; i < 3 && !bad; i++)
            bad = sv.len[i] && fwrite(str[i], sv.len[i], 1, f) != 1;
        free(abs);
        if (bad)
            return -1;
    }
    return 0;
}

static int load_vdevs(virt_machine *m, FILE *f, char *err, size_t errlen)
{
    uint32_t n;
    if (virt_load_tag(f, "vdevs", &n, sizeof n) < 0 || n > VIRT_VIRTIO_COUNT) {
        snprintf(err, errlen, "the virtio devices' record is missing or corrupt");
        return -1;
    }
    if (!(m->own_vdevs = calloc(1, sizeof *m->own_vdevs))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (unsigned k = 0; k < n; k++) {
        virt_saved_vdev sv;
        virt_vdev *d = &m->own_vdevs->dev[k];
        if (virt_load_tag(f, "vdev", &sv, sizeof sv) < 0 ||
            (sv.kind != VIRT_VDEV_BLK && sv.kind != VIRT_VDEV_RNG && sv.kind != VIRT_VDEV_CONSOLE)) {
            snprintf(err, errlen, "virtio device %u: its record is missing or corrupt", k);
            return -1;
        }
        char *str[3] = {NULL, NULL, NULL};
        for (int i = 0; i < 3; i++) {
            if (!sv.len[i])
                continue;
            if (sv.len[i] > 4096 || !(str[i] = m->pool[3 * k + i] = malloc(sv.len[i])) ||
                fread(str[i], sv.len[i], 1, f) != 1 || str[i][sv.len[i] - 1] || strlen(str[i]) + 1 != sv.len[i]) {
                snprintf(err, errlen, "virtio device %u: a name in its record is corrupt", k);
                return -1;
            }
        }
        if (sv.kind == VIRT_VDEV_BLK && !str[0]) {
            snprintf(err, errlen, "virtio device %u: a disk without its image's name", k);
            return -1;
        }
        d->kind = (int)sv.kind;
        d->ro = sv.ro != 0;
        d->file = str[0];
        d->serial = str[1];
        d->out = str[2];
        d->append = 1;  /* a restored console goes on writing its file */
    }
    m->own_vdevs->n = n;
    m->cfg.vdevs = m->own_vdevs;
    return 0;
}

static int page_zero(const uint8_t *p)
{
    static const uint8_t zero[4096];
    return !memcmp(p, zero, 4096);
}

static int save_ram(virt_machine *m, FILE *f)
{
    uint64_t npages = m->cfg.ram_size / 4096;
    size_t cap = ZSTD_compressBound(RAM_RUN * 4096);
    uint8_t *z = malloc(cap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    int rc = -1;
    if (!z || !cc)
        goto out;
    for (uint64_t pg = 0; pg < npages;) {
        if (page_zero(m->ram + pg * 4096)) {
            pg++;
            continue;
        }
        uint64_t end = pg + 1;
        while (end < npages && end - pg < RAM_RUN && !page_zero(m->ram + end * 4096))
            end++;
        size_t zn = ZSTD_compressCCtx(cc, z, cap, m->ram + pg * 4096, (end - pg) * 4096, 1);
        if (ZSTD_isError(zn))
            goto out;
        virt_ram_run r = {pg, (uint32_t)(end - pg), (uint32_t)zn};
        if (virt_save_tag(f, "ram", &r, sizeof r) < 0 || fwrite(z, zn, 1, f) != 1)
            goto out;
        pg = end;
    }
    virt_ram_run last = {UINT64_MAX, 0, 0};
    rc = virt_save_tag(f, "ram", &last, sizeof last);
out:
    ZSTD_freeCCtx(cc);
    free(z);
    return rc;
}

static int load_ram(virt_machine *m, FILE *f, char *err, size_t errlen)
{
    uint64_t npages = m->cfg.ram_size / 4096;
    size_t cap = ZSTD_compressBound(RAM_RUN * 4096);
    uint8_t *z = malloc(cap);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    int rc = -1;
    if (!z || !dc) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (;;) {
        virt_ram_run r;
        if (virt_load_tag(f, "ram", &r, sizeof r) < 0) {
            snprintf(err, errlen, "RAM: a run's record is missing or corrupt");
            goto out;
        }
        if (r.page == UINT64_MAX)
            break;
        if (r.npages == 0 || r.npages > RAM_RUN || r.page >= npages || r.npages > npages - r.page ||
            r.zsize == 0 || r.zsize > cap) {
            snprintf(err, errlen, "RAM: a run of %u pages at page %llu (%u bytes) does not fit the machine",
                     r.npages, (unsigned long long)r.page, r.zsize);
            goto out;
        }
        if (fread(z, r.zsize, 1, f) != 1) {
            snprintf(err, errlen, "RAM: the file ends inside a run");
            goto out;
        }
        size_t want = (size_t)r.npages * 4096;
        size_t got = ZSTD_decompressDCtx(dc, m->ram + r.page * 4096, want, z, r.zsize);
        if (ZSTD_isError(got) || got != want) {
            snprintf(err, errlen, "RAM: a run at page %llu does not decompress to its %u pages%s%s",
                     (unsigned long long)r.page, r.npages, ZSTD_isError(got) ? ": " : "",
                     ZSTD_isError(got) ? ZSTD_getErrorName(got) : "");
            goto out;
        }
    }
    eng_phys_written(m->phys, VIRT_DRAM_BASE, m->cfg.ram_size);
    rc = 0;
out:
    ZSTD_freeDCtx(dc);
    free(z);
    return rc;
}

static const char STATE_MAGIC[16] = "vvm rv64-virt\n";

/* The state of a machine whose harts do not run (between runs, or paused
 * by the monitor). */
static int virt_save(vvm_machine *vm, FILE *f, char *err, size_t errlen)
{
    virt_machine *m = VM(vm);
    if (!m->loaded || m->exited) {
        snprintf(err, errlen, "%s", m->exited ? "the machine has stopped: nothing to save" : "nothing loaded to save");
        return -1;
    }
    for (unsigned i = 0; i < VIRT_VIRTIO_COUNT; i++)
        if (m->slot[i].kind == VIRT_VDEV_NET) {
            snprintf(err, errlen, "saving a machine with a network card is not built yet (its host connections "
                                  "through slirp are not part of a state)");
            return -1;
        }
    virt_saved h = {m->cfg.ram_size, m->reset_pc, m->fdt_addr, m->nharts, m->nimg, (uint32_t)m->cfg.no_reboot,
                    m->resets};
    int bad = fwrite(STATE_MAGIC, sizeof STATE_MAGIC, 1, f) != 1 || virt_save_tag(f, "machine", &h, sizeof h) < 0;
    for (unsigned i = 0; !bad && i < m->nimg; i++) {
        virt_saved_img im = {m->img[i].addr, m->img[i].n};
        bad = virt_save_tag(f, "image", &im, sizeof im) < 0 ||
              (im.n && fwrite(m->img[i].data, im.n, 1, f) != 1);
    }
    bad = bad || save_vdevs(m, f) < 0;
    for (unsigned i = 0; !bad && i < m->nharts; i++) {
        virt_saved_hart sh;
        memset(&sh, 0, sizeof sh);
        rv_sys_get_state(&m->hart[i]->cpu, &sh.s);
        sh.lines = eng_irq_lines(&m->hart[i]->cpu.vcpu);
        bad = virt_save_tag(f, "hart", &sh, sizeof sh) < 0;
    }
    bad = bad || virt_rtc_save(&m->rtc, f) < 0 || virt_clint_save(&m->clint, f) < 0 ||
          virt_plic_save(&m->plic, f) < 0 || virt_uart_save(&m->uart, f) < 0;
    for (unsigned i = 0; !bad && i < VIRT_VIRTIO_COUNT; i++)
        bad = virtio_mmio_save(&m->vio[i], f) < 0;
    bad = bad || save_ram(m, f) < 0 || fflush(f) != 0;
    if (bad) {
        snprintf(err, errlen, "cannot write the state: %s", ferror(f) ? strerror(errno) : "out of memory");
        return -1;
    }
    return 0;
}

/* Into a machine created and not loaded: the machine the file describes,
 * as it stood (its harts run on at the next run, no reset). */
static int virt_restore(vvm_machine *vm, FILE *f, const vvm_run_opts *o, char *err, size_t errlen)
{
    virt_machine *m = VM(vm);
    if (m->loaded) {
        snprintf(err, errlen, "a machine is already loaded");
        return -1;
    }
    char magic[sizeof STATE_MAGIC];
    virt_saved h;
    if (fread(magic, sizeof magic, 1, f) != 1 || memcmp(magic, STATE_MAGIC, sizeof magic)) {
        snprintf(err, errlen, "not a saved rv64-virt machine (no 'vvm rv64-virt' header)");
        return -1;
    }
    if (virt_load_tag(f, "machine", &h, sizeof h) < 0) {
        snprintf(err, errlen, "the machine's record is missing or of another vvm version");
        return -1;
    }
    if (h.nharts < 1 || h.nharts > VIRT_MAX_HARTS || h.ram_size < (UINT64_C(16) << 20) ||
        h.ram_size > (UINT64_C(64) << 30) || h.ram_size % 4096 || h.nimg > sizeof m->img / sizeof m->img[0] ||
        (h.reset_pc & 1)) {
        snprintf(err, errlen, "the machine's record is corrupt (%u harts, %llu bytes of RAM, %u images)", h.nharts,
                 (unsigned long long)h.ram_size, h.nimg);
        return -1;
    }
    cfg_defaults(&m->cfg);
    const char *engine = o && o->engine ? o->engine : getenv("VVM_ENGINE");
    if (engine_tier(engine, &m->cfg.tier) < 0) {
        snprintf(err, errlen, "engine is interp, jit or auto, not '%.64s'", engine);
        return -1;
    }
    m->cfg.ram_size = h.ram_size;
    m->cfg.nharts = m->nharts = h.nharts;
    m->cfg.no_reboot = h.no_reboot != 0;
    m->reset_pc = h.reset_pc;
    m->fdt_addr = h.fdt_addr;
    m->phys = eng_phys_new(NULL);
    if (!m->phys || !(m->ram = eng_phys_add_ram(m->phys, VIRT_DRAM_BASE, h.ram_size, NULL))) {
        snprintf(err, errlen, "cannot allocate %llu bytes of guest RAM", (unsigned long long)h.ram_size);
        return -1;
    }
    for (unsigned i = 0; i < h.nimg; i++) {
        virt_saved_img im;
        if (virt_load_tag(f, "image", &im, sizeof im) < 0 || !in_ram(m, im.addr, im.n)) {
            snprintf(err, errlen, "image %u: its record is missing or corrupt", i);
            return -1;
        }
        /* read as it comes: a size from the file allocates no more than the file holds */
        uint8_t *d = NULL;
        size_t got = 0;
        while (got < im.n) {
            size_t k = im.n - got < (1u << 20) ? im.n - got : (1u << 20);
            uint8_t *nd = realloc(d, got + k);
            if (!nd || fread(nd + got, k, 1, f) != 1) {
                free(nd ? nd : d);
                snprintf(err, errlen, "image %u: %s", i, nd ? "the file ends inside it" : "out of memory");
                return -1;
            }
            d = nd;
            got += k;
        }
        int rc = add_image(m, d ? d : (const uint8_t *)"", im.addr, im.n);
        free(d);
        if (rc < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    if (load_vdevs(m, f, err, errlen) < 0 || virt_up(m, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < m->nharts; i++) {
        virt_saved_hart sh;
        if (virt_load_tag(f, "hart", &sh, sizeof sh) < 0) {
            snprintf(err, errlen, "hart %u: its record is missing or corrupt", i);
            return -1;
        }
        rv_cpu *c = &m->hart[i]->cpu;
        if (rv_sys_set_state(c, &sh.s, err, errlen) < 0)
            return -1;
        for (unsigned b = 0; b < 64; b++)
            if (sh.lines >> b & 1)
                eng_irq_set(&c->vcpu, b, 1);
    }
    if (virt_rtc_load(&m->rtc, f) < 0 || virt_clint_load(&m->clint, f) < 0 || virt_plic_load(&m->plic, f) < 0 ||
        virt_uart_load(&m->uart, f) < 0) {
        snprintf(err, errlen, "a device's record is missing or corrupt");
        return -1;
    }
    for (unsigned i = 0; i < VIRT_VIRTIO_COUNT; i++)
        if (virtio_mmio_load(&m->vio[i], f) < 0) {
            snprintf(err, errlen, "virtio slot %u: its record is missing or corrupt", i);
            return -1;
        }
    /* the harts' time CSR runs on from the saved mtime, as the CLINT's does */
    for (unsigned i = 0; i < m->nharts; i++)
        m->hart[i]->cpu.priv->time_origin_ns = (uint64_t)m->clint.base_ns;
    if (load_ram(m, f, err, errlen) < 0)
        return -1;
    m->resets = h.resets ? h.resets : 1;    /* a later reset makes fresh harts */
    m->need_reset = 0;
    m->loaded = 1;
    return 0;
}

/* ---- the command line: qemu-system-riscv64's options ---- */

static int parse_size(const char *s, uint64_t *out)
{
    if (!strncmp(s, "size=", 5))
        s += 5;
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    uint64_t mul = UINT64_C(1) << 20;   /* QEMU: a bare number is MiB */
    if (*end == 'K' || *end == 'k')
        mul = 1 << 10, end++;
    else if (*end == 'M' || *end == 'm')
        mul = UINT64_C(1) << 20, end++;
    else if (*end == 'G' || *end == 'g')
        mul = UINT64_C(1) << 30, end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (errno || end == s || *end || v == 0 || v > (UINT64_C(1) << 40) / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static void virt_usage(FILE *f)
{
    fprintf(f,
            "usage: vvm run --machine rv64-virt [OPTIONS]\n"
            "\n"
            "A riscv64 system like qemu-system-riscv64 -machine virt (docs/rv64-virt.md);\n"
            "qemu's options keep their meaning:\n"
            "  -m SIZE            RAM (default 256M; K, M, G; a bare number is MiB)\n"
            "  -smp N             harts (1..%d, default 1)\n"
            "  -bios FILE|none    firmware at 0x80000000 (default %s);\n"
            "                     none: the kernel runs at 0x80000000 in M mode\n"
            "  -kernel FILE       ELF (at its addresses) or flat image (0x80200000 after\n"
            "                     firmware, else 0x80000000)\n"
            "  -initrd FILE       initial ramdisk, high in RAM (/chosen linux,initrd-*)\n"
            "  -append STR        kernel command line (/chosen bootargs)\n"
            "  -dtb FILE          this device tree instead of the generated one\n"
            "  --dump-dtb OUT     write the generated device tree to OUT and exit\n"
            "  -nographic         accepted: the console is the only display\n"
            "  -no-reboot         a guest reset ends vvm (status 0)\n"
            "  -incoming file:PATH  go on from a state the monitor's migrate file:PATH saved\n"
            "  -M virt            the machine (only virt)\n"
            "  --engine interp|jit|auto   execution tier (default auto)\n"
            "  -drive file=IMG[,format=raw][,if=virtio|none][,id=ID][,readonly=on]\n"
            "                     a raw image as a virtio-blk disk (if=none: for a -device)\n"
            "  -device virtio-blk-device,drive=ID[,serial=S]   the if=none drive ID\n"
            "  -device virtio-rng-device                        entropy (host getrandom)\n"
            "  -device virtio-serial-device -device virtconsole,chardev=ID\n"
            "  -chardev file,id=ID,path=FILE                    a console into FILE (/dev/hvc1)\n"
            "  -netdev user,id=ID[,hostfwd=tcp:[HOSTADDR]:PORT-[GUESTADDR]:PORT]...\n"
            "                     user networking (libslirp: guest 10.0.2.15, host 10.0.2.2,\n"
            "                     DNS 10.0.2.3), host ports forwarded to the guest\n"
            "  -device virtio-net-device,netdev=ID[,mac=MAC]    a network card on it\n"
            "  -nic user[,hostfwd=...][,mac=MAC]                 both at once; -nic none: no network\n"
            "  -gdb tcp:[HOST]:PORT   a gdb stub on HOST (127.0.0.1) PORT; -s: -gdb tcp::1234\n"
            "  -S                     the harts wait at the start for cont (gdb's, the monitor's)\n"
            "not built yet (refused): other network backends and devices, -monitor, -gdb other than tcp\n"
            "Console: stdin/stdout; on a terminal, raw; C-a x quits, C-a c switches to the\n"
            "monitor and back (help lists its commands), C-a h helps.\n",
            VIRT_MAX_HARTS, DEFAULT_BIOS);
}

/* qemu-system-riscv64's options into c (-engine into *engine, the virtio
 * devices' into vdevs): 0, 1 for -h, or with a message in err -1 (a bad or
 * unbuilt option: status 2) or -2 (bad input: status 1). */
static int virt_parse(virt_cfg *c, int argc, char *const *argv, const char **engine, virt_given *g,
                      virt_vdevs *vdevs, char *err, size_t errlen)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *name = a;
        if (name[0] == '-' && name[1] == '-')
            name++;     /* qemu takes -opt and --opt alike */
#define ARG() \
    ({ \
        if (i + 1 >= argc) { \
            snprintf(err, errlen, "option %s needs an argument", a); \
            return -1; \
        } \
        argv[++i]; \
    })
        if (!strcmp(name, "-h") || !strcmp(name, "-help")) {
            return 1;
        } else if (!strcmp(name, "-m")) {
            const char *v = ARG();
            g->m = 1;
            if (parse_size(v, &c->ram_size) < 0 || c->ram_size < (UINT64_C(16) << 20) ||
                c->ram_size > (UINT64_C(64) << 30)) {
                snprintf(err, errlen, "-m wants a RAM size from 16M to 64G (e.g. 256M, 1G), not '%s'", v);
                return -1;
            }
            c->ram_size = (c->ram_size + 4095) & ~UINT64_C(4095);
        } else if (!strcmp(name, "-smp")) {
            const char *v = ARG(), *s = v;
            if (!strncmp(s, "cpus=", 5))
                s += 5;
            char *end;
            errno = 0;
            long n = strtol(s, &end, 10);
            if (errno || end == s || *end || n < 1 || n > VIRT_MAX_HARTS) {
                snprintf(err, errlen, "-smp wants a number of harts from 1 to %d, not '%s'", VIRT_MAX_HARTS, v);
                return -1;
            }
            c->nharts = (unsigned)n;
            g->smp = 1;
        } else if (!strcmp(name, "-bios")) {
            c->bios = ARG();
        } else if (!strcmp(name, "-kernel")) {
            c->kernel = ARG();
        } else if (!strcmp(name, "-initrd")) {
            c->initrd = ARG();
        } else if (!strcmp(name, "-append")) {
            c->append = ARG();
        } else if (!strcmp(name, "-dtb")) {
            c->dtb = ARG();
        } else if (!strcmp(name, "-incoming")) {
            c->incoming = ARG();
            if (strncmp(c->incoming, "file:", 5) || !c->incoming[5]) {
                snprintf(err, errlen, "-incoming %s: only file:PATH is built (a state the monitor's migrate "
                                "wrote)", c->incoming);
                return -1;
            }
        } else if (!strcmp(name, "-dump-dtb")) {
            c->dump_dtb = ARG();
        } else if (!strcmp(name, "-nographic")) {
            /* the console on stdio is the only mode */
        } else if (!strcmp(name, "-no-reboot")) {
            c->no_reboot = 1;
        } else if (!strcmp(name, "-M") || !strcmp(name, "-machine")) {
            const char *v = ARG();
            if (strcmp(v, "virt") && strcmp(v, "rv64-virt")) {
                snprintf(err, errlen, "-machine: only virt is built (with its default options), not '%s'", v);
                return -1;
            }
        } else if (!strcmp(name, "-engine")) {
            *engine = ARG();
        } else if (!strcmp(name, "-drive") || !strcmp(name, "-device") || !strcmp(name, "-chardev") ||
                   !strcmp(name, "-netdev") || !strcmp(name, "-nic")) {
            const char *v = ARG();
            int r = !strcmp(name, "-drive")     ? virt_opt_drive(vdevs, v, err, errlen)
                    : !strcmp(name, "-device")  ? virt_opt_device(vdevs, v, err, errlen)
                    : !strcmp(name, "-chardev") ? virt_opt_chardev(vdevs, v, err, errlen)
                    : !strcmp(name, "-netdev")  ? virt_opt_netdev(vdevs, v, err, errlen)
                                                : virt_opt_nic(vdevs, v, err, errlen);
            if (r < 0)
                return r == -2 ? -1 : -2;   /* not built yet: a bad option; bad input */
        } else if (!strcmp(name, "-monitor")) {
            const char *v = ARG();
            snprintf(err, errlen, "%s %s: %s is not built yet in rv64-virt (the monitor is on the console, C-a c)", a,
                     v, a);
            return -1;
        } else if (!strcmp(name, "-gdb")) {
            c->gdb = ARG();
        } else if (!strcmp(name, "-s")) {
            c->gdb = "tcp::1234";
        } else if (!strcmp(name, "-S")) {
            c->start_paused = 1;
        } else {
            snprintf(err, errlen, "--machine rv64-virt: unknown option '%s' (see vvm run --machine rv64-virt -h)",
                    a);
            return -1;
        }
#undef ARG
    }
    return 0;
}

/* virt_main with the virtio devices' options in vdevs (freed by the caller) */
static int virt_main_with(int argc, char **argv, const vvm_run_opts *o, virt_vdevs *vdevs)
{
    virt_cfg c;
    cfg_defaults(&c);
    c.vdevs = vdevs;
    const char *engine = o->engine;
    if (o->strace || o->trace || o->sysroot || o->argv0 || o->rlimits || o->perfmap) {
        fprintf(stderr, "vvm run: --machine rv64-virt takes none of rv64-linux's options (--strace, --trace, -L, "
                        "-0, --rlimits, --perfmap)\n");
        return 2;
    }
    virt_given g = {0, 0};
    char perr[512];
    int pr = virt_parse(&c, argc, argv, &engine, &g, vdevs, perr, sizeof perr);
    if (pr > 0) {
        virt_usage(stdout);
        return 0;
    }
    if (pr < 0) {
        fprintf(stderr, "vvm run: %s\n", perr);
        return pr == -2 ? 1 : 2;
    }
    if (!engine)
        engine = getenv("VVM_ENGINE");
    if (engine_tier(engine, &c.tier) < 0) {
        fprintf(stderr, "vvm run: %s is interp, jit or auto, not '%.64s'\n", o->engine ? "--engine" : "VVM_ENGINE",
                engine);
        return 2;
    }
    if (c.incoming && (c.bios || c.kernel || c.initrd || c.append || c.dtb || c.dump_dtb || g.smp || g.m ||
                       vdevs->ndrives || vdevs->nreq || vdevs->nchardevs || vdevs->nnetdevs || vdevs->nnics)) {
        fprintf(stderr, "vvm run: -incoming restores the machine its file describes: give none of -m, -smp, -bios, "
                        "-kernel, -initrd, -append, -dtb, -drive, -device, -chardev, -netdev, -nic, --dump-dtb with it\n");
        return 2;
    }
    char err[1024];
    if (virt_vdevs_finish(vdevs, err, sizeof err) < 0) {
        fprintf(stderr, "vvm run: %s\n", err);
        return 1;
    }
    vvm_machine *vm = virt_create(err, sizeof err);
    if (!vm) {
        fprintf(stderr, "vvm: %s\n", err);
        return 1;
    }
    virt_machine *m = VM(vm);
    int rc = 0;
    if (c.gdb && !c.dump_dtb && !(m->gdb = virt_gdb_listen(c.gdb, err, sizeof err))) {
        fprintf(stderr, "vvm: rv64-virt: %s\n", err);
        virt_destroy(vm);
        return 1;
    }
    if (c.dump_dtb) {
        if (virt_setup(m, &c, 1, err, sizeof err) < 0) {
            fprintf(stderr, "vvm: rv64-virt: %s\n", err);
            rc = 1;
        } else {
            FILE *f = fopen(c.dump_dtb, "wb");
            if (!f || fwrite(m->fdt, m->fdt_size, 1, f) != 1 || fclose(f) != 0) {
                fprintf(stderr, "vvm: --dump-dtb %s: %s\n", c.dump_dtb, strerror(errno));
                rc = 1;
            }
        }
        virt_destroy(vm);
        return rc;
    }
    if (c.incoming) {
        FILE *f = fopen(c.incoming + 5, "rbe");
        vvm_run_opts ro = *o;
        ro.engine = engine;
        if (!f) {
            fprintf(stderr, "vvm: -incoming %s: %s\n", c.incoming, strerror(errno));
            rc = 1;
        } else if (virt_restore(vm, f, &ro, err, sizeof err) < 0) {
            fprintf(stderr, "vvm: -incoming %s: %s\n", c.incoming, err);
            rc = 1;
        }
        if (f)
            fclose(f);
        if (c.no_reboot)
            m->cfg.no_reboot = 1;
    } else if (virt_setup(m, &c, 0, err, sizeof err) < 0) {
        fprintf(stderr, "vvm: rv64-virt: %s\n", err);
        rc = 1;
    }
    if (rc) {
        /* said */
    } else if (virt_start(m, err, sizeof err) < 0) {
        fprintf(stderr, "vvm: rv64-virt: %s\n", err);
        rc = 1;
    } else {
        const virt_gdb_target gt = {m,           gdb_stop,      gdb_resume, gdb_get_regs, gdb_set_reg,
                                    gdb_read_mem, gdb_write_mem, gdb_kill,   gdb_detach,   gdb_breaks_changed};
        if (m->gdb)
            eng_phys_fetch_hook(m->phys, virt_gdb_patch_fetch, m->gdb);
        if (m->gdb && virt_gdb_start(m->gdb, &gt, err, sizeof err) < 0) {
            fprintf(stderr, "vvm: rv64-virt: %s\n", err);
            rc = 1;
        } else {
            m->mon_stop = c.start_paused;
            virt_go(m, -1);
            virt_finish(m);
            rc = m->status;
        }
    }
    virt_gdb_close(m->gdb);
    m->gdb = NULL;
    virt_destroy(vm);
    return rc;
}

static int virt_main(int argc, char **argv, const vvm_run_opts *o)
{
    virt_vdevs *vdevs = calloc(1, sizeof *vdevs);
    if (!vdevs) {
        fprintf(stderr, "vvm: out of memory\n");
        return 1;
    }
    int rc = virt_main_with(argc, argv, o, vdevs);
    virt_vdevs_free(vdevs);
    free(vdevs);
    return rc;
}

const vvm_machine_class virt_class = {
    .name = "rv64-virt",
    .create = virt_create,
    .load = virt_load,
    .run = virt_run,
    .exit_status = virt_exit_status,
    .instret = virt_instret,
    .mem_read = virt_mem_read,
    .mem_write = virt_mem_write,
    .save = virt_save,
    .restore = virt_restore,
    .main = virt_main,
    .destroy = virt_destroy,
};

/* never chosen for a file: `vvm run --machine rv64-virt` names it */
static int virt_probe(const uint8_t *h, size_t n, const char *path)
{
    (void)h, (void)n, (void)path;
    return 0;
}

const vvm_vmlet vvm_rv64_virt = {
    .abi = VVM_ABI_VERSION,
    .name = "rv64-virt",
    .doc = "a riscv64 system like QEMU's virt (vvm run --machine rv64-virt): system VM: M/S/U system harts and QEMU virt's devices",
    .probe = virt_probe,
    .cls = &virt_class,
};
