/* sexp: the s-expression reader (see sexp.h). */
#include "sexp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SX_MAX_DEPTH 1000   /* nesting bound: deep input is an error, not a stack overflow */

void sx_reader_init(sx_reader *r, const char *file, const char *src, size_t len)
{
    memset(r, 0, sizeof *r);
    r->file = file ? file : "<input>";
    r->src = src;
    r->len = len;
    r->line = 1;
    r->col = 1;
}

static int peekc(sx_reader *r) { return r->pos < r->len ? (unsigned char)r->src[r->pos] : -1; }
static int peek2(sx_reader *r) { return r->pos + 1 < r->len ? (unsigned char)r->src[r->pos + 1] : -1; }

static int getc_(sx_reader *r)
{
    if (r->pos >= r->len)
        return -1;
    int c = (unsigned char)r->src[r->pos++];
    if (c == '\n') {
        r->line++;
        r->col = 1;
    } else {
        r->col++;
    }
    return c;
}

static int fail(sx_reader *r, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->err_line = line;
    r->err_col = col;
    return -1;
}

/* Counts n more bytes of the tree against r->limit: 0, or -1 past it. */
static int charge(sx_reader *r, size_t n)
{
    r->used += n;
    return r->limit && r->used > r->limit ? -1 : 0;
}

/* A failed allocation, or one past r->limit. */
static int oom(sx_reader *r, int line, int col)
{
    if (r->limit && r->used > r->limit)
        return fail(r, line, col, "out of memory (the datum needs more than the %zu bytes left in the heap)", r->limit);
    return fail(r, line, col, "out of memory");
}

static sx *mk(sx_reader *r, sx_kind k, int line, int col)
{
    if (charge(r, sizeof(sx) + 16))
        return NULL;
    sx *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->kind = k;
    x->line = line;
    x->col = col;
    x->file = r->file;
    return x;
}

static int is_delim(int c)
{
    return c == -1 || c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '(' || c == ')' || c == '[' || c == ']' || c == '"' || c == ';';
}

/* Skips blanks and comments.  Returns -1 on an unterminated block comment. */
static int skip_ws(sx_reader *r, int depth);
static int read_datum(sx_reader *r, sx **out, int depth);

static int skip_ws(sx_reader *r, int depth)
{
    for (;;) {
        int c = peekc(r);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            getc_(r);
        } else if (c == ';') {
            while ((c = peekc(r)) != -1 && c != '\n')
                getc_(r);
        } else if (c == '#' && peek2(r) == '|') {
            int line = r->line, col = r->col, nest = 1;
            getc_(r);
            getc_(r);
            while (nest > 0) {
                c = getc_(r);
                if (c == -1)
                    return fail(r, line, col, "unterminated block comment");
                if (c == '|' && peekc(r) == '#') {
                    getc_(r);
                    nest--;
                } else if (c == '#' && peekc(r) == '|') {
                    getc_(r);
                    nest++;
                }
            }
        } else if (c == '#' && peek2(r) == ';') {
            int line = r->line, col = r->col;
            getc_(r);
            getc_(r);
            sx *dead = NULL;
            int rc = read_datum(r, &dead, depth + 1);
            if (rc < 0)
                return -1;
            if (rc == 0)
                return fail(r, line, col, "#; at end of input has no datum to comment out");
            sx_free(dead);
        } else {
            return 0;
        }
    }
}

static int push(sx_reader *r, sx *list, sx *item)
{
    size_t n = list->u.list.n;
    if ((n & (n - 1)) == 0) {  /* grow at powers of two */
        size_t cap = n ? n * 2 : 4;
        if (charge(r, (cap - n) * sizeof(sx *)))
            return oom(r, item->line, item->col);
        sx **p = realloc(list->u.list.items, cap * sizeof *p);
        if (!p)
            return oom(r, item->line, item->col);
        list->u.list.items = p;
    }
    list->u.list.items[n] = item;
    list->u.list.n = n + 1;
    return 0;
}

