/* vml: the meta VM's life cycle, errors, printing, evaluation, load, REPL.
 *
 * Errors are raised with longjmp to the innermost Handler (set up by guard,
 * by the top level of eval/load, and by the embedding API).  An error object
 * records its message, irritants, the source position of the instruction
 * that raised it and a backtrace. */
#include "meta/vm/vml.h"
#include "meta/sexp.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STACK_VALUES (4u << 20)      /* 64 MB of address space, touched as used */
#define MAX_FRAMES (1u << 20)

/* ---- source files ---- */
uint16_t vml_file_id(VM *vm, const char *name)
{
    if (!name)
        name = "?";
    for (int i = 1; i <= vm->nfiles; i++)
        if (!strcmp(vm->files[i], name))
            return (uint16_t)i;
    if (vm->nfiles + 1 >= VML_MAX_FILES)
        return 0;
    char *c = strdup(name);
    if (!c)
        return 0;
    vm->files[++vm->nfiles] = c;
    return (uint16_t)vm->nfiles;
}

/* ---- positions and backtraces ---- */
char *vml_where(VM *vm, Frame *f, const uint64_t *pc, char *buf, size_t n)
{
    Proto *p = f->cl->p;
    size_t i = pc && pc > p->code ? (size_t)(pc - p->code) - 1 : 0;
    uint32_t pos = i < p->ncode ? p->lines[i] : p->pos;
    snprintf(buf, n, "%s:%u:%u", vm->files[p->file] ? vm->files[p->file] : "?", pos >> 12, pos & 4095);
    return buf;
}

static void trace_into(VM *vm, char *out, size_t n)
{
    size_t at = 0;
    out[0] = 0;
    int shown = 0;
    for (int i = vm->nframes - 1; i >= 0 && at + 1 < n; i--) {
        if (shown == 12 && i > 4) {
            at += (size_t)snprintf(out + at, n - at, "  ... %d more frames ...\n", i - 3);
            i = 3;
            if (at >= n)
                break;
        }
        Frame *f = &vm->frames[i];
        char w[200];
        Proto *p = f->cl->p;
        at += (size_t)snprintf(out + at, n - at, "  at %s (%s)\n",
                               p->name.t == T_SYM ? AS(Sym, p->name)->name : p->toplevel ? "top level" : "(anonymous)",
                               vml_where(vm, f, f->pc, w, sizeof w));
        shown++;
        if (at >= n)
            break;
    }
}

V vml_make_error(VM *vm, V msg, V irritants)
{
    VML_ROOT(vm, msg);
    VML_ROOT(vm, irritants);
    Err *e = vml_alloc(vm, T_ERR, sizeof *e);
    e->msg = msg;
    e->irritants = irritants;
    e->where = e->trace = e->payload = VFALSE;
    V ev = vobj(e);
    VML_ROOT(vm, ev);
    if (vm->nframes > 0) {
        char w[256];
        Frame *f = &vm->frames[vm->nframes - 1];
        vml_where(vm, f, f->pc, w, sizeof w);
        V ws = vml_cstr(vm, w);
        e->where = ws;
        char *t = malloc(4096);
        if (t) {
            trace_into(vm, t, 4096);
            V ts = vml_cstr(vm, t);
            e->trace = ts;
            free(t);
        }
    }
    VML_UNROOT(vm, 3);
    return ev;
}

static void note_raise_site(VM *vm, V obj)
{
    if (obj.t != T_ERR) {
        vm->raise_where[0] = 0;
        vm->raise_trace[0] = 0;
        if (vm->nframes > 0) {
            Frame *f = &vm->frames[vm->nframes - 1];
            vml_where(vm, f, f->pc, vm->raise_where, sizeof vm->raise_where);
            trace_into(vm, vm->raise_trace, sizeof vm->raise_trace);
        }
    }
}

/* Calls with-exception-handler's procedure of h where the raise happens,
 * with the handlers outside h current (a raise in it goes outward). */
static V call_handler(VM *vm, Handler *h, V obj)
{
    VML_ROOT(vm, obj);
    vm->handler = h->prev;
    V r = vml_apply(vm, h->proc, 1, &obj);
    VML_UNROOT(vm, 1);
    return r;
}

