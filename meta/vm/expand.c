/* expand: reader trees -> heap values, and macro expansion into core forms.
 *
 * The compiler (compile.c) only sees the core forms: quote if define set!
 * lambda begin let letrec (sequential, letrec*) and or, and applications.
 * Everything else (let*, named let, cond, case, when, unless, do,
 * quasiquote, define-record-type, guard, internal defines, define-macro
 * uses) is rewritten here.  Macros are non-hygienic (define-macro + gensym):
 * a macro's name is a global keyword, and names a macro introduces are
 * resolved where it is used; gensym gives fresh names for temporaries. */
#include "meta/sexp.h"
#include "meta/vm/vml.h"

#include <stdio.h>
#include <string.h>

/* ---- reader trees to values ---- */

V vml_from_sx(VM *vm, const void *p)
{
    const sx *x = p;
    switch (x->kind) {
    case SX_INT: return vint(x->u.i);
    case SX_REAL: return vflo(x->u.d);
    case SX_SYMBOL: return vml_intern(vm, x->u.str.s, x->u.str.len);
    case SX_STRING: return vml_str(vm, x->u.str.s, x->u.str.len);
    case SX_CHAR: return vchar(x->u.ch);
    case SX_BOOL: return vbool((int)x->u.i);
    case SX_VECTOR: {
        V v = vml_vec(vm, x->u.list.n, VNIL);
        VML_ROOT(vm, v);
        for (size_t i = 0; i < x->u.list.n; i++) {
            V e = vml_from_sx(vm, x->u.list.items[i]);
            AS(Vec, v)->v[i] = e;
        }
        VML_UNROOT(vm, 1);
        return v;
    }
    case SX_LIST: {
        V l = x->u.list.tail ? vml_from_sx(vm, x->u.list.tail) : VNIL;
        VML_ROOT(vm, l);
        uint16_t file = vml_file_id(vm, x->file);
        for (size_t i = x->u.list.n; i-- > 0;) {
            V e = vml_from_sx(vm, x->u.list.items[i]);
            l = vml_cons(vm, e, l);
            l.o->file = file;
            l.o->pos = vml_pos(x->line, x->col);
        }
        VML_UNROOT(vm, 1);
        return l;
    }
    }
    return VUNSPEC;
}

int vml_sx_read(VM *vm, sx_reader *r, sx **out)
{
    r->limit = vml_heap_room(vm);
    int rc = sx_read(r, out);
    if (rc < 0 && r->used > r->limit)
        snprintf(r->err, sizeof r->err, "out of memory (heap limit %zu MB)", vm->max_bytes >> 20);
    return rc;
}

V vml_from_sx_free(VM *vm, void *x, size_t bytes)
{
    Handler h;
    HANDLER_ENTER(vm, h);
    vm->bytes += bytes;
    if (setjmp(h.jb) != 0) {   /* out of memory while converting */
        vml_handler_restore(vm, &h);
        vm->bytes -= bytes;
        sx_free(x);
        vml_raise(vm, h.value);
    }
    V v = vml_from_sx(vm, x);
    vm->handler = h.prev;
    vm->bytes -= bytes;
    sx_free(x);
    return v;
}

/* ---- helpers ---- */
#define S(name) vobj(vm->s_##name)
static int is(V x, Sym *s) { return x.t == T_SYM && x.o == &s->h; }
static int head_is(V x, Sym *s) { return x.t == T_PAIR && is(CAR(x), s); }

static V with_pos(V to, V from)
{
    if (to.t == T_PAIR && from.t == T_PAIR && to.o->pos == 0) {
        to.o->pos = from.o->pos;
        to.o->file = from.o->file;
    }
    return to;
}

_Noreturn static void serr(VM *vm, V form, const char *fmt, const char *what)
{
    char buf[200];
    if (form.t == T_PAIR && form.o->pos) {
        snprintf(buf, sizeof buf, "%s:%u:%u: ", vm->files[form.o->file] ? vm->files[form.o->file] : "?",
                 form.o->pos >> 12, form.o->pos & 4095);
    } else {
        buf[0] = 0;
    }
    vml_error(vm, vml_list(vm, 1, form), "%ssyntax error: %s%s", buf, fmt, what ? what : "");
}

