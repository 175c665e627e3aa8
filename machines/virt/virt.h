/* rv64-virt's devices: each one a part with its own state struct, MMIO
 * callbacks (engine/mmu.h's eng_mmio_ops) and save/load functions, at the
 * addresses QEMU's virt machine gives it (docs/rv64-virt.md).
 *
 * A device never calls the engine to raise an interrupt: it calls the
 * machine's virt_irq_fn (ctx, hart, bit, level), bit as in RISC-V's mip
 * (VIRT_MIP_*).  Devices with an interrupt line (UART, RTC) raise it
 * through the PLIC (virt_plic_set), which drives MEIP/SEIP through the
 * same callback.  Every device has its own lock: harts on their own host
 * threads reach it concurrently.
 *
 * save writes a device's state (a tag, a version, the fields), load reads
 * it back into a device set up with the same configuration (0, or -1). */
#ifndef VVM_MACHINES_VIRT_H
#define VVM_MACHINES_VIRT_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/mmu.h"

/* QEMU virt's memory map (the part built) */
#define VIRT_TEST_BASE 0x100000u
#define VIRT_TEST_SIZE 0x1000u
#define VIRT_RTC_BASE 0x101000u
#define VIRT_RTC_SIZE 0x1000u
#define VIRT_CLINT_BASE 0x2000000u
#define VIRT_CLINT_SIZE 0x10000u
#define VIRT_PLIC_BASE 0xc000000u
#define VIRT_PLIC_SIZE 0x600000u
#define VIRT_UART_BASE 0x10000000u
#define VIRT_UART_SIZE 0x100u
#define VIRT_DRAM_BASE UINT64_C(0x80000000)

#define VIRT_UART_IRQ 10
#define VIRT_RTC_IRQ 11
#define VIRT_PLIC_NSRC 96           /* sources 1..95 ("riscv,ndev" 95) */
#define VIRT_MAX_HARTS 64
#define VIRT_TIMEBASE 10000000u     /* mtime ticks per second */
#define VIRT_UART_CLOCK 3686400u

/* mip bits */
enum { VIRT_MIP_SSIP = 1, VIRT_MIP_MSIP = 3, VIRT_MIP_STIP = 5, VIRT_MIP_MTIP = 7, VIRT_MIP_SEIP = 9, VIRT_MIP_MEIP = 11 };

/* How a device raises or lowers interrupt `bit` (VIRT_MIP_*) of a hart. */
typedef void (*virt_irq_fn)(void *ctx, unsigned hart, unsigned bit, int level);

int virt_save_tag(FILE *f, const char *tag, const void *state, size_t n);
int virt_load_tag(FILE *f, const char *tag, void *state, size_t n);

/* ---- sifive,test0 (power-off, reset, fail) ---- */
typedef struct virt_test {
    /* the machine's: called from the writing hart's thread */
    void (*power)(void *ctx, int what, unsigned code);
    void *ctx;
} virt_test;
enum { VIRT_POWER_OFF, VIRT_POWER_RESET, VIRT_POWER_FAIL };
extern const eng_mmio_ops virt_test_ops;

/* ---- google,goldfish-rtc (host time, CLOCK_REALTIME) ---- */
typedef struct virt_rtc_state {
    uint32_t time_high;     /* latched by a TIME_LOW read */
    uint32_t alarm_low, alarm_high, irq_enabled, alarm_running, irq_pending;
} virt_rtc_state;
typedef struct virt_rtc {
    pthread_mutex_t lock;
    virt_rtc_state s;
    int64_t offset_ns;      /* guest time = host realtime + offset (TIME writes) */
} virt_rtc;
void virt_rtc_init(virt_rtc *r);
void virt_rtc_fini(virt_rtc *r);
int virt_rtc_save(virt_rtc *r, FILE *f);
int virt_rtc_load(virt_rtc *r, FILE *f);
extern const eng_mmio_ops virt_rtc_ops;

/* ---- the PLIC ---- */
typedef struct virt_plic_state {
    uint32_t priority[VIRT_PLIC_NSRC];
    uint32_t pending[VIRT_PLIC_NSRC / 32];
    uint32_t claimed[VIRT_PLIC_NSRC / 32];     /* claimed, not completed */
    uint32_t level[VIRT_PLIC_NSRC / 32];       /* the sources' lines */
    uint32_t enable[2 * VIRT_MAX_HARTS][VIRT_PLIC_NSRC / 32];
    uint32_t threshold[2 * VIRT_MAX_HARTS];
    uint8_t eip[2 * VIRT_MAX_HARTS];           /* the level given to each context's hart */
} virt_plic_state;
typedef struct virt_plic {
    pthread_mutex_t lock;
    unsigned nharts;        /* contexts: 2*hart (M), 2*hart+1 (S) */
    virt_irq_fn irq;
    void *ctx;
    virt_plic_state s;
} virt_plic;
void virt_plic_init(virt_plic *p, unsigned nharts, virt_irq_fn irq, void *ctx);
void virt_plic_fini(virt_plic *p);
/* A source's line (level-triggered). */
void virt_plic_set(virt_plic *p, unsigned src, int level);
int virt_plic_save(virt_plic *p, FILE *f);
int virt_plic_load(virt_plic *p, FILE *f);
extern const eng_mmio_ops virt_plic_ops;

