/* vml: the meta language's VM — values, heap objects, the VM state.
 *
 * A value is a 16-byte tagged struct (64-bit payload + tag), as in Lua: full
 * 64-bit integers with wrap-around, doubles, and immediates need no heap.
 * Heap objects are malloc'd, linked on one list and collected by a precise,
 * non-moving mark-sweep collector (heap.c).  Roots: the value stack up to
 * vm->top, the frames, the symbol table (globals live in symbols), the macro
 * and rule tables, the handler stack and C roots registered with VML_ROOT.
 * VVM_VML_GC_STRESS=1 in the environment collects at every allocation.
 */
#ifndef VVM_VML_H
#define VVM_VML_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum vml_tag {
    /* immediates */
    T_NIL, T_FALSE, T_TRUE, T_INT, T_FLO, T_CHAR, T_UNSPEC, T_EOF, T_UNBOUND,
    /* heap objects (tag >= T_PAIR) */
    T_PAIR, T_STR, T_SYM, T_VEC, T_BVEC, T_HASH, T_RTYPE, T_REC, T_CLO, T_PRIM,
    T_PROTO, T_BOX, T_ERR, T_PORT,
    T_NTAGS
} vml_tag;

struct Obj;
typedef struct V {
    union {
        int64_t i;
        uint64_t u;
        double d;
        struct Obj *o;
    };
    uint32_t t;
} V;

/* Every heap object starts with this.  pos/file: where a pair was read. */
typedef struct Obj {
    struct Obj *gcnext;
    uint8_t type;
    uint8_t mark : 1, sizeclass : 7;   /* sizeclass: 16-byte units of a pooled block, 0 = malloc'd */
    uint16_t file;
    uint32_t pos;                  /* line << 12 | col (col clamped to 4095) */
} Obj;

static inline uint32_t vml_pos(int line, int col) { return (uint32_t)line << 12 | (uint32_t)(col > 4095 ? 4095 : col); }

typedef struct Pair { Obj h; V car, cdr; } Pair;
typedef struct Str { Obj h; size_t len; char *s; } Str;   /* UTF-8, NUL terminated; s points just past the Str unless string-set! moved it */
typedef struct Sym { Obj h; V value; struct Sym *chain; uint32_t hash; int special; size_t len; char name[]; } Sym;
typedef struct Vec { Obj h; size_t n; V *v; } Vec;
typedef struct Bvec { Obj h; size_t n; uint8_t *b; } Bvec;
/* A hash table is an index and a dense entry array, in insertion order: idx
 * (cap slots, a power of two, probed as in CPython) holds 1 + an entry's number,
 * 0 for free, VML_HASH_DUMMY for deleted.  Entries 0..n-1 are used, deleted
 * ones keep a tombstone key; the array has room for cap * 3/4.  Lookups
 * touch a small index and one entry (as compact as Lua's tables). */
typedef struct HEnt { V k, v; } HEnt;
typedef struct Hash { Obj h; int weak_equal; size_t cap, count, n; uint32_t *idx; HEnt *e; } Hash;
#define VML_HASH_DUMMY UINT32_MAX
#define VML_HASH_LIVE(k) ((k).t != T_UNBOUND && !((k).t == T_EOF && (k).i == 1))
typedef struct Rtype { Obj h; V name; V fields; /* vector of symbols */ } Rtype;
typedef struct Rec { Obj h; Rtype *rt; size_t n; V f[]; } Rec;
typedef struct Box { Obj h; V v; } Box;
typedef struct Err { Obj h; V msg, irritants, where, trace, payload; } Err;
typedef struct Port { Obj h; FILE *f; int output, owned; } Port;

/* A compiled function. */
typedef struct Proto {
    Obj h;
    uint64_t *code;
    uint32_t *lines;               /* per instruction: line << 12 | col */
    size_t ncode;
    V *k;
    size_t nk;
    uint8_t *upv_instack;          /* per free variable: 1 = parent's register, 0 = parent's free variable */
    uint16_t *upv_index;
    V *upv_names;
    int nupv;
    int nparams, rest, nregs;
    int toplevel;                  /* 1: a top-level form's code */
    V name;                        /* symbol or #f */
    uint16_t file;
    uint32_t pos;
} Proto;