static int read_seq(sx_reader *r, sx **out, int close, sx_kind kind, int line, int col, int depth)
{
    sx *list = mk(r, kind, line, col);
    if (!list)
        return oom(r, line, col);
    for (;;) {
        if (skip_ws(r, depth) < 0)
            goto bad;
        int c = peekc(r);
        if (c == -1) {
            fail(r, line, col, "unterminated list: '%c' has no matching '%c'", close == ')' ? '(' : '[', close);
            goto bad;
        }
        if (c == ')' || c == ']') {
            if (c != close) {
                fail(r, r->line, r->col, "'%c' closes a list opened with '%c' at %d:%d", c,
                     close == ')' ? '(' : '[', line, col);
                goto bad;
            }
            getc_(r);
            *out = list;
            return 1;
        }
        if (c == '.' && is_delim(peek2(r)) && kind == SX_LIST) {
            int dl = r->line, dc = r->col;
            getc_(r);
            if (list->u.list.n == 0) {
                fail(r, dl, dc, "'.' with nothing before it");
                goto bad;
            }
            sx *tail = NULL;
            int rc = read_datum(r, &tail, depth + 1);
            if (rc <= 0) {
                if (rc == 0)
                    fail(r, dl, dc, "'.' with nothing after it");
                goto bad;
            }
            list->u.list.tail = tail;
            if (skip_ws(r, depth) < 0)
                goto bad;
            if (peekc(r) != close) {
                fail(r, r->line, r->col, "expected '%c' after the datum following '.'", close);
                goto bad;
            }
            getc_(r);
            *out = list;
            return 1;
        }
        sx *item = NULL;
        int rc = read_datum(r, &item, depth + 1);
        if (rc < 0)
            goto bad;
        if (rc == 0) {
            fail(r, line, col, "unterminated list");
            goto bad;
        }
        if (push(r, list, item) < 0) {
            sx_free(item);
            goto bad;
        }
    }
bad:
    sx_free(list);
    return -1;
}

static int append_utf8(char **buf, size_t *len, size_t *cap, uint32_t cp)
{
    char tmp[4];
    size_t n;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xC0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xE0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        tmp[0] = (char)(0xF0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (*len + n + 1 > *cap) {
        size_t nc = (*cap ? *cap * 2 : 16) + n;
        char *p = realloc(*buf, nc);
        if (!p)
            return -1;
        *buf = p;
        *cap = nc;
    }
    memcpy(*buf + *len, tmp, n);
    *len += n;
    (*buf)[*len] = 0;
    return 0;
}

static int read_string(sx_reader *r, sx **out, int line, int col)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (append_utf8(&buf, &len, &cap, 0) < 0)  /* makes buf non-NULL, then reset */
        return oom(r, line, col);
    len = 0;
    buf[0] = 0;
    for (;;) {
        int c = getc_(r);
        if (c == -1) {
            free(buf);
            return fail(r, line, col, "unterminated string");
        }
        if (c == '"')
            break;
        if (c == '\\') {
            int el = r->line, ec = r->col - 1;
            c = getc_(r);
            uint32_t cp;
            switch (c) {
            case 'n': cp = '\n'; break;
            case 't': cp = '\t'; break;
            case 'r': cp = '\r'; break;
            case 'a': cp = 7; break;
            case 'b': cp = 8; break;
            case '0': cp = 0; break;
            case '\\': cp = '\\'; break;
            case '"': cp = '"'; break;
            case '\n':  /* line continuation: skip leading blanks of the next line */
                while (peekc(r) == ' ' || peekc(r) == '\t')
                    getc_(r);
                continue;
            case 'x': {
                cp = 0;
                int digits = 0;
                while ((c = peekc(r)) != -1 && c != ';') {
                    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                          : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
                    if (v < 0 || digits >= 6)
                        break;
                    cp = cp * 16 + (uint32_t)v;
                    digits++;
                    getc_(r);
                }
                if (peekc(r) == ';')
                    getc_(r);
                if (digits == 0 || cp > 0x10FFFF) {
                    free(buf);
                    return fail(r, el, ec, "bad \\x escape in string");
                }
                break;
            }
            default:
                free(buf);
                return fail(r, el, ec, "unknown escape '\\%c' in string", c == -1 ? '?' : c);
            }
            if (append_utf8(&buf, &len, &cap, cp) < 0) {
                free(buf);
                return oom(r, line, col);
            }
            continue;
        }
        if (append_utf8(&buf, &len, &cap, 0) < 0) {  /* ensure room */
            free(buf);
            return oom(r, line, col);
        }
        buf[len - 1] = (char)c;  /* overwrite the NUL appended above */
        buf[len] = 0;
    }
    sx *x = charge(r, cap) ? NULL : mk(r, SX_STRING, line, col);
    if (!x) {
        free(buf);
        return oom(r, line, col);
    }
    x->u.str.s = buf;
    x->u.str.len = len;
    *out = x;
    return 1;
}