_Noreturn void vml_raise(VM *vm, V obj)
{
    note_raise_site(vm, obj);
    Handler *h = vm->handler;
    while (h && h->proc.t != T_FALSE && vm->exit_requested)   /* exit passes the handlers by */
        h = h->prev;
    if (h && h->proc.t != T_FALSE) {
        call_handler(vm, h, obj);
        vml_error(vm, vml_list(vm, 1, obj), "handler returned from a non-continuable raise");
    }
    if (!h) {
        fprintf(stderr, "vvm: meta VM error with no handler\n");
        vml_print_error(vm, obj, stderr);
        abort();
    }
    h->value = obj;
    longjmp(h->jb, 1);
}

V vml_raise_continuable(VM *vm, V obj)
{
    Handler *h = vm->handler;
    if (!h || h->proc.t == T_FALSE || vm->exit_requested)
        vml_raise(vm, obj);
    V r = call_handler(vm, h, obj);
    vm->handler = h;
    return r;
}

_Noreturn void vml_error(VM *vm, V irritants, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    VML_ROOT(vm, irritants);
    /* if the heap is exhausted, report without allocating more */
    int was_off = vm->gc_off;
    vm->gc_off = 1;
    size_t save_max = vm->max_bytes;
    vm->max_bytes = (size_t)-1;
    V msg = vml_cstr(vm, buf);
    VML_ROOT(vm, msg);
    V e = vml_make_error(vm, msg, irritants);
    vm->max_bytes = save_max;
    vm->gc_off = was_off;
    VML_UNROOT(vm, 2);
    vml_raise(vm, e);
}

const char *vml_typename(V v)
{
    static const char *names[] = {"()", "boolean", "boolean", "integer", "real", "character", "unspecified",
                                  "eof", "unbound", "pair", "string", "symbol", "vector", "bytevector",
                                  "hash-table", "record-type", "record", "procedure", "primitive",
                                  "prototype", "box", "error", "port"};
    return v.t < T_NTAGS ? names[v.t] : "?";
}

_Noreturn void vml_type_error(VM *vm, const char *who, const char *want, V got)
{
    char buf[128];
    vml_error(vm, VNIL, "%s: expected %s, got %s %s", who, want, vml_typename(got),
              vml_tostring(vm, got, 0, buf, sizeof buf));
}

/* ---- printing ---- */
/* Printed text: in a buffer, written out to f (if set) as it fills, up to
 * limit bytes in all. */
typedef struct sb { char *s; size_t n, cap, limit, flushed; FILE *f; } sb;
#define SB_FLUSH 65536
static inline size_t sb_len(const sb *b) { return b->flushed + b->n; }

