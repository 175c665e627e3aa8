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
 *   -netdev user,id=ID[,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...
 *   -device virtio-net-device,netdev=ID[,mac=MAC][,id=X]
 *   -nic user[,id=ID][,hostfwd=...]...[,mac=MAC][,model=virtio-net-device]
 *       (a -netdev user and its virtio-net-device); -nic none: no network
 * Devices take the slots from the last one down, -device and -nic ones in
 * their order, then the if=virtio drives (qemu's order).  A -netdev no
 * device uses is refused.  Anything else is
 * refused: bad input with status 1 (qemu's), what is not built yet with
 * status 2. */
#include <arpa/inet.h>
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
static int parse_mac(const char *s, uint8_t mac[6]);

/* the next device request (the caller checked there is room); mac NULL: the default */
static void add_req(virt_vdevs *v, int kind, const char *drive, const char *serial, const char *netdev,
                    const uint8_t *mac)
{
    v->req[v->nreq].kind = kind;
    v->req[v->nreq].drive = dup_or_null(drive);
    v->req[v->nreq].serial = dup_or_null(serial);
    v->req[v->nreq].netdev = dup_or_null(netdev);
    if (mac) {
        v->req[v->nreq].has_mac = 1;
        memcpy(v->req[v->nreq].mac, mac, 6);
    }
    v->nreq++;
}

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
    else if (!strcmp(drv, "virtio-net-device"))
        kind = VIRT_VDEV_NET, allowed = "netdev mac";
    else if (!strcmp(drv, "virtserialport") || !strncmp(drv, "virtio-", 7)) {
        snprintf(err, errlen, "-device %s: %s is not built yet in rv64-virt (built: virtio-blk-device, "
                 "virtio-rng-device, virtio-serial-device with one virtconsole, virtio-net-device)", arg, drv);
        rc = -2;
        goto out;
    } else {
        snprintf(err, errlen, "-device %s: '%s' is not a device of this machine (built: virtio-blk-device, "
                 "virtio-rng-device, virtio-serial-device, virtconsole, virtio-net-device)", arg, drv);
        goto out;
    }
    const char *drive = NULL, *serial = NULL, *chardev = NULL, *netdev = NULL, *mac = NULL;
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
        else if (!strcmp(k, "netdev"))
            netdev = val;
        else if (!strcmp(k, "mac"))
            mac = val;
    }
    if (kind == VIRT_VDEV_BLK && !drive) {
        snprintf(err, errlen, "-device %s: needs drive=ID (a -drive if=none,id=ID)", arg);
        goto out;
    }
    if (kind == VIRT_VDEV_NET && !netdev) {
        snprintf(err, errlen, "-device %s: needs netdev=ID (a -netdev user,id=ID)", arg);
        goto out;
    }
    uint8_t mac_b[6];
    if (mac && parse_mac(mac, mac_b) < 0) {
        snprintf(err, errlen, "-device %s: mac=%s: not a unicast MAC address like 52:54:00:12:34:56", arg, mac);
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
    add_req(v, kind, drive, serial, netdev, mac ? mac_b : NULL);
    rc = 0;
out:
    free(o.buf);
    return rc;
}

/* ---- networks: -netdev user, -nic ---- */

/* "52:54:00:12:34:56", unicast; 0 or -1 */
static int parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int d = 0; d < 2; d++, s++) {
            char c = *s;
            int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (x < 0)
                return -1;
            v = v * 16 + (unsigned)x;
        }
        mac[i] = (uint8_t)v;
        if (*s != (i == 5 ? 0 : ':'))
            return -1;
        if (i < 5)
            s++;
    }
    return mac[0] & 1 ? -1 : 0;
}