static V cons(VM *vm, V a, V d) { return vml_cons(vm, a, d); }
#define L1(a) vml_list(vm, 1, a)
#define L2(a, b) vml_list(vm, 2, a, b)
#define L3(a, b, c) vml_list(vm, 3, a, b, c)
#define L4(a, b, c, d) vml_list(vm, 4, a, b, c, d)

static V nth(V l, int n)
{
    while (n-- > 0 && l.t == T_PAIR)
        l = CDR(l);
    return l.t == T_PAIR ? CAR(l) : VUNBOUND;
}

static V gensym(VM *vm, const char *pfx)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s%llu", pfx, (unsigned long long)++vm->gensym_counter);
    return vml_intern(vm, buf, strlen(buf));
}

static V expand(VM *vm, V x);

/* The expander recurses on the C stack and roots values as it goes, so its
 * nesting counts in vm->cdepth like nested runs (every handler restores it)
 * and is bounded, as is the use of C roots: a deeply nested form or a macro
 * that expands without end is an error, not a stack or root overflow. */
#define MAX_NEST 2000
static void nest_enter(VM *vm, V form)
{
    if (vm->cdepth >= MAX_NEST || vm->ncroots > VML_MAX_CROOTS - 128)
        serr(vm, form, "form nested too deeply (or a macro that expands without end)", NULL);
    vm->cdepth++;
}

/* expands each element of a list (any length: a loop, not a recursion) */
static V expand_list(VM *vm, V l)
{
    if (l.t != T_PAIR)
        return l.t == T_NIL ? l : expand(vm, l);
    V head = VNIL, tail = VNIL, p = l;   /* p: the rest to expand, head: the result */
    VML_ROOT(vm, head);
    VML_ROOT(vm, p);
    for (; p.t == T_PAIR; p = CDR(p)) {
        V a = expand(vm, CAR(p));
        V c = with_pos(cons(vm, a, VNIL), p);
        if (head.t == T_NIL)
            head = c;
        else
            CDR(tail) = c;
        tail = c;
    }
    if (p.t != T_NIL) {   /* improper: the tail expanded as a form */
        V d = expand(vm, p);
        CDR(tail) = d;
    }
    VML_UNROOT(vm, 2);
    return head;
}

static V body_of(VM *vm, V body, V form);

static V make_begin(VM *vm, V body)
{
    if (body.t == T_PAIR && CDR(body).t == T_NIL)
        return CAR(body);
    return cons(vm, S(begin), body);
}

/* (lambda params body...) with the body expanded (internal defines -> letrec) */
static V expand_lambda(VM *vm, V params, V body, V form)
{
    VML_ROOT(vm, params);
    V b = body_of(vm, body, form);
    VML_ROOT(vm, b);
    V r = with_pos(L3(S(lambda), params, b), form);
    VML_UNROOT(vm, 2);
    return r;
}

/* A body: expanded forms, its defines turned into one letrec* around the rest. */
static V body_of(VM *vm, V body, V form)
{
    if (body.t != T_PAIR)
        serr(vm, form, "empty body", NULL);
    V binds = VNIL, exprs = VNIL, work = body, cur = VNIL;
    VML_ROOT(vm, binds);
    VML_ROOT(vm, exprs);
    VML_ROOT(vm, work);
    VML_ROOT(vm, cur);
    int ndefs = 0;
    while (work.t == T_PAIR) {
        cur = expand(vm, CAR(work));
        work = CDR(work);
        if (head_is(cur, vm->s_begin)) {   /* splice (begin ...) so its defines count */
            V rest = CDR(cur);
            /* prepend rest to work */
            V items = VNIL;
            VML_ROOT(vm, items);
            for (V p = rest; p.t == T_PAIR; p = CDR(p))
                items = cons(vm, CAR(p), items);
            for (V p = items; p.t == T_PAIR; p = CDR(p))
                work = cons(vm, CAR(p), work);
            VML_UNROOT(vm, 1);
            continue;
        }
        if (head_is(cur, vm->s_define)) {
            /* expressions seen before this define become dummy bindings */
            for (V p = exprs; p.t == T_PAIR; p = CDR(p)) {
                V g = gensym(vm, "%seq");
                V b = L2(g, CAR(p));
                binds = cons(vm, b, binds);
            }
            exprs = VNIL;
            V b = L2(nth(cur, 1), nth(cur, 2));
            binds = cons(vm, b, binds);
            ndefs++;
        } else {
            exprs = cons(vm, cur, exprs);
        }
    }
    /* reverse both */
    V rb = VNIL, re = VNIL;
    VML_ROOT(vm, rb);
    VML_ROOT(vm, re);
    for (V p = binds; p.t == T_PAIR; p = CDR(p))
        rb = cons(vm, CAR(p), rb);
    for (V p = exprs; p.t == T_PAIR; p = CDR(p))
        re = cons(vm, CAR(p), re);
    if (re.t == T_NIL)
        re = L1(VUNSPEC);
    V r = make_begin(vm, re);
    if (ndefs)
        r = with_pos(L3(S(letrec), rb, r), form);
    VML_UNROOT(vm, 6);
    return r;
}