static void sput(sb *b, const char *s, size_t n)
{
    if (sb_len(b) >= b->limit)
        return;
    if (b->f && b->n + n > SB_FLUSH) {
        fwrite(b->s, 1, b->n, b->f);
        b->flushed += b->n;
        b->n = 0;
        if (n > SB_FLUSH) {
            fwrite(s, 1, n, b->f);
            b->flushed += n;
            return;
        }
    }
    if (b->n + n + 1 > b->cap) {
        size_t nc = (b->n + n + 1) * 2;
        char *p = realloc(b->s, nc);
        if (!p)
            return;
        b->s = p;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}
static void sputs(sb *b, const char *s) { sput(b, s, strlen(s)); }

static void utf8_put(sb *b, uint32_t c)
{
    char u[4];
    size_t n;
    if (c < 0x80) { u[0] = (char)c; n = 1; }
    else if (c < 0x800) { u[0] = (char)(0xC0 | c >> 6); u[1] = (char)(0x80 | (c & 63)); n = 2; }
    else if (c < 0x10000) { u[0] = (char)(0xE0 | c >> 12); u[1] = (char)(0x80 | (c >> 6 & 63)); u[2] = (char)(0x80 | (c & 63)); n = 3; }
    else { u[0] = (char)(0xF0 | c >> 18); u[1] = (char)(0x80 | (c >> 12 & 63)); u[2] = (char)(0x80 | (c >> 6 & 63)); u[3] = (char)(0x80 | (c & 63)); n = 4; }
    sput(b, u, n);
}

void vml_format_double(double d, char *buf, size_t n)
{
    if (d != d) { snprintf(buf, n, "+nan.0"); return; }
    if (d == 1.0 / 0.0) { snprintf(buf, n, "+inf.0"); return; }
    if (d == -1.0 / 0.0) { snprintf(buf, n, "-inf.0"); return; }
    snprintf(buf, n, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, n, "%.17g", d);
    if (!strpbrk(buf, ".en"))
        strncat(buf, ".0", n - strlen(buf) - 1);
}

static void print(VM *vm, sb *b, V v, int display, int depth)
{
    char tmp[64];
    /* Shared structure can make the text exponentially long: stop at the
     * length limit, and at an interrupt (which the VM then raises). */
    if (vm->interrupt)
        b->limit = sb_len(b);
    if (sb_len(b) >= b->limit)
        return;
    if (depth > 200) {
        sputs(b, "...");
        return;
    }
    switch (v.t) {
    case T_NIL: sputs(b, "()"); break;
    case T_FALSE: sputs(b, "#f"); break;
    case T_TRUE: sputs(b, "#t"); break;
    case T_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)v.i); sputs(b, tmp); break;
    case T_FLO: vml_format_double(v.d, tmp, sizeof tmp); sputs(b, tmp); break;
    case T_CHAR:
        if (display) {
            utf8_put(b, (uint32_t)v.i);
        } else {
            static const struct { uint32_t c; const char *n; } names[] = {
                {' ', "space"}, {'\n', "newline"}, {'\t', "tab"}, {'\r', "return"}, {0, "nul"}, {127, "delete"}, {27, "escape"}};
            sputs(b, "#\\");
            for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                if (names[i].c == v.i) {
                    sputs(b, names[i].n);
                    return;
                }
            if (v.i < 32) {
                snprintf(tmp, sizeof tmp, "x%x", (unsigned)v.i);
                sputs(b, tmp);
            } else {
                utf8_put(b, (uint32_t)v.i);
            }
        }
        break;
    case T_UNSPEC: sputs(b, "#<unspecified>"); break;
    case T_EOF: sputs(b, "#<eof>"); break;
    case T_UNBOUND: sputs(b, "#<unbound>"); break;
    case T_PAIR: {
        V h = CAR(v);
        if (h.t == T_SYM && CDR(v).t == T_PAIR && CDR(CDR(v)).t == T_NIL) {
            const char *pfx = h.o == &vm->s_quote->h ? "'" : h.o == &vm->s_quasiquote->h ? "`"
                            : h.o == &vm->s_unquote->h ? "," : h.o == &vm->s_unquote_splicing->h ? ",@" : NULL;
            if (pfx) {
                sputs(b, pfx);
                print(vm, b, CAR(CDR(v)), display, depth + 1);
                break;
            }
        }
        sputs(b, "(");
        size_t count = 0;
        for (;;) {
            print(vm, b, CAR(v), display, depth + 1);
            v = CDR(v);
            if (v.t != T_PAIR || sb_len(b) >= b->limit)
                break;
            if (++count > 100000) {
                sputs(b, " ...");
                v = VNIL;
                break;
            }
            sputs(b, " ");
        }
        if (v.t != T_NIL) {
            sputs(b, " . ");
            print(vm, b, v, display, depth + 1);
        }
        sputs(b, ")");
        break;
    }
    case T_STR: {
        Str *s = AS(Str, v);
        if (display) {
            sput(b, s->s, s->len);
            break;
        }
        sputs(b, "\"");
        for (size_t i = 0; i < s->len; i++) {
            char c = s->s[i];
            if (c == '"') sputs(b, "\\\"");
            else if (c == '\\') sputs(b, "\\\\");
            else if (c == '\n') sputs(b, "\\n");
            else if (c == '\t') sputs(b, "\\t");
            else if (c == '\r') sputs(b, "\\r");
            else sput(b, &c, 1);
        }
        sputs(b, "\"");
        break;
    }
    case T_SYM: sputs(b, AS(Sym, v)->name); break;
    case T_VEC: {
        Vec *x = AS(Vec, v);
        sputs(b, "#(");
        for (size_t i = 0; i < x->n && sb_len(b) < b->limit; i++) {
            if (i)
                sputs(b, " ");
            print(vm, b, x->v[i], display, depth + 1);
        }
        sputs(b, ")");
        break;
    }
    case T_BVEC: {
        Bvec *x = AS(Bvec, v);
        sputs(b, "#u8(");
        for (size_t i = 0; i < x->n && sb_len(b) < b->limit; i++) {
            snprintf(tmp, sizeof tmp, "%s%u", i ? " " : "", x->b[i]);
            sputs(b, tmp);
        }
        sputs(b, ")");
        break;
    }
    case T_HASH: snprintf(tmp, sizeof tmp, "#<hash-table %zu>", AS(Hash, v)->count); sputs(b, tmp); break;
    case T_RTYPE: sputs(b, "#<record-type "); print(vm, b, AS(Rtype, v)->name, 1, depth + 1); sputs(b, ">"); break;
    case T_REC: {
        Rec *r = AS(Rec, v);
        sputs(b, "#<");
        print(vm, b, r->rt->name, 1, depth + 1);
        for (size_t i = 0; i < r->n; i++) {
            sputs(b, " ");
            print(vm, b, r->f[i], display, depth + 1);
        }
        sputs(b, ">");
        break;
    }
    case T_CLO: {
        Proto *p = AS(Clo, v)->p;
        sputs(b, "#<procedure ");
        sputs(b, p->name.t == T_SYM ? AS(Sym, p->name)->name : "(anonymous)");
        sputs(b, ">");
        break;
    }
    case T_PRIM: sputs(b, "#<primitive "); sputs(b, AS(Prim, v)->name); sputs(b, ">"); break;
    case T_PROTO: sputs(b, "#<prototype>"); break;
    case T_BOX: sputs(b, "#<box>"); break;
    case T_ERR: {
        Err *e = AS(Err, v);
        if (!display)
            sputs(b, "#<error ");
        print(vm, b, e->msg, 1, depth + 1);
        for (V p = e->irritants; p.t == T_PAIR; p = CDR(p)) {
            sputs(b, " ");
            print(vm, b, CAR(p), 0, depth + 1);
        }
        if (!display)
            sputs(b, ">");
        break;
    }
    case T_PORT: sputs(b, "#<port>"); break;
    default: sputs(b, "#<?>"); break;
    }
}