typedef struct Clo { Obj h; Proto *p; int nupv; V upv[]; } Clo;

struct VM;
typedef V (*vml_cfn)(struct VM *vm, int argc, V *argv, V self);
typedef struct Prim { Obj h; vml_cfn fn; int minargs, maxargs; const char *name; V data; void *cdata; } Prim;

/* A run-time-defined (or replaced) bytecode: R[A] = (proc R[B] R[C]). */
typedef struct UserOp { V proc; int nargs; V name; } UserOp;

typedef struct Frame {
    Clo *cl;
    const uint64_t *pc;            /* saved pc (next instruction) */
    V *base;
    int entry;                     /* 1: returning from it leaves vml_run */
} Frame;

typedef struct Wind { V before, after; struct Wind *prev; } Wind;

typedef struct Handler {
    jmp_buf jb;
    struct Handler *prev;
    int nframes;
    V *top;
    int ncroots;
    int cdepth;
    V winds;                       /* list of (before . after) at entry */
    V value;                       /* the raised object */
    V proc;                        /* with-exception-handler's handler, called where
                                      the raise happens; #f: catch by longjmp */
} Handler;

/* Installs handler h (then: if (setjmp(h.jb) == 0) ... else h.value is
 * what was raised; the VM state is the caller's to restore). */
#define HANDLER_ENTER(vm, h) \
    do { (h).prev = (vm)->handler; (h).nframes = (vm)->nframes; (h).top = (vm)->top; \
         (h).ncroots = (vm)->ncroots; (h).cdepth = (vm)->cdepth; (h).winds = (vm)->winds; \
         (h).value = VNIL; (h).proc = VFALSE; (vm)->handler = &(h); } while (0)

/* After a raise reached h: the frames, stack, C roots and depth as they
 * were at HANDLER_ENTER, and h off the handler stack (winds are the
 * caller's: vml_unwind_to runs the after thunks). */
void vml_handler_restore(struct VM *vm, Handler *h);

#define VML_MAX_CROOTS 4096
#define VML_POOL_CLASSES 16         /* objects up to 16 * 16 bytes come from pools */
#define VML_MAX_FILES 65535

typedef struct VM {
    V *stack, *stack_end, *top;
    /* Registers are not cleared when a frame is entered: slots at and above
     * top may hold values of finished frames.  Each such value pointed to a
     * live object when it was written, and a collection clears every slot
     * from top up to stack_hw (the highest top since the last collection),
     * so no slot ever holds a pointer to a freed object.  Whatever raises top
     * or writes above it raises stack_hw first (vml_stack_hw). */
    V *stack_hw;
    Frame *frames;
    int nframes, maxframes;
    Sym **symtab;
    size_t symcap, nsyms;
    Obj *objects;
    Obj *pool[VML_POOL_CLASSES + 1]; /* free small blocks by size class, linked through gcnext */
    char *pool_next[VML_POOL_CLASSES + 1], *pool_end[VML_POOL_CLASSES + 1];   /* uncut rest of each class's slab */
    struct PoolSlab *slabs;
    size_t bytes, threshold, max_bytes;
    int gc_stress, gc_off;
    uint64_t gc_count, gc_freed, allocs;
    double gc_seconds;
    V *croots[VML_MAX_CROOTS];
    int ncroots;
    Handler *handler;
    int cdepth;                    /* nested vml_run invocations */
    V winds;                       /* dynamic-wind list: ((before . after) ...) */
    V macros;                      /* hash: symbol -> expander procedure */
    V rules;                       /* hash: symbol -> (opcode . nargs) compile rules */
    V features;                    /* misc root (loaded files, etc.) */
    void **dispatch;               /* live dispatch table (copied from the labels) */
    void *generic_label;
    UserOp userop[256];
    int nops;                      /* opcodes in use (builtin + defined) */
    char opnames[256][24];
    int opformat[256];
    char *files[VML_MAX_FILES];
    int nfiles;
    volatile int interrupt;
    uint64_t gensym_counter;
    Port *out, *in, *err;
    int exit_requested, exit_status;
    char raise_where[256];        /* where a non-error object was raised */
    char raise_trace[2048];
    char **argv;
    int argc;
    int quiet;                     /* 1: uncaught errors only go to last_error */
    char last_error[1024];
    /* well-known symbols */
    Sym *s_quote, *s_quasiquote, *s_unquote, *s_unquote_splicing, *s_lambda, *s_define, *s_if,
        *s_set, *s_begin, *s_let, *s_letrec, *s_and, *s_or, *s_else, *s_arrow, *s_define_macro,
        *s_dot3, *s_letstar, *s_cond, *s_case, *s_when, *s_unless, *s_do, *s_named_lambda,
        *s_define_record_type, *s_guard, *s_letrec_star, *s_define_instruction, *s_define_values;
} VM;

