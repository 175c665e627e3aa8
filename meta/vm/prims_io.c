/* prims_io: the meta language's primitives for I/O (ports, files, the
 * clock, the command line) and reflection (procedures, bytecodes,
 * primitives, the GC). */
#include "meta/vm/prims.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- I/O ---- */
static FILE *out_port(VM *vm, V self, int argc, V *argv, int at)
{
    if (argc > at) {
        if (argv[at].t != T_PORT || !AS(Port, argv[at])->output || !AS(Port, argv[at])->f)
            vml_type_error(vm, WHO, "an open output port", argv[at]);
        return AS(Port, argv[at])->f;
    }
    return vm->out->f;
}
static FILE *in_port(VM *vm, V self, int argc, V *argv, int at)
{
    if (argc > at) {
        if (argv[at].t != T_PORT || AS(Port, argv[at])->output || !AS(Port, argv[at])->f)
            vml_type_error(vm, WHO, "an open input port", argv[at]);
        return AS(Port, argv[at])->f;
    }
    return vm->in->f;
}
PRIM(p_display) { vml_write(vm, out_port(vm, self, argc, argv, 1), argv[0], 1); return VUNSPEC; }
PRIM(p_write) { vml_write(vm, out_port(vm, self, argc, argv, 1), argv[0], 0); return VUNSPEC; }
PRIM(p_newline) { fputc('\n', out_port(vm, self, argc, argv, 0)); return VUNSPEC; }
PRIM(p_write_char)
{
    char u[4];
    size_t n = utf8_enc(chr_arg(vm, self, argv[0]), u);
    fwrite(u, 1, n, out_port(vm, self, argc, argv, 1));
    return VUNSPEC;
}
PRIM(p_flush) { fflush(out_port(vm, self, argc, argv, 0)); return VUNSPEC; }
/* Appends one line of f (through its '\n') to *buf (rooted by the caller)
 * from offset at; returns the new length, and *eof = 1 if the input ended
 * first.  A read error raises; so does a line the heap cannot hold. */