void vml_write(VM *vm, FILE *f, V v, int display)
{
    sb b = {NULL, 0, 0, (size_t)1 << 30, 0, f};
    print(vm, &b, v, display, 0);
    if (b.s)
        fwrite(b.s, 1, b.n, f);
    free(b.s);
}

char *vml_tostring(VM *vm, V v, int display, char *buf, size_t n)
{
    sb b = {NULL, 0, 0, n, 0, NULL};
    print(vm, &b, v, display, 0);
    snprintf(buf, n, "%s", b.s ? b.s : "");
    if (b.n >= n && n > 4)
        strcpy(buf + n - 4, "...");
    free(b.s);
    return buf;
}

/* The text and the string made of it each take at most half the room left
 * under the heap limit. */
V vml_tostring_value(VM *vm, V v, int display)
{
    size_t room = vml_heap_room(vm) / 2;
    sb b = {NULL, 0, 0, room < ((size_t)1 << 30) ? room : (size_t)1 << 30, 0, NULL};
    print(vm, &b, v, display, 0);
    if (b.n >= b.limit && !vm->interrupt) {
        free(b.s);
        vml_error(vm, VNIL, "out of memory (heap limit %zu MB)", vm->max_bytes >> 20);
    }
    V s = vml_str(vm, b.s ? b.s : "", b.n);
    free(b.s);
    return s;
}