static const struct { const char *name; uint32_t cp; } char_names[] = {
    {"space", ' '}, {"newline", '\n'}, {"tab", '\t'}, {"nul", 0}, {"null", 0},
    {"return", '\r'}, {"linefeed", '\n'}, {"alarm", 7}, {"backspace", 8},
    {"delete", 127}, {"escape", 27}, {"altmode", 27},
};

/* Decodes one UTF-8 sequence from s (length n); returns its length or 0. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len = (s[0] >= 0xF8) ? 0 : (s[0] >= 0xF0) ? 4 : (s[0] >= 0xE0) ? 3 : (s[0] >= 0xC0) ? 2 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t v = s[0] & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    /* overlong forms, surrogates and values past U+10FFFF are not characters */
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < least[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Is p[0..n) a nonempty run of digits of base? */
static int all_digits(const char *p, size_t n, int base)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;
        if (v >= base)
            return 0;
    }
    return 1;
}

int sx_parse_number(const char *tok, size_t n, sx *x)
{
    int base = 10;
    const char *p = tok;
    if (n >= 2 && p[0] == '#') {
        switch (p[1]) {
        case 'x': case 'X': base = 16; break;
        case 'b': case 'B': base = 2; break;
        case 'o': case 'O': base = 8; break;
        case 'd': case 'D': base = 10; break;
        default: return 0;
        }
        p += 2;
        n -= 2;
    }
    if (n == 0)
        return 0;
    int sign = p[0] == '-' || p[0] == '+';
    char tmp[128];
    if (n >= sizeof tmp) /* a long atom: an out-of-range integer, or not a number */
        return all_digits(p + sign, n - (size_t)sign, base) ? -1 : 0;
    memcpy(tmp, p, n);
    tmp[n] = 0;
    const char *digits = tmp;
    int neg = 0;
    if (*digits == '-' || *digits == '+') {
        neg = *digits == '-';
        digits++;
    }
    if (!*digits)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(digits, &end, base);
    if (*end == 0 && digits[0] != '-' && digits[0] != '+' && digits[0] != ' ') {
        /* Hex, binary and octal literals are 64-bit patterns; a decimal
         * literal must fit a signed 64-bit integer.  Beyond that: an error. */
        if (errno == ERANGE)
            return -1;
        if (base == 10 && !neg && v > (unsigned long long)INT64_MAX)
            return -1;
        if (base == 10 && neg && v > (unsigned long long)INT64_MAX + 1ULL)
            return -1;
        x->kind = SX_INT;
        x->u.i = neg ? (int64_t)(0 - v) : (int64_t)v;
        return 1;
    }
    if (base != 10)
        return 0;
    if (!strcmp(tmp, "+inf.0") || !strcmp(tmp, "-inf.0") || !strcmp(tmp, "+nan.0")) {
        x->kind = SX_REAL;
        x->u.d = tmp[1] == 'n' ? __builtin_nan("") : (tmp[0] == '-' ? -__builtin_inf() : __builtin_inf());
        return 1;
    }
    if (strspn(tmp, "0123456789+-.eE") != n)   /* not strtod's hex floats, nan(...) or infinity */
        return 0;
    errno = 0;
    double d = strtod(tmp, &end);
    if (*end == 0 && end != tmp) {
        int has_digit = 0;
        for (const char *q = tmp; *q; q++)
            if (*q >= '0' && *q <= '9')
                has_digit = 1;
        if (!has_digit)
            return 0;  /* "inf", "nan" are symbols unless written +inf.0 style */
        x->kind = SX_REAL;
        x->u.d = d;
        return 1;
    }
    return 0;
}