static size_t read_line_into(VM *vm, V self, FILE *f, V *buf, size_t at, int *eof)
{
    *eof = 0;
    for (;;) {
        vml_buf_reserve(vm, buf, at + 256);
        Bvec *b = AS(Bvec, *buf);
        int c = 0;
        while (at < b->n && (c = getc(f)) != EOF) {
            b->b[at++] = (uint8_t)c;
            if (c == '\n')
                return at;
        }
        if (c == EOF) {
            if (ferror(f)) {
                int e = errno;
                clearerr(f);
                vml_error(vm, VNIL, "%s: cannot read: %s", WHO, strerror(e));
            }
            *eof = 1;
            return at;
        }
    }
}
PRIM(p_read_line)
{
    FILE *f = in_port(vm, self, argc, argv, 0);
    V buf = VNIL;
    VML_ROOT(vm, buf);
    int eof;
    size_t n = read_line_into(vm, self, f, &buf, 0, &eof);
    V s = vimm(T_EOF);
    if (n > 0 || !eof)
        s = vml_str(vm, (const char *)AS(Bvec, buf)->b, n - (n > 0 && AS(Bvec, buf)->b[n - 1] == '\n'));
    VML_UNROOT(vm, 1);
    return s;
}
PRIM(p_read_char)
{
    FILE *f = in_port(vm, self, argc, argv, 0);
    int c = fgetc(f);
    if (c == EOF)
        return vimm(T_EOF);
    unsigned char b[4] = {(unsigned char)c};
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    for (int i = 1; i < n; i++) {
        int d = fgetc(f);
        b[i] = d == EOF ? 0 : (unsigned char)d;
    }
    Str tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.s = (char *)b;
    tmp.len = (size_t)n;
    size_t len;
    return vchar(utf8_at(&tmp, 0, &len));
}
PRIM(p_peek_char)
{
    FILE *f = in_port(vm, self, argc, argv, 0);
    int c = fgetc(f);
    if (c == EOF)
        return vimm(T_EOF);
    ungetc(c, f);
    return vchar((uint32_t)c);
}
/* (read [port]): reads lines until they hold one complete datum */
PRIM(p_read)
{
    FILE *f = in_port(vm, self, argc, argv, 0);
    V buf = VNIL;
    VML_ROOT(vm, buf);
    size_t n = 0;
    for (;;) {
        int eof;
        n = read_line_into(vm, self, f, &buf, n, &eof);
        sx_reader r;
        sx_reader_init(&r, "<read>", (const char *)AS(Bvec, buf)->b, n);
        sx *x;
        int rc = vml_sx_read(vm, &r, &x);
        if (rc > 0) {
            V v = vml_from_sx_free(vm, x, r.used);
            VML_UNROOT(vm, 1);
            return v;
        }
        if (rc < 0 && (strncmp(r.err, "unterminated", 12) || eof))
            vml_error(vm, VNIL, "read: syntax error at %d:%d: %s", r.err_line, r.err_col, r.err);
        if (eof)
            break;
    }
    VML_UNROOT(vm, 1);
    return vimm(T_EOF);
}
V vml_mk_port(VM *vm, FILE *f, int output, int owned)
{
    Port *p = vml_alloc(vm, T_PORT, sizeof *p);
    p->f = f;
    p->output = output;
    p->owned = owned;
    return vobj(p);
}
static V open_file(VM *vm, V self, V name, int output)
{
    Str *s = sarg(vm, self, name);
    FILE *f = vml_open_file(s->s, output);
    if (!f)
        vml_error(vm, vml_list(vm, 1, name), "%s: cannot open %s: %s", WHO, s->s, strerror(errno));
    return vml_mk_port(vm, f, output, 1);
}
PRIM(p_open_input_file) { UNUSED; return open_file(vm, self, argv[0], 0); }
PRIM(p_open_output_file) { UNUSED; return open_file(vm, self, argv[0], 1); }
PRIM(p_close_port)
{
    UNUSED;
    if (argv[0].t != T_PORT)
        vml_type_error(vm, WHO, "a port", argv[0]);
    Port *p = AS(Port, argv[0]);
    if (!p->owned)   /* the standard streams stay open: the current ports write to them */
        return VUNSPEC;
    if (p->f)
        fclose(p->f);
    p->f = NULL;
    return VUNSPEC;
}
PRIM(p_current_output) { UNUSED; (void)argv; return vobj(vm->out); }
PRIM(p_current_input) { UNUSED; (void)argv; return vobj(vm->in); }
PRIM(p_current_error) { UNUSED; (void)argv; return vobj(vm->err); }
PRIM(p_file_exists) { UNUSED; return vbool(access(sarg(vm, self, argv[0])->s, F_OK) == 0); }
PRIM(p_delete_file) { UNUSED; return vbool(unlink(sarg(vm, self, argv[0])->s) == 0); }
PRIM(p_file_to_string)
{
    UNUSED;
    V buf = VNIL;
    VML_ROOT(vm, buf);
    size_t n = vml_read_file(vm, WHO, sarg(vm, self, argv[0])->s, &buf);
    V r = vml_str(vm, n ? (const char *)AS(Bvec, buf)->b : "", n);
    VML_UNROOT(vm, 1);
    return r;
}
PRIM(p_load)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    V buf = VNIL;
    VML_ROOT(vm, buf);
    size_t n = vml_read_file(vm, WHO, s->s, &buf);
    char path[4096];
    snprintf(path, sizeof path, "%s", s->s);
    if (vml_eval_string(vm, path, (const char *)AS(Bvec, buf)->b, n, NULL) < 0)
        vml_error(vm, vml_list(vm, 1, argv[0]), "load: %s failed", path);
    VML_UNROOT(vm, 1);
    return VUNSPEC;
}
PRIM(p_command_line)
{
    UNUSED;
    (void)argv;
    V l = VNIL;
    VML_ROOT(vm, l);
    for (int i = vm->argc - 1; i >= 0; i--) {
        V s = vml_cstr(vm, vm->argv[i]);
        l = vml_cons(vm, s, l);
    }
    VML_UNROOT(vm, 1);
    return l;
}
PRIM(p_getenv) { UNUSED; const char *v = getenv(sarg(vm, self, argv[0])->s); return v ? vml_cstr(vm, v) : VFALSE; }
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
PRIM(p_current_time) { UNUSED; (void)vm; (void)argv; return vflo(now()); }
PRIM(p_current_jiffy) { UNUSED; (void)vm; (void)argv; return vint((int64_t)(now() * 1e6)); }
PRIM(p_tostring) { UNUSED; return vml_tostring_value(vm, argv[0], argc > 1 ? TRUTHY(argv[1]) : 1); }
PRIM(p_read_from_string)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    sx_reader r;
    sx_reader_init(&r, "<string>", s->s, s->len);
    sx *x;
    int rc = vml_sx_read(vm, &r, &x);
    if (rc == 0)
        return vimm(T_EOF);
    if (rc < 0)
        vml_error(vm, VNIL, "read-from-string: syntax error at %d:%d: %s", r.err_line, r.err_col, r.err);
    return vml_from_sx_free(vm, x, r.used);
}

