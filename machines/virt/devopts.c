/* rv64-virt: qemu-system-riscv64's options for the virtio devices that are
 * built, in qemu's syntax (key=value,... with ",," a comma in a value):
 *   -drive file=IMG[,format=raw][,if=virtio|none][,id=ID][,readonly=on|off][,media=disk]
 *       if=virtio (the default) is a virtio-blk device (qemu puts a PCI
 *       one there; this machine has no PCI); if=none waits for a -device
 *   -device virtio-blk-device,drive=ID[,serial=S][,id=X]
 *   -device virtio-rng-device[,id=X]
 *   -device virtio-serial-device[,id=X]   then at most one
 *   -device virtconsole,chardev=ID[,id=X]  (its port; /dev/hvc1 in Linux)
 *   -chardev file,id=ID,path=F[,append=on|off]
 * Devices take the slots from the last one down, -device ones in their
 * order, then the if=virtio drives (qemu's order).  Anything else is
 * refused: bad input with status 1 (qemu's), what is not built yet with
 * status 2. */
#include <stdlib.h>
#include <string.h>

#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"

#define MAX_KV 16

typedef struct kv {
    char *buf;
    unsigned n;
    char *key[MAX_KV], *val[MAX_KV];    /* val NULL: a bare word */
} kv;

/* Splits arg at single commas (",," is a comma); 0 or -1 (too many). */
static int kv_split(kv *o, const char *arg)
{
    size_t len = strlen(arg);
    o->buf = malloc(len + 1);
    o->n = 0;
    if (!o->buf)
        return -1;
    char *w = o->buf, *start = w;
    for (size_t i = 0;; i++) {
        if (arg[i] == ',' && arg[i + 1] == ',') {
            *w++ = ',';
            i++;
            continue;
        }
        if (arg[i] == ',' || arg[i] == 0) {
            *w++ = 0;
            if (o->n == MAX_KV)
                return -1;
            char *eq = strchr(start, '=');
            o->key[o->n] = start;
            o->val[o->n] = NULL;
            if (eq) {
                *eq = 0;
                o->val[o->n] = eq + 1;
            }
            o->n++;
            start = w;
            if (arg[i] == 0)
                break;
            continue;
        }
        *w++ = arg[i];
    }
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    if (!v || !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true"))
        *out = 1;
    else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false"))
        *out = 0;
    else
        return -1;
    return 0;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

int virt_opt_drive(virt_vdevs *v, const char *arg, char *err, size_t errlen)
{
    kv o;
    int rc = -1;
    if (kv_split(&o, arg) < 0) {
        snprintf(err, errlen, "-drive %s: too many parameters", arg);
        goto out;
    }
    if (v->ndrives == VIRT_MAX_DRIVES) {
        snprintf(err, errlen, "-drive %s: more than %d drives", arg, VIRT_MAX_DRIVES);
        goto out;
    }
    const char *file = NULL, *id = NULL;
    int ro = 0, virtio = 1;
    for (unsigned i = 0; i < o.n; i++) {
        const char *k = o.key[i], *val = o.val[i];
        if (!val) {
            snprintf(err, errlen, "-drive %s: '%s' is not key=value", arg, k);
            goto out;
        }
        if (!strcmp(k, "file"))
            file = val;
        else if (!strcmp(k, "id"))
            id = val;
        else if (!strcmp(k, "format")) {
            if (strcmp(val, "raw")) {
                snprintf(err, errlen, "-drive %s: format=%s: only raw images are built", arg, val);
                goto out;
            }
        } else if (!strcmp(k, "if")) {
            if (!strcmp(val, "virtio"))
                virtio = 1;
            else if (!strcmp(val, "none"))
                virtio = 0;
            else {
                snprintf(err, errlen, "-drive %s: if=%s: this machine has if=virtio and if=none", arg, val);
                goto out;
            }
        } else if (!strcmp(k, "readonly")) {
            if (parse_bool(val, &ro) < 0) {
                snprintf(err, errlen, "-drive %s: readonly=%s: on or off", arg, val);
                goto out;
            }
        } else if (!strcmp(k, "media")) {
            if (strcmp(val, "disk")) {
                snprintf(err, errlen, "-drive %s: media=%s: only disk", arg, val);
                goto out;
            }
        } else {
            snprintf(err, errlen, "-drive %s: unknown parameter '%s' (known: file, format, if, id, readonly, media)",
                     arg, k);
            goto out;
        }
    }
    if (!file || !*file) {
        snprintf(err, errlen, "-drive %s: no file=IMAGE", arg);
        goto out;
    }
    if (!virtio && !id) {
        snprintf(err, errlen, "-drive %s: if=none needs an id= for a -device to name", arg);
        goto out;
    }
    for (unsigned i = 0; id && i < v->ndrives; i++)
        if (v->drive[i].id && !strcmp(v->drive[i].id, id)) {
            snprintf(err, errlen, "-drive %s: a drive with id %s exists already", arg, id);
            goto out;
        }
    v->drive[v->ndrives].file = strdup(file);
    v->drive[v->ndrives].id = dup_or_null(id);
    v->drive[v->ndrives].ro = ro;
    v->drive[v->ndrives].virtio = virtio;
    v->ndrives++;
    rc = 0;
out:
    free(o.buf);
    return rc;
}

int virt_opt_chardev(virt_vdevs *v, const char *arg, char *err, size_t errlen)
{
    kv o;
    int rc = -1;
    if (kv_split(&o, arg) < 0) {
        snprintf(err, errlen, "-chardev %s: too many parameters", arg);
        goto out;
    }
    if (o.val[0] || strcmp(o.key[0], "file")) {
        snprintf(err, errlen, "-chardev %s: the %s backend is not built yet (only file)", arg, o.key[0]);
        rc = -2;
        goto out;
    }
    if (v->nchardevs == VIRT_MAX_DRIVES) {
        snprintf(err, errlen, "-chardev %s: more than %d", arg, VIRT_MAX_DRIVES);
        goto out;
    }
    const char *id = NULL, *path = NULL;
    int append = 0;
    for (unsigned i = 1; i < o.n; i++) {
        const char *k = o.key[i], *val = o.val[i];
        if (val && !strcmp(k, "id"))
            id = val;
        else if (val && !strcmp(k, "path"))
            path = val;
        else if (!strcmp(k, "append")) {
            if (parse_bool(val, &append) < 0) {
                snprintf(err, errlen, "-chardev %s: append=%s: on or off", arg, val);
                goto out;
            }
        } else {
            snprintf(err, errlen, "-chardev %s: unknown parameter '%s' (known: id, path, append)", arg, k);
            goto out;
        }
    }
    if (!id || !*id || !path || !*path) {
        snprintf(err, errlen, "-chardev %s: file needs id= and path=", arg);
        goto out;
    }
    for (unsigned i = 0; i < v->nchardevs; i++)
        if (!strcmp(v->chardev[i].id, id)) {
            snprintf(err, errlen, "-chardev %s: a chardev with id %s exists already", arg, id);
            goto out;
        }
    v->chardev[v->nchardevs].id = strdup(id);
    v->chardev[v->nchardevs].path = strdup(path);
    v->chardev[v->nchardevs].append = append;
    v->nchardevs++;
    rc = 0;
out:
    free(o.buf);
    return rc;
}

int virt_opt_device(virt_vdevs *v, const char *arg, char *err, size_t errlen)
{
    kv o;
    int rc = -1;
    if (kv_split(&o, arg) < 0) {
        snprintf(err, errlen, "-device %s: too many parameters", arg);
        goto out;
    }
    const char *drv = o.key[0];
    if (o.val[0]) {
        snprintf(err, errlen, "-device %s: the device's name comes first", arg);
        goto out;
    }
    int kind;
    const char *allowed;    /* the parameters it takes besides id */
    if (!strcmp(drv, "virtio-blk-device"))
        kind = VIRT_VDEV_BLK, allowed = "drive serial";
    else if (!strcmp(drv, "virtio-rng-device"))
        kind = VIRT_VDEV_RNG, allowed = "";
    else if (!strcmp(drv, "virtio-serial-device"))
        kind = VIRT_VDEV_CONSOLE, allowed = "";
    else if (!strcmp(drv, "virtconsole"))
        kind = 0, allowed = "chardev";
    else if (!strcmp(drv, "virtio-net-device") || !strcmp(drv, "virtserialport") || !strncmp(drv, "virtio-", 7)) {
        snprintf(err, errlen, "-device %s: %s is not built yet in rv64-virt (built: virtio-blk-device, "
                 "virtio-rng-device, virtio-serial-device with one virtconsole)", arg, drv);
        rc = -2;
        goto out;
    } else {
        snprintf(err, errlen, "-device %s: '%s' is not a device of this machine (built: virtio-blk-device, "
                 "virtio-rng-device, virtio-serial-device, virtconsole)", arg, drv);
        goto out;
    }
    const char *drive = NULL, *serial = NULL, *chardev = NULL;
    for (unsigned i = 1; i < o.n; i++) {
        const char *k = o.key[i], *val = o.val[i];
        int known = !strcmp(k, "id");
        for (const char *p = allowed; !known && *p;) {
            size_t l = strcspn(p, " ");
            known = strlen(k) == l && !strncmp(p, k, l);
            p += l + (p[l] == ' ');
        }
        if (!known || !val) {
            snprintf(err, errlen, "-device %s: %s parameter '%s' (known: id%s%s)", arg, known ? "no value for" : "unknown",
                     k, *allowed ? " " : "", allowed);
            goto out;
        }
        if (!strcmp(k, "drive"))
            drive = val;
        else if (!strcmp(k, "serial"))
            serial = val;
        else if (!strcmp(k, "chardev"))
            chardev = val;
    }
    if (kind == VIRT_VDEV_BLK && !drive) {
        snprintf(err, errlen, "-device %s: needs drive=ID (a -drive if=none,id=ID)", arg);
        goto out;
    }
    if (kind == 0) {
        /* a port of the last virtio-serial-device */
        int s = -1;
        for (unsigned i = 0; i < v->nreq; i++)
            if (v->req[i].kind == VIRT_VDEV_CONSOLE)
                s = (int)i;
        if (s < 0) {
            snprintf(err, errlen, "-device %s: no virtio-serial-device before it to put the port on", arg);
            goto out;
        }
        if (v->req[s].has_port) {
            snprintf(err, errlen, "-device %s: a second port on a virtio-serial-device is not built yet "
                     "(MULTIPORT)", arg);
            rc = -2;
            goto out;
        }
        if (!chardev) {
            snprintf(err, errlen, "-device %s: needs chardev=ID (a -chardev file,id=ID,path=FILE)", arg);
            goto out;
        }
        v->req[s].has_port = 1;
        v->req[s].chardev = strdup(chardev);
        rc = 0;
        goto out;
    }
    if (v->nreq == VIRT_MAX_DRIVES) {
        snprintf(err, errlen, "-device %s: too many devices", arg);
        goto out;
    }
    v->req[v->nreq].kind = kind;
    v->req[v->nreq].drive = dup_or_null(drive);
    v->req[v->nreq].serial = dup_or_null(serial);
    v->nreq++;
    rc = 0;
out:
    free(o.buf);
    return rc;
}

static int add_dev(virt_vdevs *v, const virt_vdev *d, char *err, size_t errlen)
{
    if (v->n == VIRT_VIRTIO_COUNT) {
        snprintf(err, errlen, "more than %d virtio devices (the machine's virtio-mmio slots)", VIRT_VIRTIO_COUNT);
        return -1;
    }
    v->dev[v->n++] = *d;
    return 0;
}

int virt_vdevs_finish(virt_vdevs *v, char *err, size_t errlen)
{
    v->n = 0;
    for (unsigned i = 0; i < v->nreq; i++) {
        virt_vdev d = {.kind = v->req[i].kind, .serial = v->req[i].serial};
        if (d.kind == VIRT_VDEV_BLK) {
            unsigned k = 0;
            while (k < v->ndrives && !(v->drive[k].id && !strcmp(v->drive[k].id, v->req[i].drive)))
                k++;
            if (k == v->ndrives) {
                snprintf(err, errlen, "-device virtio-blk-device,drive=%s: no -drive with id=%s", v->req[i].drive,
                         v->req[i].drive);
                return -1;
            }
            if (v->drive[k].virtio || v->drive[k].used) {
                snprintf(err, errlen, "-device virtio-blk-device,drive=%s: drive %s is in use already%s",
                         v->req[i].drive, v->req[i].drive, v->drive[k].virtio ? " (if=virtio; give if=none)" : "");
                return -1;
            }
            v->drive[k].used = 1;
            d.file = v->drive[k].file;
            d.ro = v->drive[k].ro;
        } else if (d.kind == VIRT_VDEV_CONSOLE && v->req[i].chardev) {
            unsigned k = 0;
            while (k < v->nchardevs && strcmp(v->chardev[k].id, v->req[i].chardev))
                k++;
            if (k == v->nchardevs) {
                snprintf(err, errlen, "-device virtconsole,chardev=%s: no -chardev with id=%s", v->req[i].chardev,
                         v->req[i].chardev);
                return -1;
            }
            d.out = v->chardev[k].path;
            d.append = v->chardev[k].append;
        }
        if (add_dev(v, &d, err, errlen) < 0)
            return -1;
    }
    for (unsigned k = 0; k < v->ndrives; k++)
        if (v->drive[k].virtio) {
            virt_vdev d = {.kind = VIRT_VDEV_BLK, .file = v->drive[k].file, .ro = v->drive[k].ro};
            if (add_dev(v, &d, err, errlen) < 0)
                return -1;
        }
    return 0;
}

void virt_vdevs_free(virt_vdevs *v)
{
    for (unsigned i = 0; i < v->ndrives; i++) {
        free(v->drive[i].file);
        free(v->drive[i].id);
    }
    for (unsigned i = 0; i < v->nchardevs; i++) {
        free(v->chardev[i].id);
        free(v->chardev[i].path);
    }
    for (unsigned i = 0; i < v->nreq; i++) {
        free(v->req[i].drive);
        free(v->req[i].serial);
        free(v->req[i].chardev);
    }
    memset(v, 0, sizeof *v);
}
