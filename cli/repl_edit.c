/* `vvm repl`'s line editor: libedit through its readline-compatible interface,
 * used when stdin and stdout are terminals (meta/vm/vml.c keeps its plain
 * reader otherwise, e.g. for piped input).  It lives in the CLI rather than in
 * libvvm.a so that programs embedding vvm need not link libedit.
 *
 * History: one line per entry, at most HISTORY_LINES, read at start and
 * written after each entry (so a session that ends by (exit), a signal or a
 * crash keeps it) to $VVM_HISTORY if set (set but empty: no history file),
 * else $XDG_STATE_HOME/vvm/history (XDG_STATE_HOME defaulting to
 * ~/.local/state).  A missing or unwritable file is silently ignored.
 *
 * libedit (and the terminfo, libbsd and libmd it pulls in) is dlopen'd when
 * an interactive REPL starts, not linked: every other vvm command starts
 * about 0.3 ms sooner.  Its header still types every entry point. */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cli/cli.h"
#include "core/dynlib.h"
#include "meta/vm/vml.h"

#define HISTORY_LINES 1000

static struct {
    __typeof__(&readline) readline;
    __typeof__(&add_history) add_history;
    __typeof__(&using_history) using_history;
    __typeof__(&stifle_history) stifle_history;
    __typeof__(&read_history) read_history;
    __typeof__(&write_history) write_history;
    __typeof__(&rl_catch_signals) catch_signals;
    __typeof__(&rl_readline_name) readline_name;
} el;

static const vvm_dynsym el_syms[] = {
    {"readline", (void **)&el.readline},
    {"add_history", (void **)&el.add_history},
    {"using_history", (void **)&el.using_history},
    {"stifle_history", (void **)&el.stifle_history},
    {"read_history", (void **)&el.read_history},
    {"write_history", (void **)&el.write_history},
    {"rl_catch_signals", (void **)&el.catch_signals},
    {"rl_readline_name", (void **)&el.readline_name},
};
static vvm_dynlib el_lib = {"libedit.so.2", el_syms, sizeof el_syms / sizeof el_syms[0], 0, ""};

static int load_libedit(void)
{
    if (vvm_dynlib_load(&el_lib) < 0) {
        fprintf(stderr, "vvm repl: no line editing (%s)\n", el_lib.why);
        return 0;
    }
    return 1;
}


static char *hist_path;

static char *history_path(void)
{
    const char *v = getenv("VVM_HISTORY");
    if (v)
        return *v ? strdup(v) : NULL;
    char *p = NULL;
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (state && *state == '/') {   /* the XDG spec: a relative path is to be ignored */
        if (asprintf(&p, "%s/vvm/history", state) < 0)
            p = NULL;
    } else if (home && *home) {
        if (asprintf(&p, "%s/.local/state/vvm/history", home) < 0)
            p = NULL;
    }
    return p;
}

/* mkdir -p of the directory part of path; errors are left for the write to meet */
static void make_parent_dirs(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return;
    for (char *s = strchr(d + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        if (mkdir(d, 0700) < 0 && errno != EEXIST)
            break;
        *s = '/';
    }
    free(d);
}

/* libedit's readline() returns a recalled entry only up to its first newline,
 * so a multi-line entry goes into the history joined into one line (";"
 * comments dropped), which reads as the same data.  NULL when it cannot be
 * joined (a newline inside a string or |symbol|, a #| comment |#). */
static char *one_line(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1), *p = o;
    if (!o)
        return NULL;
    char in = 0;   /* '"' or '|' while inside a string or |symbol| */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' && in)
            goto fail;
        if (in) {
            if (c == '\\' && in == '"' && s[i + 1] && s[i + 1] != '\n')
                *p++ = s[i++];
            else if (c == in)
                in = 0;
            c = s[i];
        } else if (c == '"' || c == '|') {
            in = c;
        } else if (c == '#' && (s[i + 1] == ';' || s[i + 1] == '\\')) {   /* #;datum, #\char */
            *p++ = s[i++];
            if (s[i] == '\\' && s[i + 1]) {
                if (s[i + 1] == '\n')
                    goto fail;
                *p++ = s[i++];
            }
            c = s[i];
        } else if (c == ';') {
            while (s[i + 1] && s[i + 1] != '\n')
                i++;
            continue;
        } else if (c == '\n') {
            while (p > o && (p[-1] == ' ' || p[-1] == '\t'))
                p--;
            while (s[i + 1] == ' ' || s[i + 1] == '\t')
                i++;
            c = ' ';
        }
        *p++ = c;
    }
    while (p > o && (p[-1] == ' ' || p[-1] == '\t'))
        p--;
    *p = 0;
    return o;
fail:
    free(o);
    return NULL;
}

static void edit_add_history(const char *entry)
{
    if (!entry[strspn(entry, " \t\n")])
        return;   /* blank */
    char *l = strchr(entry, '\n') ? one_line(entry) : NULL;
    if (!l || *l) {
        el.add_history(l ? l : entry);
        if (hist_path)
            el.write_history(hist_path);
    }
    free(l);
}

int repl_edit_begin(void)
{
    if (!isatty(0) || !isatty(1) || !load_libedit())
        return 0;
    setlocale(LC_CTYPE, "");   /* libedit decodes multibyte input by the locale */
    *el.readline_name = "vvm";   /* "vvm:" lines in ~/.editrc apply */
    /* No signal handlers of libedit's own: vml_repl's SIGINT handler stays in
     * place, so Ctrl-C interrupts a running evaluation, and at the prompt
     * makes readline() return NULL with the interrupt flag set, which
     * vml_repl takes as "drop this input". */
    *el.catch_signals = 0;
    el.using_history();
    el.stifle_history(HISTORY_LINES);
    hist_path = history_path();
    if (hist_path) {
        make_parent_dirs(hist_path);
        el.read_history(hist_path);
    }
    vml_repl_set_line_editor(el.readline, edit_add_history);
    return 1;
}

void repl_edit_end(void)
{
    vml_repl_set_line_editor(NULL, NULL);
    if (hist_path) {
        el.write_history(hist_path);
        free(hist_path);
        hist_path = NULL;
    }
}