/* ---- reflection ---- */
PRIM(p_eval) { UNUSED; V c = vml_compile_toplevel(vm, argv[0]); return vml_apply(vm, c, 0, NULL); }
PRIM(p_expand) { UNUSED; return vml_expand(vm, argv[0]); }
PRIM(p_gc) { UNUSED; (void)argv; vml_gc(vm); return VUNSPEC; }
PRIM(p_gc_stats)
{
    UNUSED;
    (void)argv;
    V l = VNIL;
    VML_ROOT(vm, l);
    struct { const char *k; V v; } rows[] = {
        {"collections", vint((int64_t)vm->gc_count)}, {"heap-bytes", vint((int64_t)vm->bytes)},
        {"freed-bytes", vint((int64_t)vm->gc_freed)}, {"allocations", vint((int64_t)vm->allocs)},
        {"gc-seconds", vflo(vm->gc_seconds)}, {"heap-limit", vint((int64_t)vm->max_bytes)},
        {"stress", vbool(vm->gc_stress)},
    };
    for (int i = (int)(sizeof rows / sizeof rows[0]) - 1; i >= 0; i--) {
        V k = vobj(vml_sym(vm, rows[i].k));
        V p = vml_cons(vm, k, rows[i].v);
        l = vml_cons(vm, p, l);
    }
    VML_UNROOT(vm, 1);
    return l;
}
PRIM(p_set_heap_limit)
{
    UNUSED;
    int64_t n = iarg(vm, self, argv[0]);
    if (n <= 0)
        vml_error(vm, vml_list(vm, 1, argv[0]), "%s: the limit must be a positive number of bytes", WHO);
    vml_set_heap_limit(vm, (size_t)n);
    return VUNSPEC;
}
static void proc_arg(VM *vm, V self, V v)
{
    if (v.t != T_CLO && v.t != T_PRIM)
        vml_type_error(vm, WHO, "a procedure", v);
}
PRIM(p_procedure_arity)
{
    UNUSED;
    proc_arg(vm, self, argv[0]);
    if (argv[0].t == T_PRIM) {
        Prim *p = AS(Prim, argv[0]);
        return vml_cons(vm, vint(p->minargs), p->maxargs < 0 ? VFALSE : vint(p->maxargs));
    }
    Proto *p = AS(Clo, argv[0])->p;
    return vml_cons(vm, vint(p->nparams), p->rest ? VFALSE : vint(p->nparams));
}
PRIM(p_procedure_name)
{
    UNUSED;
    proc_arg(vm, self, argv[0]);
    if (argv[0].t == T_PRIM)
        return vobj(vml_sym(vm, AS(Prim, argv[0])->name));
    return AS(Clo, argv[0])->p->name;
}
PRIM(p_procedure_free_variables)
{
    UNUSED;
    proc_arg(vm, self, argv[0]);
    if (argv[0].t == T_PRIM)
        return VNIL;
    V l = VNIL;
    VML_ROOT(vm, l);
    Proto *p = AS(Clo, argv[0])->p;
    for (int i = p->nupv - 1; i >= 0; i--)
        l = vml_cons(vm, AS(Clo, argv[0])->p->upv_names[i], l);
    VML_UNROOT(vm, 1);
    return l;
}
PRIM(p_procedure_free_values)
{
    UNUSED;
    proc_arg(vm, self, argv[0]);
    if (argv[0].t == T_PRIM)
        return VNIL;
    V l = VNIL;
    VML_ROOT(vm, l);
    for (int i = AS(Clo, argv[0])->nupv - 1; i >= 0; i--) {
        V x = AS(Clo, argv[0])->upv[i];
        if (x.t == T_BOX)
            x = AS(Box, x)->v;
        l = vml_cons(vm, x, l);
    }
    VML_UNROOT(vm, 1);
    return l;
}
PRIM(p_procedure_source)
{
    UNUSED;
    proc_arg(vm, self, argv[0]);
    if (argv[0].t == T_PRIM)
        return VFALSE;
    Proto *p = AS(Clo, argv[0])->p;
    char buf[300];
    snprintf(buf, sizeof buf, "%s:%u:%u", vm->files[p->file] ? vm->files[p->file] : "?", p->pos >> 12, p->pos & 4095);
    return vml_cstr(vm, buf);
}
PRIM(p_disassemble)
{
    UNUSED;
    fflush(vm->out->f);
    if (argv[0].t == T_PRIM) {
        fprintf(vm->out->f, "primitive %s (C code)\n", AS(Prim, argv[0])->name);
        return VUNSPEC;
    }
    if (vml_disassemble(vm, vm->out->f, argv[0]) < 0)
        vml_type_error(vm, WHO, "a procedure", argv[0]);
    return VUNSPEC;
}
static V proto_ops(VM *vm, Proto *p, V l, int depth)
{
    VML_ROOT(vm, l);
    for (size_t i = p->ncode; i-- > 0;) {
        V s = vobj(vml_sym(vm, vm->opnames[p->code[i] & 0xff]));
        l = vml_cons(vm, s, l);
    }
    for (size_t i = 0; depth < 20 && i < p->nk; i++)
        if (p->k[i].t == T_PROTO)
            l = proto_ops(vm, AS(Proto, p->k[i]), l, depth + 1);
    VML_UNROOT(vm, 1);
    return l;
}
/* (procedure-instructions proc): the opcodes of proc and of the procedures nested in it */
PRIM(p_procedure_instructions)
{
    UNUSED;
    if (argv[0].t != T_CLO)
        return VNIL;
    return proto_ops(vm, AS(Clo, argv[0])->p, VNIL, 0);
}
PRIM(p_define_instruction)
{
    UNUSED;
    return vml_define_instruction(vm, argv[0], (int)iarg(vm, self, argv[1]), argv[2], argv[3]);
}
PRIM(p_bytecodes)
{
    UNUSED;
    (void)argv;
    V l = VNIL;
    VML_ROOT(vm, l);
    for (int i = vm->nops - 1; i >= 0; i--) {
        V s = vobj(vml_sym(vm, vm->opnames[i]));
        l = vml_cons(vm, s, l);
    }
    VML_UNROOT(vm, 1);
    return l;
}
PRIM(p_define_primitive)
{
    UNUSED;
    if (argv[0].t != T_SYM)
        vml_type_error(vm, WHO, "a symbol", argv[0]);
    proc_arg(vm, self, argv[1]);
    if (vm->features.t != T_HASH) {
        V h = vml_hash(vm, 0, 16);
        vm->features = h;
    }
    vml_hash_set(vm, vm->features, argv[0], argv[1]);
    AS(Sym, argv[0])->value = argv[1];
    if (argv[1].t == T_CLO && AS(Clo, argv[1])->p->name.t == T_FALSE)
        AS(Clo, argv[1])->p->name = argv[0];
    return argv[0];
}
PRIM(p_primitives)
{
    UNUSED;
    (void)argv;
    V l = VNIL;
    VML_ROOT(vm, l);
    for (size_t i = 0; i < vm->symcap; i++)
        for (Sym *s = vm->symtab[i]; s; s = s->chain)
            if (s->value.t == T_PRIM || (vm->features.t == T_HASH && vml_hash_ref(vm, vm->features, vobj(s), VFALSE).t != T_FALSE))
                l = vml_cons(vm, vobj(s), l);
    VML_UNROOT(vm, 1);
    return l;
}


