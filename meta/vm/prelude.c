/* prelude: meta/vm/prelude.vml compiled into the VM as a string (the build
 * generates vml_prelude.inc from it with tools/vmlgen -e), loaded lazily.
 *
 * A new VM does not compile the prelude.  It finds each top-level form once
 * per process, and binds the name of each `(define (NAME ...) ...)` and
 * `(define-macro (NAME ...) ...)` to an autoload mark (T_UNBOUND with the
 * form's number as payload).  The first reference to NAME (a global read,
 * or the expander meeting the macro) compiles and runs that one form, with
 * the source positions of prelude.vml.  Any other top-level form is run at
 * start-up.  A VM then starts in a few microseconds instead of the few
 * hundred it takes to compile the whole prelude. */
#include <pthread.h>
#include <string.h>

#include "meta/sexp.h"
#include "meta/vm/vml.h"

const char vml_prelude[] =
#include "vml_prelude.inc"
    ;

#define MAX_FORMS 256
typedef struct PForm { uint32_t off, line, col, name_off, name_len; uint8_t lazy, macro; } PForm;
static PForm forms[MAX_FORMS];
static int nforms;
static pthread_once_t scanned = PTHREAD_ONCE_INIT;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The form's NAME when it starts "(define (NAME" or "(define-macro (NAME". */
static void lazy_name(PForm *f)
{
    const char *s = vml_prelude + f->off;
    size_t k;
    if (!strncmp(s, "(define (", k = 9) || !strncmp(s, "(define-macro (", k = 15)) {
        size_t n = 0;
        while (s[k + n] && !is_space(s[k + n]) && s[k + n] != ')' && s[k + n] != '(')
            n++;
        if (n > 0) {
            f->name_off = (uint32_t)(f->off + k);
            f->name_len = (uint32_t)n;
            f->lazy = 1;
            f->macro = k == 15;
        }
    }
}

/* Finds the top-level forms: parentheses outside strings, characters and
 * comments (prelude.vml is our own file; a form the scan would misjudge is
 * still read by the real reader from its start). */
static void scan(void)
{
    const char *s = vml_prelude;
    size_t n = strlen(s);
    int depth = 0;
    uint32_t line = 1, col = 1;
    for (size_t i = 0; i < n; i++, col++) {
        char c = s[i];
        if (c == '\n') {
            line++;
            col = 0;
        } else if (c == ';') {
            while (i + 1 < n && s[i + 1] != '\n')
                i++;
        } else if (c == '"') {
            while (i + 1 < n && s[++i] != '"')
                if (s[i] == '\\')
                    i++;
                else if (s[i] == '\n')
                    line++, col = 0;
        } else if (c == '#' && i + 1 < n && s[i + 1] == '\\') {
            i += 2;   /* #\( and friends */
        } else if (c == '(') {
            if (depth++ == 0 && nforms < MAX_FORMS) {
                PForm *f = &forms[nforms++];
                f->off = (uint32_t)i;
                f->line = line;
                f->col = col;
                lazy_name(f);
            }
        } else if (c == ')') {
            depth--;
        }
    }
}

/* Compiles and runs prelude form k; errors are raised as usual. */
static void run_form(VM *vm, int k)
{
    const PForm *f = &forms[k];
    sx_reader r;
    sx_reader_init(&r, vm->files[vml_file_id(vm, "<prelude>")], vml_prelude, strlen(vml_prelude));
    r.pos = f->off;
    r.line = (int)f->line;
    r.col = (int)f->col;
    sx *x = NULL;
    if (sx_read(&r, &x) <= 0)
        vml_error(vm, VNIL, "the meta prelude is damaged (form %d: %s)", k, r.err);
    V form = vml_from_sx_free(vm, x, r.used);
    VML_ROOT(vm, form);
    V clo = vml_compile_toplevel(vm, form);
    VML_UNROOT(vm, 1);
    vml_apply(vm, clo, 0, NULL);
}

void vml_prelude_init(VM *vm)
{
    pthread_once(&scanned, scan);
    for (int k = 0; k < nforms; k++) {
        if (!forms[k].lazy) {
            run_form(vm, k);
            continue;
        }
        Sym *s = AS(Sym, vml_intern(vm, vml_prelude + forms[k].name_off, forms[k].name_len));
        if (s->value.t == T_UNBOUND) {
            s->value = VUNBOUND;
            s->value.i = k + 1;
        }
    }
}

int vml_autoload(VM *vm, Sym *s, int macro)
{
    V v = s->value;
    if (v.t != T_UNBOUND || v.i <= 0 || v.i > nforms || (macro && !forms[v.i - 1].macro))
        return 0;
    s->value = VUNBOUND;   /* a form that refers to itself while loading finds it unbound */
    run_form(vm, (int)v.i - 1);
    return 1;
}