void vml_print_error(VM *vm, V err, FILE *f)
{
    char msg[900];
    vml_tostring(vm, err, 1, msg, sizeof msg);
    if (err.t == T_ERR && AS(Err, err)->where.t == T_STR)
        snprintf(vm->last_error, sizeof vm->last_error, "%s: %s", AS(Str, AS(Err, err)->where)->s, msg);
    else
        snprintf(vm->last_error, sizeof vm->last_error, "%s", msg);
    if (vm->quiet)
        return;
    if (err.t == T_ERR) {
        Err *e = AS(Err, err);
        fputs("error: ", f);
        vml_write(vm, f, err, 1);
        fputc('\n', f);
        if (e->where.t == T_STR)
            fprintf(f, "  at %s\n", AS(Str, e->where)->s);
        if (e->trace.t == T_STR && AS(Str, e->trace)->len) {
            fputs("backtrace:\n", f);
            fputs(AS(Str, e->trace)->s, f);
        }
    } else {
        fputs("error: uncaught exception: ", f);
        vml_write(vm, f, err, 0);
        fputc('\n', f);
        if (vm->raise_where[0])
            fprintf(f, "  at %s\n", vm->raise_where);
        if (vm->raise_trace[0])
            fprintf(f, "backtrace:\n%s", vm->raise_trace);
    }
    fflush(f);
}

/* ---- protected calls ---- */

/* Runs the after thunks of the dynamic-winds being left (the caller has
 * already restored frames, stack and roots to those of handler h). */
static void vml_unwind_to(VM *vm, Handler *h)
{
    while (vm->winds.t == T_PAIR && vm->winds.o != h->winds.o) {
        V w = CAR(vm->winds);
        vm->winds = CDR(vm->winds);
        V after = CDR(w);
        vml_apply(vm, after, 0, NULL);
    }
}

V vml_unwind_catching(VM *vm, Handler *h, V e, int report)
{
    VML_ROOT(vm, e);
    for (;;) {
        Handler h2;
        HANDLER_ENTER(vm, h2);
        if (setjmp(h2.jb) == 0) {
            vml_unwind_to(vm, h);
            vm->handler = h2.prev;
            break;
        }
        vml_handler_restore(vm, &h2);
        e = h2.value;
        if (report && !vm->exit_requested) {
            fflush(stdout);
            vml_print_error(vm, e, stderr);
        }
    }
    VML_UNROOT(vm, 1);
    return e;
}

void vml_handler_restore(VM *vm, Handler *h)
{
    vm->handler = h->prev;
    vm->nframes = h->nframes;
    vm->top = h->top;
    vm->ncroots = h->ncroots;
    vm->cdepth = h->cdepth;
}

V vml_protected_apply(VM *vm, V fn, int argc, V *argv, int *ok)
{
    Handler h;
    HANDLER_ENTER(vm, h);
    if (setjmp(h.jb) == 0) {
        V r = vml_apply(vm, fn, argc, argv);
        vm->handler = h.prev;
        *ok = 1;
        return r;
    }
    vml_handler_restore(vm, &h);
    *ok = 0;
    return vml_unwind_catching(vm, &h, h.value, 0);
}

/* Runs one top-level form; 0, or -1 after printing the error (then the
 * after thunks of the dynamic-winds it leaves run, and their errors are
 * printed too). */
static int run_form(VM *vm, V form, uint16_t file, uint32_t pos, V *result)
{
    Handler h;
    HANDLER_ENTER(vm, h);
    if (setjmp(h.jb) == 0) {
        V clo = vml_compile_toplevel_at(vm, form, file, pos);
        V r = vml_apply(vm, clo, 0, NULL);
        vm->handler = h.prev;
        if (result)
            *result = r;
        return 0;
    }
    vml_handler_restore(vm, &h);
    if (!vm->exit_requested) {
        fflush(stdout);
        vml_print_error(vm, h.value, stderr);
    }
    vml_unwind_catching(vm, &h, h.value, 1);
    return -1;
}