/* ((name init) | name ...) -> ((name expanded-init) ...), any number of them */
static V expand_bindings(VM *vm, V binds, V form)
{
    V head = VNIL, tail = VNIL, p = binds;
    VML_ROOT(vm, head);
    VML_ROOT(vm, p);
    for (; p.t == T_PAIR; p = CDR(p)) {
        V b = CAR(p);
        if (b.t != T_SYM && (b.t != T_PAIR || CAR(b).t != T_SYM))
            serr(vm, form, "bad binding", NULL);
        V init = b.t == T_PAIR && CDR(b).t == T_PAIR ? expand(vm, CAR(CDR(b))) : VUNSPEC;
        V nb = L2(b.t == T_SYM ? b : CAR(b), init);
        V c = cons(vm, nb, VNIL);
        if (head.t == T_NIL)
            head = c;
        else
            CDR(tail) = c;
        tail = c;
    }
    if (p.t != T_NIL)
        serr(vm, form, "bad binding list", NULL);
    VML_UNROOT(vm, 2);
    return head;
}

/* quasiquote at depth d */
static V qq1(VM *vm, V x, int d);
static V qq(VM *vm, V x, int d)
{
    if (x.t != T_PAIR && x.t != T_VEC)
        return L2(S(quote), x);
    nest_enter(vm, x);
    V r = qq1(vm, x, d);
    vm->cdepth--;
    return r;
}

static V qq1(VM *vm, V x, int d)
{
    if (x.t == T_VEC) {
        V l = VNIL;
        VML_ROOT(vm, l);
        for (size_t i = AS(Vec, x)->n; i-- > 0;)
            l = cons(vm, AS(Vec, x)->v[i], l);
        V r = L2(vobj(vml_sym(vm, "list->vector")), qq(vm, l, d));
        VML_UNROOT(vm, 1);
        return r;
    }
    if (x.t != T_PAIR)
        return L2(S(quote), x);
    if (is(CAR(x), vm->s_unquote)) {
        if (d == 0)
            return nth(x, 1);
        V inner = qq(vm, nth(x, 1), d - 1);
        VML_ROOT(vm, inner);
        V r = L3(vobj(vml_sym(vm, "list")), L2(S(quote), S(unquote)), inner);
        VML_UNROOT(vm, 1);
        return r;
    }
    if (is(CAR(x), vm->s_quasiquote)) {
        V inner = qq(vm, nth(x, 1), d + 1);
        VML_ROOT(vm, inner);
        V r = L3(vobj(vml_sym(vm, "list")), L2(S(quote), S(quasiquote)), inner);
        VML_UNROOT(vm, 1);
        return r;
    }
    VML_ROOT(vm, x);
    V r;
    if (head_is(CAR(x), vm->s_unquote_splicing) && d == 0) {
        V rest = qq(vm, CDR(x), d);
        VML_ROOT(vm, rest);
        r = L3(vobj(vml_sym(vm, "append")), nth(CAR(x), 1), rest);
        VML_UNROOT(vm, 1);
    } else {
        V a = qq(vm, CAR(x), d);
        VML_ROOT(vm, a);
        V b = qq(vm, CDR(x), d);
        VML_ROOT(vm, b);
        r = L3(vobj(vml_sym(vm, "cons")), a, b);
        VML_UNROOT(vm, 2);
    }
    VML_UNROOT(vm, 1);
    return r;
}