static int read_atom(sx_reader *r, sx **out, int line, int col)
{
    size_t start = r->pos;
    int c = peekc(r);
    if (c == '|') {  /* |symbol with spaces| */
        getc_(r);
        start = r->pos;
        while ((c = peekc(r)) != -1 && c != '|')
            getc_(r);
        if (c == -1)
            return fail(r, line, col, "unterminated |symbol|");
        size_t n = r->pos - start;
        getc_(r);
        sx *x = charge(r, n + 1) ? NULL : mk(r, SX_SYMBOL, line, col);
        if (!x || !(x->u.str.s = malloc(n + 1))) {
            free(x);
            return oom(r, line, col);
        }
        memcpy(x->u.str.s, r->src + start, n);
        x->u.str.s[n] = 0;
        x->u.str.len = n;
        *out = x;
        return 1;
    }
    while (!is_delim(peekc(r)))
        getc_(r);
    size_t n = r->pos - start;
    const char *tok = r->src + start;
    sx *x = mk(r, SX_SYMBOL, line, col);
    if (!x)
        return oom(r, line, col);
    int num = sx_parse_number(tok, n, x);
    if (num > 0) {
        *out = x;
        return 1;
    }
    if (num < 0) {
        free(x);
        return fail(r, line, col, "integer %.*s%s out of range (integers are 64-bit: -9223372036854775808 to 9223372036854775807)",
                    (int)(n > 60 ? 60 : n), tok, n > 60 ? "..." : "");
    }
    if (tok[0] == '#') {
        free(x);
        return fail(r, line, col, "bad syntax '%.*s'", (int)(n > 40 ? 40 : n), tok);
    }
    x->kind = SX_SYMBOL;
    x->u.str.s = charge(r, n + 1) ? NULL : malloc(n + 1);
    if (!x->u.str.s) {
        free(x);
        return oom(r, line, col);
    }
    memcpy(x->u.str.s, tok, n);
    x->u.str.s[n] = 0;
    x->u.str.len = n;
    *out = x;
    return 1;
}

static int wrap(sx_reader *r, sx **out, const char *name, int line, int col, int depth)
{
    sx *inner = NULL;
    int rc = read_datum(r, &inner, depth + 1);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return fail(r, line, col, "%s with no datum after it", name);
    sx *list = mk(r, SX_LIST, line, col);
    sx *sym = mk(r, SX_SYMBOL, line, col);
    if (!list || !sym || !(sym->u.str.s = strdup(name))) {
        free(list);
        free(sym);
        sx_free(inner);
        return oom(r, line, col);
    }
    sym->u.str.len = strlen(name);
    if (push(r, list, sym) < 0 || push(r, list, inner) < 0) {
        sx_free(list);
        return -1;
    }
    *out = list;
    return 1;
}

static int read_datum(sx_reader *r, sx **out, int depth)
{
    if (depth > SX_MAX_DEPTH)
        return fail(r, r->line, r->col, "nesting deeper than %d levels", SX_MAX_DEPTH);
    if (skip_ws(r, depth) < 0)
        return -1;
    int line = r->line, col = r->col;
    int c = peekc(r);
    if (c == -1)
        return 0;
    switch (c) {
    case '(': getc_(r); return read_seq(r, out, ')', SX_LIST, line, col, depth);
    case '[': getc_(r); return read_seq(r, out, ']', SX_LIST, line, col, depth);
    case ')': case ']': getc_(r); return fail(r, line, col, "unexpected '%c'", c);
    case 0: return fail(r, line, col, "NUL byte outside a string");
    case '"': getc_(r); return read_string(r, out, line, col);
    case '\'': getc_(r); return wrap(r, out, "quote", line, col, depth);
    case '`': getc_(r); return wrap(r, out, "quasiquote", line, col, depth);
    case ',':
        getc_(r);
        if (peekc(r) == '@') {
            getc_(r);
            return wrap(r, out, "unquote-splicing", line, col, depth);
        }
        return wrap(r, out, "unquote", line, col, depth);
    case '#': {
        int c2 = peek2(r);
        if (c2 == '(') {
            getc_(r);
            getc_(r);
            return read_seq(r, out, ')', SX_VECTOR, line, col, depth);
        }
        if (c2 == '\\') {
            getc_(r);
            getc_(r);
            size_t start = r->pos;
            uint32_t cp;
            size_t ul = utf8_decode((const unsigned char *)r->src + r->pos, r->len - r->pos, &cp);
            if (ul == 0)
                return fail(r, line, col, "bad character literal");
            for (size_t i = 0; i < ul; i++)
                getc_(r);
            while (!is_delim(peekc(r)))
                getc_(r);
            size_t n = r->pos - start;
            if (n > ul) {
                const char *tok = r->src + start;
                int found = 0;
                for (size_t i = 0; i < sizeof char_names / sizeof char_names[0]; i++)
                    if (strlen(char_names[i].name) == n && !strncmp(char_names[i].name, tok, n)) {
                        cp = char_names[i].cp;
                        found = 1;
                    }
                if (!found && tok[0] == 'x' && n > 1) {
                    char tmp[16];
                    char *end;
                    if (n - 1 < sizeof tmp) {
                        memcpy(tmp, tok + 1, n - 1);
                        tmp[n - 1] = 0;
                        unsigned long v = strtoul(tmp, &end, 16);
                        if (*end == 0 && v <= 0x10FFFF) {
                            cp = (uint32_t)v;
                            found = 1;
                        }
                    }
                }
                if (!found)
                    return fail(r, line, col, "unknown character name '#\\%.*s'", (int)(n > 30 ? 30 : n), tok);
            }
            sx *x = mk(r, SX_CHAR, line, col);
            if (!x)
                return oom(r, line, col);
            x->u.ch = cp;
            *out = x;
            return 1;
        }
        /* #t #f #true #false */
        size_t start = r->pos;
        getc_(r);
        while (!is_delim(peekc(r)))
            getc_(r);
        size_t n = r->pos - start;
        const char *tok = r->src + start;
        int b = -1;
        if ((n == 2 && tok[1] == 't') || (n == 5 && !strncmp(tok, "#true", 5)))
            b = 1;
        else if ((n == 2 && tok[1] == 'f') || (n == 6 && !strncmp(tok, "#false", 6)))
            b = 0;
        if (b >= 0) {
            sx *x = mk(r, SX_BOOL, line, col);
            if (!x)
                return oom(r, line, col);
            x->u.i = b;
            *out = x;
            return 1;
        }
        /* back up and try as a number (#x1F) */
        r->pos = start;
        r->line = line;
        r->col = col;
        return read_atom(r, out, line, col);
    }
    default:
        return read_atom(r, out, line, col);
    }
}