static const PrimDef io_prims[] = {
    {"display", p_display, 1, 2}, {"write", p_write, 1, 2}, {"newline", p_newline, 0, 1},
    {"write-char", p_write_char, 1, 2}, {"write-string", p_display, 1, 2}, {"flush-output", p_flush, 0, 1},
    {"read-line", p_read_line, 0, 1}, {"read-char", p_read_char, 0, 1}, {"peek-char", p_peek_char, 0, 1},
    {"read", p_read, 0, 1}, {"open-input-file", p_open_input_file, 1, 1},
    {"open-output-file", p_open_output_file, 1, 1}, {"close-port", p_close_port, 1, 1},
    {"close-input-port", p_close_port, 1, 1}, {"close-output-port", p_close_port, 1, 1},
    {"current-output-port", p_current_output, 0, 0}, {"current-input-port", p_current_input, 0, 0},
    {"current-error-port", p_current_error, 0, 0}, {"file-exists?", p_file_exists, 1, 1},
    {"delete-file", p_delete_file, 1, 1}, {"file->string", p_file_to_string, 1, 1}, {"load", p_load, 1, 1},
    {"command-line", p_command_line, 0, 0}, {"get-environment-variable", p_getenv, 1, 1},
    {"getenv", p_getenv, 1, 1}, {"current-time", p_current_time, 0, 0},
    {"current-jiffy", p_current_jiffy, 0, 0}, {"->string", p_tostring, 1, 2},
    {"read-from-string", p_read_from_string, 1, 1}, {"eval", p_eval, 1, 2}, {"macroexpand", p_expand, 1, 1},
    {"gc", p_gc, 0, 0}, {"gc-stats", p_gc_stats, 0, 0}, {"set-heap-limit!", p_set_heap_limit, 1, 1},
    {"procedure-arity", p_procedure_arity, 1, 1}, {"procedure-name", p_procedure_name, 1, 1},
    {"procedure-free-variables", p_procedure_free_variables, 1, 1},
    {"procedure-free-values", p_procedure_free_values, 1, 1}, {"procedure-source", p_procedure_source, 1, 1},
    {"disassemble", p_disassemble, 1, 1}, {"%define-instruction", p_define_instruction, 4, 4},
    {"procedure-instructions", p_procedure_instructions, 1, 1}, {"bytecodes", p_bytecodes, 0, 0},
    {"%define-primitive", p_define_primitive, 2, 2}, {"primitives", p_primitives, 0, 0},
};

void vml_prims_io_init(VM *vm)
{
    for (size_t i = 0; i < sizeof io_prims / sizeof io_prims[0]; i++)
        vml_define_cfn(vm, io_prims[i].name, io_prims[i].fn, io_prims[i].min, io_prims[i].max);
}