static inline void vml_stack_hw(VM *vm, V *t) { if (t > vm->stack_hw) vm->stack_hw = t; }

/* ---- value constructors and predicates ---- */
static inline V vint(int64_t i) { V v; v.i = i; v.t = T_INT; return v; }
static inline V vflo(double d) { V v; v.d = d; v.t = T_FLO; return v; }
static inline V vbool(int b) { V v; v.i = 0; v.t = b ? T_TRUE : T_FALSE; return v; }
static inline V vchar(uint32_t c) { V v; v.i = c; v.t = T_CHAR; return v; }
static inline V vimm(int tag) { V v; v.i = 0; v.t = (uint32_t)tag; return v; }
static inline V vobj(void *o) { V v; v.o = (Obj *)o; v.t = ((Obj *)o)->type; return v; }
#define VNIL vimm(T_NIL)
#define VFALSE vimm(T_FALSE)
#define VTRUE vimm(T_TRUE)
#define VUNSPEC vimm(T_UNSPEC)
#define VUNBOUND vimm(T_UNBOUND)
#define TRUTHY(v) ((v).t != T_FALSE)
#define ISOBJ(v) ((v).t >= T_PAIR)
#define AS(ty, v) ((ty *)(v).o)
#define CAR(v) (AS(Pair, v)->car)
#define CDR(v) (AS(Pair, v)->cdr)

/* ---- GC roots for C code ---- */
#define VML_ROOT(vm, var) ((vm)->croots[(vm)->ncroots++] = &(var))
#define VML_UNROOT(vm, n) ((vm)->ncroots -= (n))

/* heap.c */
void *vml_alloc(VM *vm, int type, size_t size);
void vml_set_heap_limit(VM *vm, size_t bytes);
/* What is left under the limit, but at least 64 KB (right after an "out of
 * memory" the heap may stand past the limit until the next collection):
 * the bound for scratch memory sized before the objects made from it,
 * which are checked against the limit again. */
size_t vml_heap_room(VM *vm);
/* A growable byte buffer for reading (files, lines, data): a bytevector
 * whose length is its capacity, so what it holds counts against the heap
 * limit and an error anywhere frees it with the rest of the garbage.  The
 * caller roots *buf (VNIL at first); after the call it holds at least need
 * bytes. */
void vml_buf_reserve(VM *vm, V *buf, size_t need);
void vml_gc(VM *vm);
V vml_cons(VM *vm, V a, V d);
V vml_str(VM *vm, const char *s, size_t len);
V vml_cstr(VM *vm, const char *s);
V vml_intern(VM *vm, const char *s, size_t len);
Sym *vml_sym(VM *vm, const char *s);
V vml_vec(VM *vm, size_t n, V fill);
V vml_bvec(VM *vm, size_t n);
V vml_box(VM *vm, V v);
V vml_hash(VM *vm, int equal, size_t cap);
V vml_hash_ref(VM *vm, V h, V key, V dflt);
void vml_hash_set(VM *vm, V h, V key, V val);
int vml_hash_del(VM *vm, V h, V key);
void vml_hash_clear(VM *vm, V h);
size_t vml_hash_bytes(size_t cap);
uint64_t vml_hash_value(V v, int equal);
int vml_eqv(V a, V b);
int vml_equal(V a, V b);
V vml_prim(VM *vm, const char *name, vml_cfn fn, int minargs, int maxargs);
Clo *vml_closure(VM *vm, Proto *p);
void vml_heap_init(VM *vm);
void vml_heap_free(VM *vm);
V vml_list(VM *vm, int n, ...);
size_t vml_list_length(V l);   /* (size_t)-1 if improper */