int sx_read(sx_reader *r, sx **out)
{
    *out = NULL;
    r->err[0] = 0;
    r->used = 0;
    return read_datum(r, out, 0);
}

void sx_free(sx *x)
{
    if (!x)
        return;
    switch (x->kind) {
    case SX_SYMBOL:
    case SX_STRING:
        free(x->u.str.s);
        break;
    case SX_LIST:
    case SX_VECTOR:
        for (size_t i = 0; i < x->u.list.n; i++)
            sx_free(x->u.list.items[i]);
        free(x->u.list.items);
        sx_free(x->u.list.tail);
        break;
    default:
        break;
    }
    free(x);
}

size_t sx_len(const sx *x) { return x && x->kind == SX_LIST ? x->u.list.n : 0; }

sx *sx_at(const sx *x, size_t i)
{
    return x && (x->kind == SX_LIST || x->kind == SX_VECTOR) && i < x->u.list.n ? x->u.list.items[i] : NULL;
}

const char *sx_sym(const sx *x) { return x && x->kind == SX_SYMBOL ? x->u.str.s : NULL; }

static size_t pr(char *buf, size_t n, size_t at, const char *fmt, ...)
{
    if (at >= n)
        return at;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + at, n - at, fmt, ap);
    va_end(ap);
    return k < 0 ? at : at + (size_t)k;
}

static size_t print_rec(const sx *x, char *buf, size_t n, size_t at)
{
    switch (x->kind) {
    case SX_INT: return pr(buf, n, at, "%lld", (long long)x->u.i);
    case SX_REAL: return pr(buf, n, at, "%g", x->u.d);
    case SX_SYMBOL: return pr(buf, n, at, "%s", x->u.str.s);
    case SX_STRING: return pr(buf, n, at, "\"%s\"", x->u.str.s);
    case SX_CHAR: return pr(buf, n, at, "#\\x%x", (unsigned)x->u.ch);
    case SX_BOOL: return pr(buf, n, at, x->u.i ? "#t" : "#f");
    case SX_LIST:
    case SX_VECTOR:
        at = pr(buf, n, at, x->kind == SX_LIST ? "(" : "#(");
        for (size_t i = 0; i < x->u.list.n; i++) {
            if (i)
                at = pr(buf, n, at, " ");
            at = print_rec(x->u.list.items[i], buf, n, at);
        }
        if (x->u.list.tail) {
            at = pr(buf, n, at, " . ");
            at = print_rec(x->u.list.tail, buf, n, at);
        }
        return pr(buf, n, at, ")");
    }
    return at;
}

char *sx_print(const sx *x, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    buf[0] = 0;
    print_rec(x, buf, n, 0);
    return buf;
}
