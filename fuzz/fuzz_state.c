/* libFuzzer target: rv64-virt's restore (vvm_restore: machines/rv64_virt.c's
 * virt_restore and the devices' loads) on a state file that comes from
 * outside.  A valid state is made once (a 16M machine running a loop, saved
 * on a budget); an input is either a whole file (first byte even) or that
 * valid state with the input's bytes XORed in at an offset the input picks,
 * optionally cut short (first byte odd), so that the fuzzer reaches past
 * the header into the harts, the devices and the zstd runs.  Checks: a
 * refused restore says why; an accepted one gives a machine whose memory
 * reads and whose destroy are clean.  Any read outside a buffer, leak or
 * crash is an ASan/UBSan report. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/vvm/vvm.h"

static char *valid;
static size_t valid_n;

static void make_valid(void)
{
    char path[] = "/tmp/vvm-fuzz-state-XXXXXX", err[256];
    int fd = mkstemp(path);
    assert(fd >= 0);
    /* addi a0, a0, 1; sd a0, 64(zero)... keep it simple: a loop that counts in a0 */
    static const uint32_t code[] = {0x00150513, 0xffdff06f};   /* addi a0,a0,1; j -4 */
    assert(write(fd, code, sizeof code) == (ssize_t)sizeof code);
    close(fd);
    vvm *m = vvm_create("rv64-virt", err, sizeof err);
    char *const args[] = {"kernel", "-bios", "none", "-m", "16M", "-smp", "2", NULL};
    assert(m && vvm_load(m, path, 7, args, NULL, err, sizeof err) == 0);
    unlink(path);
    assert(vvm_run(m, 5000) == VVM_BUDGET);
    FILE *f = open_memstream(&valid, &valid_n);
    assert(f && vvm_save(m, f, err, sizeof err) == 0);
    fclose(f);
    vvm_destroy(m);
}

static void try_restore(const void *b, size_t n)
{
    char err[256] = "";
    vvm *m = vvm_create("rv64-virt", err, sizeof err);
    assert(m);
    FILE *f = fmemopen((void *)b, n ? n : 1, "rb");
    assert(f);
    if (n == 0)
        fgetc(f);   /* an empty file */
    if (vvm_restore(m, f, err, sizeof err) < 0) {
        assert(err[0]);
    } else {
        uint8_t w[8];
        assert(vvm_read(m, 0x80000000u, w, sizeof w) == 0);
    }
    fclose(f);
    vvm_destroy(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!valid)
        make_valid();
    if (size == 0 || !(data[0] & 1)) {
        try_restore(data, size);
        return 0;
    }
    if (size < 5)
        return 0;
    char *b = malloc(valid_n);
    memcpy(b, valid, valid_n);
    size_t off = ((size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16) % valid_n;
    size_t n = valid_n;
    if (data[4] & 1)
        n = off + (size_t)data[4] * 7 % (valid_n - off + 1);
    for (size_t i = 5; i < size && off + i - 5 < valid_n; i++)
        b[off + i - 5] ^= (char)data[i];
    try_restore(b, n);
    free(b);
    return 0;
}