/* ---- the CLINT (ACLINT MSWI + MTIMER) ---- */
typedef struct virt_clint_state {
    uint32_t msip[VIRT_MAX_HARTS];
    uint64_t mtimecmp[VIRT_MAX_HARTS];
    uint64_t mtime_at_save;
} virt_clint_state;
typedef struct virt_clint {
    pthread_mutex_t lock;
    pthread_cond_t cond;    /* wakes the timer thread: a compare changed, or stop */
    pthread_t thread;
    int running, stop;
    unsigned nharts;
    virt_irq_fn irq;
    void *ctx;
    int64_t base_ns;        /* CLOCK_MONOTONIC at mtime 0 */
    uint8_t mtip[VIRT_MAX_HARTS];
    virt_clint_state s;
} virt_clint;
int virt_clint_init(virt_clint *c, unsigned nharts, virt_irq_fn irq, void *ctx);
/* Starts and stops the timer thread (MTIP on time). */
int virt_clint_start(virt_clint *c);
void virt_clint_fini(virt_clint *c);
uint64_t virt_clint_mtime(virt_clint *c);
int virt_clint_save(virt_clint *c, FILE *f);
int virt_clint_load(virt_clint *c, FILE *f);
extern const eng_mmio_ops virt_clint_ops;

/* ---- NS16550A UART ---- */
#define VIRT_UART_FIFO 256
typedef struct virt_uart_state {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr, lsr_extra;
    uint8_t thr_ipending;   /* THR-empty interrupt pending (until IIR read or THR write) */
    uint16_t rx_head, rx_count;
    uint8_t rx[VIRT_UART_FIFO];
} virt_uart_state;
typedef struct virt_uart {
    pthread_mutex_t lock;
    int out_fd;             /* where THR bytes go (stdout) */
    virt_plic *plic;
    unsigned irq;
    virt_uart_state s;
} virt_uart;
void virt_uart_init(virt_uart *u, int out_fd, virt_plic *plic, unsigned irq);
void virt_uart_fini(virt_uart *u);
/* Bytes from the console; returns how many the FIFO took. */
size_t virt_uart_input(virt_uart *u, const uint8_t *buf, size_t n);
/* Room in the receive FIFO. */
size_t virt_uart_room(virt_uart *u);
int virt_uart_save(virt_uart *u, FILE *f);
int virt_uart_load(virt_uart *u, FILE *f);
extern const eng_mmio_ops virt_uart_ops;

/* ---- the console: the terminal (raw, Ctrl-A x quits) or stdin as it is ---- */
typedef struct virt_console virt_console;
/* quit: called when the user types Ctrl-A x; monitor: runs a line typed
 * to the monitor (Ctrl-A c switches to it and back), writing its answer to
 * fd; both get ctx. */
typedef void (*virt_monitor_fn)(void *ctx, const char *line, int fd);
virt_console *virt_console_start(virt_uart *u, void (*quit)(void *ctx), virt_monitor_fn monitor, void *ctx, char *err,
                                 size_t errlen);
void virt_console_stop(virt_console *c);

/* ---- the device tree ---- */
typedef struct virt_fdt_cfg {
    unsigned nharts;
    uint64_t ram_base, ram_size;
    const char *bootargs;           /* NULL: none */
    uint64_t initrd_start, initrd_end;  /* end 0: none */
} virt_fdt_cfg;
/* The generated tree (malloc'ed), its size in *n; NULL with err. */
void *virt_fdt_build(const virt_fdt_cfg *c, size_t *n, char *err, size_t errlen);
/* A user's tree (-dtb): checked in full, then /chosen given bootargs and
 * the initrd when c says so; a malloc'ed copy, or NULL with err naming
 * what is wrong. */
void *virt_fdt_user(const void *blob, size_t len, const virt_fdt_cfg *c, size_t *n, char *err, size_t errlen);
/* the riscv,isa string the harts announce (the privileged ISA's engineer
 * updates it with what is implemented) */
#define VIRT_RISCV_ISA "rv64imafdc_zicsr_zifencei_zba_zbb_zbs"
#define VIRT_MMU_TYPE "riscv,sv57"

#endif