static V expand_cond1(VM *vm, V clauses, V form);
static V expand_cond(VM *vm, V clauses, V form)
{
    if (clauses.t != T_PAIR)
        return VUNSPEC;
    nest_enter(vm, form);
    V r = expand_cond1(vm, clauses, form);
    vm->cdepth--;
    return r;
}

static V expand_cond1(VM *vm, V clauses, V form)
{
    V c = CAR(clauses);
    if (c.t != T_PAIR)
        serr(vm, form, "bad cond clause", NULL);
    VML_ROOT(vm, clauses);
    V r;
    if (is(CAR(c), vm->s_else)) {
        r = make_begin(vm, CDR(c));
    } else if (CDR(c).t == T_NIL) {
        V rest = expand_cond(vm, CDR(clauses), form);
        VML_ROOT(vm, rest);
        r = L3(S(or), CAR(c), rest);
        VML_UNROOT(vm, 1);
    } else if (is(nth(c, 1), vm->s_arrow)) {
        V g = gensym(vm, "%t");
        VML_ROOT(vm, g);
        V rest = expand_cond(vm, CDR(clauses), form);
        VML_ROOT(vm, rest);
        V call = L2(nth(c, 2), g);
        VML_ROOT(vm, call);
        V iff = L4(S(if), g, call, rest);
        VML_ROOT(vm, iff);
        r = L3(S(let), L1(L2(g, CAR(c))), iff);
        VML_UNROOT(vm, 4);
    } else {
        V rest = expand_cond(vm, CDR(clauses), form);
        VML_ROOT(vm, rest);
        V b = make_begin(vm, CDR(c));
        VML_ROOT(vm, b);
        r = L4(S(if), CAR(c), b, rest);
        VML_UNROOT(vm, 2);
    }
    VML_UNROOT(vm, 1);
    return with_pos(r, c);
}

static V expand_case1(VM *vm, V key, V clauses, V form);
static V expand_case(VM *vm, V key, V clauses, V form)
{
    if (clauses.t != T_PAIR)
        return VUNSPEC;
    nest_enter(vm, form);
    V r = expand_case1(vm, key, clauses, form);
    vm->cdepth--;
    return r;
}

static V expand_case1(VM *vm, V key, V clauses, V form)
{
    V c = CAR(clauses);
    if (c.t != T_PAIR)
        serr(vm, form, "bad case clause", NULL);
    VML_ROOT(vm, clauses);
    V rest = expand_case(vm, key, CDR(clauses), form);
    VML_ROOT(vm, rest);
    V body = make_begin(vm, CDR(c));
    VML_ROOT(vm, body);
    V r;
    if (is(CAR(c), vm->s_else)) {
        r = body;
    } else {
        V tests = VNIL;
        VML_ROOT(vm, tests);
        Sym *eqv = vml_sym(vm, "eqv?");
        for (V d = CAR(c); d.t == T_PAIR; d = CDR(d)) {
            V dat = CAR(d);
            V t = L3(dat.t == T_FLO || dat.t == T_STR ? vobj(eqv) : vobj(vml_sym(vm, "eq?")), key, L2(S(quote), dat));
            tests = cons(vm, t, tests);
        }
        tests = cons(vm, S(or), tests);
        r = L4(S(if), tests, body, rest);
        VML_UNROOT(vm, 1);
    }
    VML_UNROOT(vm, 3);
    return r;
}

static V sym_list(VM *vm, const char *name) { return vobj(vml_sym(vm, name)); }

/* Calls the macro transformer for form. */
static V run_macro(VM *vm, V mac, V form)
{
    V args[64];
    int n = 0;
    for (V p = CDR(form); p.t == T_PAIR && n < 64; p = CDR(p))
        args[n++] = CAR(p);
    V r = vml_apply(vm, mac, n, args);
    return with_pos(r, form);
}

/* The special forms whose parts the expander takes apart: the fewest
 * elements each has (its name counted), so that a form too short or not a
 * proper list is a syntax error, never a walk off its end.  0: not one of
 * them (its own code checks it). */