int vml_eval_string(VM *vm, const char *file, const char *src, size_t len, V *result)
{
    sx_reader r;
    const char *fname = vm->files[vml_file_id(vm, file ? file : "<string>")];
    sx_reader_init(&r, fname, src, len);
    if (len >= 2 && src[0] == '#' && src[1] == '!') {   /* #!/usr/bin/env vvm */
        while (r.pos < len && src[r.pos] != '\n')
            r.pos++;
    }
    V last = VUNSPEC;
    VML_ROOT(vm, last);
    for (;;) {
        sx *x = NULL;
        int rc = vml_sx_read(vm, &r, &x);
        if (rc == 0)
            break;
        if (rc < 0) {
            fflush(stdout);
            snprintf(vm->last_error, sizeof vm->last_error, "%s:%d:%d: syntax error: %s", fname, r.err_line, r.err_col, r.err);
            if (!vm->quiet)
                fprintf(stderr, "error: %s\n", vm->last_error);
            VML_UNROOT(vm, 1);
            return -1;
        }
        /* convert under a handler: out of memory is possible */
        Handler h;
        HANDLER_ENTER(vm, h);
        V form = VUNSPEC;
        uint32_t pos = vml_pos(x->line, x->col);
        if (setjmp(h.jb) == 0) {
            form = vml_from_sx_free(vm, x, r.used);
            vm->handler = h.prev;
        } else {
            vml_handler_restore(vm, &h);
            vml_print_error(vm, h.value, stderr);
            VML_UNROOT(vm, 1);
            return -1;
        }
        if (run_form(vm, form, vml_file_id(vm, fname), pos, &last) < 0) {
            VML_UNROOT(vm, 1);
            return -1;
        }
    }
    if (result)
        *result = last;
    VML_UNROOT(vm, 1);
    return 0;
}

FILE *vml_open_file(const char *path, int output)
{
    FILE *f = fopen(path, output ? "wb" : "rb");
    struct stat st;
    if (f && !output && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        errno = EISDIR;
        return NULL;
    }
    return f;
}

size_t vml_read_file(VM *vm, const char *who, const char *path, V *buf)
{
    FILE *f = vml_open_file(path, 0);
    if (!f)
        vml_error(vm, VNIL, "%s: cannot open %s: %s", who, path, strerror(errno));
    size_t n = 0, k;
    int err = 0;
    for (;;) {
        if (buf->t != T_BVEC || n == AS(Bvec, *buf)->n) {
            Handler h;   /* out of memory: close f before the error goes on */
            HANDLER_ENTER(vm, h);
            if (setjmp(h.jb) != 0) {
                vml_handler_restore(vm, &h);
                fclose(f);
                vml_raise(vm, h.value);
            }
            vml_buf_reserve(vm, buf, n + 1);
            vm->handler = h.prev;
        }
        Bvec *b = AS(Bvec, *buf);
        k = fread(b->b + n, 1, b->n - n, f);
        n += k;
        if (k == 0) {
            err = ferror(f) ? errno : 0;
            break;
        }
    }
    fclose(f);
    if (err)
        vml_error(vm, VNIL, "%s: cannot read %s: %s", who, path, strerror(err));
    return n;
}

int vml_load_file(VM *vm, const char *path)
{
    V buf = VNIL;
    VML_ROOT(vm, buf);
    Handler h;
    HANDLER_ENTER(vm, h);
    size_t n;
    if (setjmp(h.jb) == 0) {
        n = vml_read_file(vm, "load", path, &buf);
        vm->handler = h.prev;
    } else {
        vml_handler_restore(vm, &h);
        vml_print_error(vm, h.value, stderr);
        VML_UNROOT(vm, 1);
        return -2;
    }
    int rc = vml_eval_string(vm, path, (const char *)AS(Bvec, buf)->b, n, NULL);
    VML_UNROOT(vm, 1);
    return rc;
}

/* ---- life cycle ---- */
static VM *sigint_vm;
static void on_sigint(int sig)
{
    (void)sig;
    if (sigint_vm)
        sigint_vm->interrupt = 1;
}