/* a port: 1..65535 in decimal */
static int parse_port(const char *s, size_t n, uint16_t *port)
{
    unsigned long v = 0;
    if (n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

/* an IPv4 address (empty: 0) */
static int parse_ip4(const char *s, size_t n, uint32_t *a)
{
    char buf[INET_ADDRSTRLEN];
    struct in_addr in;
    if (n == 0) {
        *a = 0;
        return 0;
    }
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (inet_pton(AF_INET, buf, &in) != 1)
        return -1;
    *a = ntohl(in.s_addr);
    return 0;
}

/* qemu's hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static int parse_hostfwd(const char *s, virt_hostfwd *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->text, sizeof f->text, "%s", s);
    const char *c = strchr(s, ':');
    if (!c)
        return -1;
    if (c - s == 3 && !strncmp(s, "udp", 3))
        f->udp = 1;
    else if (!(c == s || (c - s == 3 && !strncmp(s, "tcp", 3))))
        return -1;
    const char *h = c + 1, *dash = strchr(h, '-');
    if (!dash)
        return -1;
    const char *hc = memchr(h, ':', (size_t)(dash - h)), *g = dash + 1, *gc = strchr(g, ':');
    if (!hc || !gc || strchr(gc + 1, ':'))
        return -1;
    if (parse_ip4(h, (size_t)(hc - h), &f->host_addr) < 0 ||
        parse_port(hc + 1, (size_t)(dash - hc - 1), &f->host_port) < 0 ||
        parse_ip4(g, (size_t)(gc - g), &f->guest_addr) < 0 || parse_port(gc + 1, strlen(gc + 1), &f->guest_port) < 0)
        return -1;
    return 0;
}

/* -netdev user's parameters that are qemu's but not built here */
static const char *const user_unbuilt[] = {
    "net", "host", "dns", "ipv4", "ipv6", "ipv6-net", "ipv6-host", "ipv6-dns", "ipv6-prefix", "ipv6-prefixlen",
    "restrict", "hostname", "dhcpstart", "tftp", "tftp-server-name", "bootfile", "smb", "smbserver", "guestfwd",
    "dnssearch", "domainname", "ipv6-dnssearch", NULL,
};
/* qemu's other network backends */
static const char *const net_unbuilt[] = {
    "tap", "bridge", "socket", "stream", "dgram", "vde", "l2tpv3", "vhost-user", "vhost-vdpa", "hubport", "netmap",
    "af-xdp", "vmnet-host", "vmnet-shared", "vmnet-bridged", NULL,
};

static int in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (!strcmp(*l, s))
            return 1;
    return 0;
}

/* -netdev (nic 0) or -nic (nic 1): a user network; for -nic, the device too */
static int opt_net(virt_vdevs *v, const char *opt, const char *arg, int nic, char *err, size_t errlen)
{
    kv o;
    int rc = -1;
    if (kv_split(&o, arg) < 0) {
        snprintf(err, errlen, "%s %s: too many parameters", opt, arg);
        goto out;
    }
    const char *type = o.key[0];
    if (o.val[0] || !*type) {
        snprintf(err, errlen, "%s %s: the backend's name comes first (user)", opt, arg);
        goto out;
    }
    if (nic && !strcmp(type, "none")) {
        if (o.n > 1) {
            snprintf(err, errlen, "%s %s: none takes no parameters", opt, arg);
            goto out;
        }
        rc = 0;     /* no network: the machine has none unless asked */
        goto out;
    }
    if (strcmp(type, "user")) {
        int unbuilt = in_list(net_unbuilt, type);
        snprintf(err, errlen, "%s %s: %s the %s backend (built: user%s)", opt, arg,
                 unbuilt ? "not built yet in rv64-virt:" : "unknown network backend:", type, nic ? ", none" : "");
        rc = unbuilt ? -2 : -1;
        goto out;
    }
    if (v->nnetdevs == VIRT_MAX_DRIVES || (nic && v->nreq == VIRT_MAX_DRIVES)) {
        snprintf(err, errlen, "%s %s: too many networks", opt, arg);
        goto out;
    }
    virt_netdev *nd = &v->netdev[v->nnetdevs];
    memset(nd, 0, sizeof *nd);
    const char *id = NULL, *mac = NULL;
    uint8_t mac_b[6];
    for (unsigned i = 1; i < o.n; i++) {
        const char *k = o.key[i], *val = o.val[i];
        if (!val) {
            snprintf(err, errlen, "%s %s: '%s' is not key=value", opt, arg, k);
            goto out;
        }
        if (!strcmp(k, "id"))
            id = val;
        else if (!strcmp(k, "hostfwd")) {
            if (nd->nfwd == VIRT_MAX_HOSTFWD) {
                snprintf(err, errlen, "%s %s: more than %d hostfwd rules", opt, arg, VIRT_MAX_HOSTFWD);
                goto out;
            }
            if (parse_hostfwd(val, &nd->fwd[nd->nfwd]) < 0) {
                snprintf(err, errlen, "%s %s: bad hostfwd=%s: want [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT "
                         "(IPv4 addresses, ports 1-65535)", opt, arg, val);
                goto out;
            }
            nd->nfwd++;
        } else if (nic && !strcmp(k, "mac")) {
            if (parse_mac(val, mac_b) < 0) {
                snprintf(err, errlen, "%s %s: mac=%s: not a unicast MAC address like 52:54:00:12:34:56", opt, arg, val);
                goto out;
            }
            mac = val;
        } else if (nic && !strcmp(k, "model")) {
            if (strcmp(val, "virtio-net-device")) {
                snprintf(err, errlen, "%s %s: model=%s is not built yet in rv64-virt (built: virtio-net-device; "
                         "the machine has no PCI)", opt, arg, val);
                rc = -2;
                goto out;
            }
        } else if (in_list(user_unbuilt, k)) {
            snprintf(err, errlen, "%s %s: the user backend's %s= is not built yet in rv64-virt (built: id, hostfwd%s; "
                     "qemu's defaults hold: guest 10.0.2.15, host 10.0.2.2, DNS 10.0.2.3)", opt, arg, k,
                     nic ? ", mac, model" : "");
            rc = -2;
            goto out;
        } else {
            snprintf(err, errlen, "%s %s: unknown parameter '%s' (known: id, hostfwd%s)", opt, arg, k,
                     nic ? ", mac, model" : "");
            goto out;
        }
    }
    char auto_id[32];
    if (!id && nic) {
        snprintf(auto_id, sizeof auto_id, "__nic%u", v->nnics);
        id = auto_id;
    }
    if (!id || !*id) {
        snprintf(err, errlen, "%s %s: needs id=ID (for -device virtio-net-device,netdev=ID)", opt, arg);
        goto out;
    }
    for (unsigned i = 0; i < v->nnetdevs; i++)
        if (!strcmp(v->netdev[i].id, id)) {
            snprintf(err, errlen, "%s %s: a network with id %s exists already", opt, arg, id);
            goto out;
        }
    nd->id = strdup(id);
    nd->nic = nic;
    v->nnetdevs++;
    if (nic) {
        v->nnics++;
        add_req(v, VIRT_VDEV_NET, NULL, NULL, id, mac ? mac_b : NULL);
    }
    rc = 0;
out:
    free(o.buf);
    return rc;
}

int virt_opt_netdev(virt_vdevs *v, const char *arg, char *err, size_t errlen)
{
    return opt_net(v, "-netdev", arg, 0, err, errlen);
}

int virt_opt_nic(virt_vdevs *v, const char *arg, char *err, size_t errlen)
{
    return opt_net(v, "-nic", arg, 1, err, errlen);
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
    unsigned nmac = 0;
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
        } else if (d.kind == VIRT_VDEV_NET) {
            unsigned k = 0;
            while (k < v->nnetdevs && strcmp(v->netdev[k].id, v->req[i].netdev))
                k++;
            if (k == v->nnetdevs) {
                snprintf(err, errlen, "-device virtio-net-device,netdev=%s: no -netdev with id=%s", v->req[i].netdev,
                         v->req[i].netdev);
                return -1;
            }
            if (v->netdev[k].used) {
                snprintf(err, errlen, "-device virtio-net-device,netdev=%s: network %s is in use already",
                         v->req[i].netdev, v->req[i].netdev);
                return -1;
            }
            v->netdev[k].used = 1;
            d.net = &v->netdev[k];
            /* qemu's default MACs: 52:54:00:12:34:56, then 57, ... */
            static const uint8_t base_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
            memcpy(d.mac, v->req[i].has_mac ? v->req[i].mac : base_mac, 6);
            if (!v->req[i].has_mac)
                d.mac[5] = (uint8_t)(d.mac[5] + nmac++);
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
    for (unsigned k = 0; k < v->nnetdevs; k++)
        if (!v->netdev[k].used) {
            snprintf(err, errlen, "-netdev user,id=%s: no device uses it (-device virtio-net-device,netdev=%s)",
                     v->netdev[k].id, v->netdev[k].id);
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
        free(v->req[i].netdev);
    }
    for (unsigned i = 0; i < v->nnetdevs; i++)
        free(v->netdev[i].id);
    memset(v, 0, sizeof *v);
}