static size_t form_min(VM *vm, const Sym *s, V x)
{
    if (s == vm->s_let)
        return nth(x, 1).t == T_SYM ? 3 : 2;   /* (let name bindings body...) */
    if (s == vm->s_letstar || s == vm->s_letrec || s == vm->s_letrec_star || s == vm->s_when ||
        s == vm->s_unless || s == vm->s_case || s == vm->s_define_instruction)
        return 2;
    if (s == vm->s_do)
        return 3;
    if (s == vm->s_define_record_type)
        return 4;
    return 0;
}

static V expand1(VM *vm, V x);
static V expand(VM *vm, V x)
{
    if (x.t != T_PAIR)
        return x;
    nest_enter(vm, x);
    V r = expand1(vm, x);
    vm->cdepth--;
    return r;
}

static V expand1(VM *vm, V x)
{
    V h = CAR(x);
    V r = VUNBOUND;
    VML_ROOT(vm, x);
    if (h.t == T_SYM) {
        Sym *s = AS(Sym, h);
        V mac = vml_hash_ref(vm, vm->macros, h, VFALSE);
        if (mac.t == T_FALSE && s->value.t == T_UNBOUND && vml_autoload(vm, s, 1))   /* a prelude macro */
            mac = vml_hash_ref(vm, vm->macros, h, VFALSE);
        size_t need = mac.t == T_FALSE ? form_min(vm, s, x) : 0;
        if (need) {
            size_t n = vml_list_length(x);
            if (n == (size_t)-1 || n < need)
                serr(vm, x, n == (size_t)-1 ? "not a proper list: " : "too few parts: ", s->name);
        }
        if (mac.t != T_FALSE) {
            r = expand(vm, run_macro(vm, mac, x));
        } else if (s == vm->s_quote) {
            r = x;
        } else if (s == vm->s_quasiquote) {
            r = expand(vm, qq(vm, nth(x, 1), 0));
        } else if (s == vm->s_lambda) {
            if (CDR(x).t != T_PAIR)
                serr(vm, x, "lambda needs parameters and a body", NULL);
            r = expand_lambda(vm, nth(x, 1), CDR(CDR(x)), x);
        } else if (s == vm->s_define) {
            V target = nth(x, 1);
            if (target.t == T_PAIR) {   /* (define (f . params) body...) */
                V name = CAR(target);
                V lam = expand_lambda(vm, CDR(target), CDR(CDR(x)), x);
                VML_ROOT(vm, lam);
                while (name.t == T_PAIR)  /* curried define: (define ((f a) b) ...) */
                    serr(vm, x, "curried define is not supported", NULL);
                r = L3(S(define), name, lam);
                VML_UNROOT(vm, 1);
            } else if (target.t == T_SYM) {
                V e = CDR(CDR(x)).t == T_PAIR ? expand(vm, nth(x, 2)) : VUNSPEC;
                r = L3(S(define), target, e);
            } else {
                serr(vm, x, "define needs a name", NULL);
            }
        } else if (s == vm->s_set) {
            if (nth(x, 1).t != T_SYM || vml_list_length(x) != 3)
                serr(vm, x, "set! needs a variable and a value", NULL);
            r = L3(S(set), nth(x, 1), expand(vm, nth(x, 2)));
        } else if (s == vm->s_if) {
            size_t n = vml_list_length(x);
            if (n != 3 && n != 4)
                serr(vm, x, "if needs a test, a consequent and an optional alternative", NULL);
            r = cons(vm, S(if), expand_list(vm, CDR(x)));
        } else if (s == vm->s_begin || s == vm->s_and || s == vm->s_or) {
            if (vml_list_length(x) == (size_t)-1)
                serr(vm, x, "bad form", NULL);
            r = cons(vm, h, expand_list(vm, CDR(x)));
        } else if (s == vm->s_let) {
            V a = nth(x, 1);
            if (a.t == T_SYM) {   /* named let -> (letrec ((name (lambda vars body))) (name inits...)) */
                V binds = nth(x, 2), vars = VNIL, inits = VNIL;
                VML_ROOT(vm, vars);
                VML_ROOT(vm, inits);
                for (V b = binds; b.t == T_PAIR; b = CDR(b)) {
                    V bb = CAR(b);
                    vars = cons(vm, bb.t == T_PAIR ? CAR(bb) : bb, vars);
                    inits = cons(vm, bb.t == T_PAIR && CDR(bb).t == T_PAIR ? CAR(CDR(bb)) : VUNSPEC, inits);
                }
                V rv = VNIL, ri = VNIL;
                VML_ROOT(vm, rv);
                VML_ROOT(vm, ri);
                for (; vars.t == T_PAIR; vars = CDR(vars))
                    rv = cons(vm, CAR(vars), rv);
                for (; inits.t == T_PAIR; inits = CDR(inits))
                    ri = cons(vm, CAR(inits), ri);
                V lam = with_pos(cons(vm, S(lambda), cons(vm, rv, CDR(CDR(CDR(x))))), x);
                VML_ROOT(vm, lam);
                V call = with_pos(cons(vm, a, ri), x);
                VML_ROOT(vm, call);
                V lr = with_pos(L3(S(letrec), L1(L2(a, lam)), call), x);
                r = expand(vm, lr);
                VML_UNROOT(vm, 6);
            } else {
                V binds = expand_bindings(vm, a, x);
                VML_ROOT(vm, binds);
                V body = body_of(vm, CDR(CDR(x)), x);
                r = L3(S(let), binds, body);
                VML_UNROOT(vm, 1);
            }
        } else if (s == vm->s_letstar) {
            V binds = nth(x, 1);
            if (binds.t != T_PAIR || CDR(binds).t == T_NIL) {
                r = expand(vm, with_pos(cons(vm, S(let), CDR(x)), x));
            } else {
                V inner = with_pos(cons(vm, S(letstar), cons(vm, CDR(binds), CDR(CDR(x)))), x);
                VML_ROOT(vm, inner);
                r = expand(vm, with_pos(L3(S(let), L1(CAR(binds)), inner), x));
                VML_UNROOT(vm, 1);
            }
        } else if (s == vm->s_letrec || s == vm->s_letrec_star) {
            V binds = expand_bindings(vm, nth(x, 1), x);
            VML_ROOT(vm, binds);
            V body = body_of(vm, CDR(CDR(x)), x);
            r = L3(S(letrec), binds, body);
            VML_UNROOT(vm, 1);
        } else if (s == vm->s_cond) {
            r = expand(vm, expand_cond(vm, CDR(x), x));
        } else if (s == vm->s_case) {
            V g = gensym(vm, "%key");
            VML_ROOT(vm, g);
            V body = expand_case(vm, g, CDR(CDR(x)), x);
            VML_ROOT(vm, body);
            r = expand(vm, L3(S(let), L1(L2(g, nth(x, 1))), body));
            VML_UNROOT(vm, 2);
        } else if (s == vm->s_when || s == vm->s_unless) {
            V b = cons(vm, S(begin), CDR(CDR(x)));
            VML_ROOT(vm, b);
            r = expand(vm, s == vm->s_when ? L4(S(if), nth(x, 1), b, VUNSPEC) : L4(S(if), nth(x, 1), VUNSPEC, b));
            VML_UNROOT(vm, 1);
        } else if (s == vm->s_do) {
            /* (do ((v init step)...) (test res...) body...) */
            V specs = nth(x, 1), tr = nth(x, 2);
            if (tr.t != T_PAIR)
                serr(vm, x, "do needs (test result...)", NULL);
            V loop = gensym(vm, "%do");
            V binds = VNIL, steps = VNIL;
            VML_ROOT(vm, loop);
            VML_ROOT(vm, binds);
            VML_ROOT(vm, steps);
            for (V p = specs; p.t == T_PAIR; p = CDR(p)) {
                V sp = CAR(p);
                binds = cons(vm, L2(nth(sp, 0), nth(sp, 1)), binds);
                steps = cons(vm, vml_list_length(sp) >= 3 ? nth(sp, 2) : nth(sp, 0), steps);
            }
            V rb = VNIL, rs = VNIL;
            VML_ROOT(vm, rb);
            VML_ROOT(vm, rs);
            for (; binds.t == T_PAIR; binds = CDR(binds))
                rb = cons(vm, CAR(binds), rb);
            for (; steps.t == T_PAIR; steps = CDR(steps))
                rs = cons(vm, CAR(steps), rs);
            V again = cons(vm, loop, rs);
            VML_ROOT(vm, again);
            V body = cons(vm, S(begin), CDR(CDR(CDR(x))));
            VML_ROOT(vm, body);
            V res = CDR(tr).t == T_NIL ? VUNSPEC : cons(vm, S(begin), CDR(tr));
            VML_ROOT(vm, res);
            V iff = L4(S(if), CAR(tr), res, L3(S(begin), body, again));
            VML_ROOT(vm, iff);
            r = expand(vm, with_pos(L4(S(let), loop, rb, iff), x));
            VML_UNROOT(vm, 9);
        } else if (s == vm->s_define_macro) {
            /* (define-macro (name . params) body...) or (define-macro name expr) */
            V target = nth(x, 1);
            V name, lam;
            if (target.t == T_PAIR) {
                name = CAR(target);
                lam = with_pos(cons(vm, S(lambda), cons(vm, CDR(target), CDR(CDR(x)))), x);
            } else {
                name = target;
                lam = nth(x, 2);
            }
            if (name.t != T_SYM)
                serr(vm, x, "define-macro needs a name", NULL);
            VML_ROOT(vm, name);
            V proc = vml_compile_toplevel(vm, lam);
            VML_ROOT(vm, proc);
            V mac = vml_apply(vm, proc, 0, NULL);
            VML_ROOT(vm, mac);
            if (mac.t != T_CLO && mac.t != T_PRIM)
                serr(vm, x, "a macro's transformer must be a procedure", NULL);
            vml_hash_set(vm, vm->macros, name, mac);
            VML_UNROOT(vm, 3);
            r = L2(S(quote), name);
        } else if (s == vm->s_define_record_type) {
            /* (define-record-type name (ctor field...) pred (field acc [mod])...) */
            V tname = nth(x, 1), ctor = nth(x, 2), pred = nth(x, 3);
            if (tname.t == T_PAIR)
                tname = CAR(tname);
            V fields = VNIL, defs = VNIL;
            VML_ROOT(vm, fields);
            VML_ROOT(vm, defs);
            V specs = CDR(CDR(CDR(CDR(x))));
            for (V p = specs; p.t == T_PAIR; p = CDR(p))
                fields = cons(vm, CAR(p).t == T_PAIR ? CAR(CAR(p)) : CAR(p), fields);
            V rf = VNIL;
            VML_ROOT(vm, rf);
            for (V p = fields; p.t == T_PAIR; p = CDR(p))
                rf = cons(vm, CAR(p), rf);
            V tq = L2(S(quote), tname);
            VML_ROOT(vm, tq);
            defs = cons(vm, L3(S(define), tname, L3(sym_list(vm, "%make-record-type"), tq, L2(S(quote), rf))), defs);
            if (ctor.t == T_PAIR)
                defs = cons(vm, L3(S(define), CAR(ctor), L3(sym_list(vm, "%record-constructor"), tname, L2(S(quote), CDR(ctor)))), defs);
            else if (ctor.t == T_SYM)
                defs = cons(vm, L3(S(define), ctor, L3(sym_list(vm, "%record-constructor"), tname, L2(S(quote), rf))), defs);
            if (pred.t == T_SYM)
                defs = cons(vm, L3(S(define), pred, L2(sym_list(vm, "%record-predicate"), tname)), defs);
            for (V p = specs; p.t == T_PAIR; p = CDR(p)) {
                V sp = CAR(p);
                if (sp.t != T_PAIR)
                    continue;
                V fq = L2(S(quote), CAR(sp));
                VML_ROOT(vm, fq);
                if (nth(sp, 1).t == T_SYM)
                    defs = cons(vm, L3(S(define), nth(sp, 1), L3(sym_list(vm, "%record-accessor"), tname, fq)), defs);
                if (nth(sp, 2).t == T_SYM)
                    defs = cons(vm, L3(S(define), nth(sp, 2), L3(sym_list(vm, "%record-modifier"), tname, fq)), defs);
                VML_UNROOT(vm, 1);
            }
            V out = VNIL;
            VML_ROOT(vm, out);
            for (V p = defs; p.t == T_PAIR; p = CDR(p))
                out = cons(vm, CAR(p), out);
            r = expand(vm, with_pos(cons(vm, S(begin), out), x));
            VML_UNROOT(vm, 5);
        } else if (s == vm->s_guard) {
            /* (guard (var clause...) body...) ->
               (%guard (lambda (var) (cond clause... (else (raise var)))) (lambda () body...)) */
            V spec = nth(x, 1);
            if (spec.t != T_PAIR || CAR(spec).t != T_SYM)
                serr(vm, x, "guard needs (variable clause...)", NULL);
            V var = CAR(spec);
            V clauses = CDR(spec);
            int has_else = 0;
            for (V p = clauses; p.t == T_PAIR; p = CDR(p))
                if (CAR(p).t == T_PAIR && is(CAR(CAR(p)), vm->s_else))
                    has_else = 1;
            V cl = VNIL;
            VML_ROOT(vm, cl);
            if (!has_else) {
                V reraise = L2(S(else), L2(sym_list(vm, "raise"), var));
                cl = L1(reraise);
            }
            V all = VNIL;
            VML_ROOT(vm, all);
            V tmp = VNIL;
            VML_ROOT(vm, tmp);
            for (V p = clauses; p.t == T_PAIR; p = CDR(p))
                tmp = cons(vm, CAR(p), tmp);
            all = cl;
            for (V p = tmp; p.t == T_PAIR; p = CDR(p))
                all = cons(vm, CAR(p), all);
            V condf = cons(vm, S(cond), all);
            VML_ROOT(vm, condf);
            V handler = L3(S(lambda), L1(var), condf);
            VML_UNROOT(vm, 1);
            VML_ROOT(vm, handler);
            V thunk = with_pos(cons(vm, S(lambda), cons(vm, VNIL, CDR(CDR(x)))), x);
            VML_ROOT(vm, thunk);
            r = expand(vm, with_pos(L3(sym_list(vm, "%guard"), handler, thunk), x));
            VML_UNROOT(vm, 5);
        } else if (s == vm->s_define_instruction) {
            /* (define-instruction NAME (format F) [(asm ...)] (sem PROC) [(compile-calls-to SYM)]) */
            V name = nth(x, 1), sem = VUNSPEC, rule = VFALSE;
            int nargs = -1;
            for (V p = CDR(CDR(x)); p.t == T_PAIR; p = CDR(p)) {
                V c = CAR(p);
                if (c.t != T_PAIR || CAR(c).t != T_SYM)
                    serr(vm, x, "bad define-instruction clause", NULL);
                const char *cn = AS(Sym, CAR(c))->name;
                if (!strcmp(cn, "format")) {
                    V f = nth(c, 1);
                    const char *fn = f.t == T_SYM ? AS(Sym, f)->name : "";
                    nargs = !strcmp(fn, "A") ? 0 : !strcmp(fn, "AB") ? 1 : !strcmp(fn, "ABC") ? 2 : -1;
                    if (nargs < 0)
                        serr(vm, x, "run-time instructions have format A, AB or ABC", NULL);
                } else if (!strcmp(cn, "sem")) {
                    sem = nth(c, 1);
                } else if (!strcmp(cn, "compile-calls-to")) {
                    rule = nth(c, 1);
                } else if (strcmp(cn, "asm")) {
                    serr(vm, x, "unknown define-instruction clause ", cn);
                }
            }
            if (name.t != T_SYM || nargs < 0 || sem.t == T_UNSPEC)
                serr(vm, x, "define-instruction needs a NAME, (format A|AB|ABC) and (sem PROCEDURE)", NULL);
            V qn = L2(S(quote), name);
            VML_ROOT(vm, qn);
            V qr = L2(S(quote), rule);
            VML_ROOT(vm, qr);
            V call = cons(vm, sym_list(vm, "%define-instruction"), vml_list(vm, 4, qn, vint(nargs), sem, qr));
            VML_UNROOT(vm, 2);
            r = expand(vm, with_pos(call, x));
        } else {
            r = with_pos(cons(vm, h, expand_list(vm, CDR(x))), x);
        }
    } else {
        if (vml_list_length(x) == (size_t)-1)
            serr(vm, x, "improper list in application", NULL);
        r = with_pos(expand_list(vm, x), x);
    }
    VML_UNROOT(vm, 1);
    return with_pos(r, x);
}

V vml_expand(VM *vm, V form) { return expand(vm, form); }