VM *vml_new(void)
{
    VM *volatile vm = calloc(1, sizeof *vm);
    if (!vm)
        return NULL;
    vm->stack = mmap(NULL, STACK_VALUES * sizeof(V), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    vm->frames = mmap(NULL, MAX_FRAMES * sizeof(Frame), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (vm->stack == MAP_FAILED || vm->frames == MAP_FAILED) {
        free(vm);
        return NULL;
    }
    vm->stack_end = vm->stack + STACK_VALUES;
    vm->top = vm->stack;
    vm->maxframes = MAX_FRAMES;
    vm->winds = VNIL;
    vm->macros = vm->rules = vm->features = VNIL;
    for (int i = 0; i < 256; i++)
        vm->userop[i].proc = vm->userop[i].name = VFALSE;
    vml_heap_init(vm);
    vm->nfiles = 0;
    vml_file_id(vm, "<builtin>");
    Handler h;
    HANDLER_ENTER(vm, h);
    if (setjmp(h.jb) != 0) {
        vml_print_error(vm, h.value, stderr);
        vm->handler = NULL;
        vml_free(vm);
        return NULL;
    }
#define SYM(f, n) vm->f = vml_sym(vm, n)
    SYM(s_quote, "quote"); SYM(s_quasiquote, "quasiquote"); SYM(s_unquote, "unquote");
    SYM(s_unquote_splicing, "unquote-splicing"); SYM(s_lambda, "lambda"); SYM(s_define, "define");
    SYM(s_if, "if"); SYM(s_set, "set!"); SYM(s_begin, "begin"); SYM(s_let, "let"); SYM(s_letrec, "letrec");
    SYM(s_and, "and"); SYM(s_or, "or"); SYM(s_else, "else"); SYM(s_arrow, "=>"); SYM(s_define_macro, "define-macro");
    SYM(s_dot3, "..."); SYM(s_letstar, "let*"); SYM(s_cond, "cond"); SYM(s_case, "case"); SYM(s_when, "when");
    SYM(s_unless, "unless"); SYM(s_do, "do"); SYM(s_named_lambda, "named-lambda");
    SYM(s_define_record_type, "define-record-type"); SYM(s_guard, "guard"); SYM(s_letrec_star, "letrec*");
    SYM(s_define_instruction, "define-instruction"); SYM(s_define_values, "define-values");
#undef SYM
    vm->macros = vml_hash(vm, 0, 64);
    vm->rules = vml_hash(vm, 0, 16);
    vml_interp_init(vm);
    vml_prims_init(vm);
    vm->handler = NULL;
    sigint_vm = vm;
    return vm;
}

void vml_free(VM *vm)
{
    if (!vm)
        return;
    if (sigint_vm == vm)
        sigint_vm = NULL;
    vml_heap_free(vm);
    munmap(vm->stack, STACK_VALUES * sizeof(V));
    munmap(vm->frames, MAX_FRAMES * sizeof(Frame));
    for (int i = 1; i <= vm->nfiles; i++)
        free(vm->files[i]);
    free(vm->dispatch);
    free(vm);
}

/* ---- REPL ---- */
static int incomplete(const char *err)
{
    return !strncmp(err, "unterminated", 12) || strstr(err, "with no datum after it") != NULL;
}


/* The most bytes the REPL's input may take: the room left under the heap
 * limit (set before each line is read). */
static size_t repl_room;

static void input_too_long(void)
{
    fflush(stdout);
    fprintf(stderr, "error: out of memory (input longer than the heap limit allows): dropped\n");
}

static char *plain_readline(const char *prompt)
{
    fputs(prompt, stdout);
    fflush(stdout);
    size_t cap = 256, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    int c, dropped = 0;
    while ((c = getchar()) != EOF && c != '\n') {
        if (dropped)
            continue;
        if (n + 1 >= cap) {
            char *nb = n + 1 < repl_room / 2 ? realloc(buf, cap * 2) : NULL;
            if (!nb) {   /* too long: the rest of the line goes unread */
                dropped = 1;
                n = 0;
                continue;
            }
            buf = nb;
            cap *= 2;
        }
        buf[n++] = (char)c;
    }
    if (dropped)
        input_too_long();
    if (c == EOF && (n == 0 || ferror(stdin)) && !dropped) {   /* end of input, or interrupted */
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    return buf;
}

static readline_fn repl_readline = plain_readline;
static void (*repl_add_history)(const char *line);

void vml_repl_set_line_editor(readline_fn rl, void (*add_history)(const char *))
{
    repl_readline = rl ? rl : plain_readline;
    repl_add_history = add_history;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void repl_eval(VM *vm, const char *src, int print_result)
{
    V r = VUNSPEC;
    VML_ROOT(vm, r);
    if (vml_eval_string(vm, "<repl>", src, strlen(src), &r) == 0 && print_result && r.t != T_UNSPEC) {
        vml_write(vm, stdout, r, 0);
        fputc('\n', stdout);
    }
    fflush(stdout);
    VML_UNROOT(vm, 1);
}

int vml_repl(VM *vm)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    int tty = isatty(0);
    if (tty)
        printf("vvm meta REPL; ,help for commands, Ctrl-D to leave\n");
    char *acc = NULL;
    size_t acclen = 0;
    for (;;) {
        vm->interrupt = 0;
        repl_room = vml_heap_room(vm);
        char *line = repl_readline(!tty ? "" : acc ? "...   " : "vml> ");
        if (!line && tty && vm->interrupt) {   /* Ctrl-C at the prompt: drop the input, stay */
            free(acc);
            acc = NULL;
            acclen = 0;
            clearerr(stdin);
            putchar('\n');
            continue;
        }
        if (!line)
            break;
        vm->interrupt = 0;
        if (!acc && line[0] == ',') {
            char cmd[32] = {0};
            const char *arg = line + 1;
            size_t i = 0;
            while (*arg && *arg != ' ' && i + 1 < sizeof cmd)
                cmd[i++] = *arg++;
            while (*arg == ' ')
                arg++;
            if (repl_add_history)
                repl_add_history(line);
            if (!strcmp(cmd, "help")) {
                printf(",help            this text\n,disasm EXPR     disassemble a procedure\n"
                       ",time EXPR       evaluate and print the time taken\n,load FILE       load a .vml file\n"
                       ",gc              collect and print heap statistics\n,quit            leave\n");
            } else if (!strcmp(cmd, "disasm")) {
                char *src = malloc(strlen(arg) + 32);
                if (src) {
                    sprintf(src, "(disassemble %s)", arg);
                    repl_eval(vm, src, 0);
                    free(src);
                }
            } else if (!strcmp(cmd, "time")) {
                double t0 = now();
                repl_eval(vm, arg, 1);
                printf("; %.3f ms\n", (now() - t0) * 1e3);
            } else if (!strcmp(cmd, "load")) {
                vml_load_file(vm, arg);
            } else if (!strcmp(cmd, "gc")) {
                repl_eval(vm, "(gc-stats)", 1);
            } else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
                free(line);
                break;
            } else {
                printf("unknown command ,%s (,help lists them)\n", cmd);
            }
            free(line);
            continue;
        }
        size_t ln = strlen(line);
        char *na = acclen + ln + 2 < repl_room / 2 ? realloc(acc, acclen + ln + 2) : NULL;
        if (!na) {   /* a datum longer than the heap can hold: dropped, the REPL goes on */
            input_too_long();
            free(line);
            free(acc);
            acc = NULL;
            acclen = 0;
            continue;
        }
        acc = na;
        memcpy(acc + acclen, line, ln);
        acclen += ln;
        acc[acclen++] = '\n';
        acc[acclen] = 0;
        free(line);
        /* complete? read every datum; an "unterminated" error means wait for more */
        sx_reader r;
        sx_reader_init(&r, "<repl>", acc, acclen);
        sx *x;
        int rc, any = 0;
        while ((rc = vml_sx_read(vm, &r, &x)) > 0) {
            sx_free(x);
            any = 1;
        }
        if (rc < 0 && incomplete(r.err))
            continue;
        if (repl_add_history) {
            acc[acclen - 1] = 0;
            repl_add_history(acc);
            acc[acclen - 1] = '\n';
        }
        if (any || rc < 0)
            repl_eval(vm, acc, 1);
        free(acc);
        acc = NULL;
        acclen = 0;
        if (vm->exit_requested)
            break;
    }
    free(acc);
    if (tty && !vm->exit_requested)
        putchar('\n');
    return vm->exit_requested ? vm->exit_status : 0;
}
