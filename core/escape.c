/* escape: text from a guest or a file, made safe to print (see escape.h). */
#include "core/escape.h"

#include <string.h>

size_t vvm_escape_byte(char out[5], unsigned char c)
{
    static const char oct[] = "01234567";
    size_t n = 0;
    if (c >= 32 && c < 127 && c != '\\' && c != '"') {
        out[n++] = (char)c;
    } else if (c == '\n' || c == '\t' || c == '\\' || c == '"') {
        out[n++] = '\\';
        out[n++] = c == '\n' ? 'n' : c == '\t' ? 't' : (char)c;
    } else {
        out[n++] = '\\';
        out[n++] = oct[c >> 6];
        out[n++] = oct[(c >> 3) & 7];
        out[n++] = oct[c & 7];
    }
    out[n] = 0;
    return n;
}

char *vvm_escape(char *dst, size_t n, const char *s)
{
    char e[5];
    size_t total = 0;
    for (const char *q = s; *q; q++)
        total += vvm_escape_byte(e, (unsigned char)*q);
    /* all of it, or as many whole escapes as leave room for "..." */
    size_t room = total < n ? n - 1 : n >= 4 ? n - 4 : 0, k = 0;
    for (; *s; s++) {
        size_t m = vvm_escape_byte(e, (unsigned char)*s);
        if (k + m > room)
            break;
        memcpy(dst + k, e, m);
        k += m;
    }
    if (total >= n && n >= 4) {
        memcpy(dst + k, "...", 3);
        k += 3;
    }
    if (n)
        dst[k] = 0;
    return dst;
}
