/* rv64-virt: the NS16550A UART at 0x10000000 (PLIC source 10).  Byte
 * registers (offset, DLAB = LCR bit 7):
 *   0 RBR (read) / THR (write) / DLL (DLAB)     1 IER / DLM (DLAB)
 *   2 IIR (read) / FCR (write)                  3 LCR     4 MCR
 *   5 LSR    6 MSR    7 SCR
 * THR bytes go to the output at once (the transmitter is always empty:
 * LSR THRE and TEMT stay set).  Received bytes wait in a FIFO; LSR DR says
 * there is one.  Interrupts (IER): 1 received data, 2 THR empty (pending
 * from the IER write or the last THR write until IIR reports it), 4
 * line status (never: no errors).  MCR loopback (bit 4) sends THR bytes
 * back to RBR.  The interrupt line goes to the PLIC. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "machines/virt/virt.h"

#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IER_RDI 0x01
#define IER_THRI 0x02

void virt_uart_init(virt_uart *u, int out_fd, virt_plic *plic, unsigned irq)
{
    pthread_mutex_init(&u->lock, NULL);
    memset(&u->s, 0, sizeof u->s);
    u->out_fd = out_fd;
    u->plic = plic;
    u->irq = irq;
}

void virt_uart_fini(virt_uart *u) { pthread_mutex_destroy(&u->lock); }

/* the IIR value: the highest pending interrupt (lock held) */
static uint8_t iir(virt_uart *u)
{
    uint8_t fifo = u->s.fcr & 1 ? 0xc0 : 0;
    if ((u->s.ier & IER_RDI) && u->s.rx_count)
        return fifo | 0x04;
    if ((u->s.ier & IER_THRI) && u->s.thr_ipending)
        return fifo | 0x02;
    return fifo | 0x01;
}

static void update(virt_uart *u)
{
    if (u->plic)
        virt_plic_set(u->plic, u->irq, !(iir(u) & 1));
}

static void push(virt_uart *u, uint8_t b)
{
    if (u->s.rx_count < VIRT_UART_FIFO) {
        u->s.rx[(u->s.rx_head + u->s.rx_count) % VIRT_UART_FIFO] = b;
        u->s.rx_count++;
    }
}

size_t virt_uart_input(virt_uart *u, const uint8_t *buf, size_t n)
{
    pthread_mutex_lock(&u->lock);
    size_t i = 0;
    for (; i < n && u->s.rx_count < VIRT_UART_FIFO; i++)
        push(u, buf[i]);
    update(u);
    pthread_mutex_unlock(&u->lock);
    return i;
}

size_t virt_uart_room(virt_uart *u)
{
    pthread_mutex_lock(&u->lock);
    size_t r = VIRT_UART_FIFO - u->s.rx_count;
    pthread_mutex_unlock(&u->lock);
    return r;
}

static void out(virt_uart *u, uint8_t b)
{
    if (u->out_fd < 0)
        return;
    for (;;) {
        ssize_t w = write(u->out_fd, &b, 1);
        if (w == 1 || (w < 0 && errno != EINTR && errno != EAGAIN))
            return;
    }
}

static int uart_read(void *arg, uint64_t off, unsigned size, uint64_t *val)
{
    virt_uart *u = arg;
    if (size != 1)
        return -1;
    uint8_t v = 0;
    pthread_mutex_lock(&u->lock);
    int dlab = u->s.lcr & 0x80;
    switch (off) {
    case 0:
        if (dlab)
            v = u->s.dll;
        else if (u->s.rx_count) {
            v = u->s.rx[u->s.rx_head];
            u->s.rx_head = (uint16_t)((u->s.rx_head + 1) % VIRT_UART_FIFO);
            u->s.rx_count--;
        }
        break;
    case 1: v = dlab ? u->s.dlm : u->s.ier; break;
    case 2:
        v = iir(u);
        if ((v & 0x0f) == 0x02)
            u->s.thr_ipending = 0;
        break;
    case 3: v = u->s.lcr; break;
    case 4: v = u->s.mcr; break;
    case 5: v = LSR_THRE | LSR_TEMT | (u->s.rx_count ? LSR_DR : 0); break;
    case 6:
        /* CTS, DSR, DCD asserted (loopback: from MCR) */
        v = u->s.mcr & 0x10 ? (uint8_t)((u->s.mcr & 0x0f) << 4) : 0xb0;
        break;
    case 7: v = u->s.scr; break;
    default: break;
    }
    update(u);
    pthread_mutex_unlock(&u->lock);
    *val = v;
    return 0;
}

static int uart_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    virt_uart *u = arg;
    if (size != 1)
        return -1;
    uint8_t v = (uint8_t)val;
    pthread_mutex_lock(&u->lock);
    int dlab = u->s.lcr & 0x80;
    switch (off) {
    case 0:
        if (dlab)
            u->s.dll = v;
        else {
            if (u->s.mcr & 0x10)
                push(u, v);
            else
                out(u, v);
            u->s.thr_ipending = 1;
        }
        break;
    case 1:
        if (dlab)
            u->s.dlm = v;
        else {
            if ((v & IER_THRI) && !(u->s.ier & IER_THRI))
                u->s.thr_ipending = 1;
            u->s.ier = v & 0x0f;
        }
        break;
    case 2:
        u->s.fcr = v & 0xc9;
        if (v & 2) {    /* clear the receive FIFO */
            u->s.rx_head = 0;
            u->s.rx_count = 0;
        }
        break;
    case 3: u->s.lcr = v; break;
    case 4: u->s.mcr = v & 0x1f; break;
    case 7: u->s.scr = v; break;
    default: break;
    }
    update(u);
    pthread_mutex_unlock(&u->lock);
    return 0;
}

int virt_uart_save(virt_uart *u, FILE *f)
{
    pthread_mutex_lock(&u->lock);
    int rc = virt_save_tag(f, "uart", &u->s, sizeof u->s);
    pthread_mutex_unlock(&u->lock);
    return rc;
}

int virt_uart_load(virt_uart *u, FILE *f)
{
    pthread_mutex_lock(&u->lock);
    virt_uart_state st;
    int rc = virt_load_tag(f, "uart", &st, sizeof st);
    if (rc == 0 && (st.rx_head >= VIRT_UART_FIFO || st.rx_count > VIRT_UART_FIFO))
        rc = -1;    /* from a file: nothing out of the FIFO */
    if (rc == 0) {
        u->s = st;
        update(u);
    }
    pthread_mutex_unlock(&u->lock);
    return rc;
}

const eng_mmio_ops virt_uart_ops = {uart_read, uart_write};