/* error.c-ish (vml.c) */
/* Raises obj: the innermost handler catches it (longjmp), or, if it is
 * with-exception-handler's, its procedure is called right here with the
 * outer handlers current; if that returns, a secondary error is raised
 * there. */
_Noreturn void vml_raise(VM *vm, V obj);
/* raise-continuable: the same, but a with-exception-handler procedure's
 * value is returned. */
V vml_raise_continuable(VM *vm, V obj);
_Noreturn void vml_error(VM *vm, V irritants, const char *fmt, ...);
_Noreturn void vml_type_error(VM *vm, const char *who, const char *want, V got);
V vml_make_error(VM *vm, V msg, V irritants);
void vml_write(VM *vm, FILE *f, V v, int display);
char *vml_tostring(VM *vm, V v, int display, char *buf, size_t n);
const char *vml_typename(V v);
char *vml_where(VM *vm, Frame *f, const uint64_t *pc, char *buf, size_t n);
V vml_backtrace(VM *vm);
uint16_t vml_file_id(VM *vm, const char *name);

/* interp.c */
V vml_apply(VM *vm, V fn, int argc, V *argv);
void vml_interp_init(VM *vm);
V vml_arith(VM *vm, int op, V a, V b);
int vml_compare(VM *vm, int op, V a, V b);
V vml_define_instruction(VM *vm, V name, int nargs, V proc, V rule_sym);
int vml_disassemble(VM *vm, FILE *f, V proc);

/* compile.c */
V vml_compile_toplevel(VM *vm, V form);      /* a closure with no args */
/* The same for a form read at file:pos (what a form that is not a list,
 * and so carries no position, is reported at). */
V vml_compile_toplevel_at(VM *vm, V form, uint16_t file, uint32_t pos);
V vml_expand(VM *vm, V form);
struct sx;
struct sx_reader;
V vml_from_sx(VM *vm, const void *sx);       /* sx tree -> heap value */
/* The same, and frees the tree (also when it raises); its bytes (the
 * reader's used) count against the heap limit until then. */
V vml_from_sx_free(VM *vm, void *sx, size_t bytes);
/* sx_read with the tree limited to the room left under the heap limit. */
int vml_sx_read(VM *vm, struct sx_reader *r, struct sx **out);

/* prims.c */
void vml_prims_init(VM *vm);

/* vml.c */
VM *vml_new(void);
void vml_free(VM *vm);
/* Evaluates every form of src; prints an uncaught error to stderr and returns
 * -1, else 0 (and *result, if given, is the last value). */
int vml_eval_string(VM *vm, const char *file, const char *src, size_t len, V *result);
/* Loads a file: 0, -1 after printing an error it raised, -2 after printing
 * why it cannot be read. */
int vml_load_file(VM *vm, const char *path);
/* fopen for reading ("rb") or writing ("wb"); a directory opened for reading
 * is refused with EISDIR. */
FILE *vml_open_file(const char *path, int output);
/* Reads the whole file into *buf (rooted by the caller, see vml_buf_reserve)
 * and returns its length; a file that cannot be opened or read, or does not
 * fit in the heap, raises an error naming who and why. */
size_t vml_read_file(VM *vm, const char *who, const char *path, V *buf);
void vml_prelude_init(VM *vm);               /* prelude.c: autoload marks, lazy forms */
int vml_autoload(VM *vm, Sym *s, int macro); /* 1 if s named a prelude form (a macro), now loaded */
int vml_repl(VM *vm);
/* The REPL's line reader (returns a malloc'd line, NULL at end of input or
 * on Ctrl-C) and history hook; NULL, NULL: the plain reader. */
typedef char *(*readline_fn)(const char *prompt);
void vml_repl_set_line_editor(readline_fn rl, void (*add_history)(const char *line));
void vml_print_error(VM *vm, V err, FILE *f);
V vml_protected_apply(VM *vm, V fn, int argc, V *argv, int *ok);

#endif
