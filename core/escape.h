/* escape: text from a guest or a file, made safe to print.
 *
 * A name vvm did not choose (a PT_INTERP path, a guest path or argv[0], a
 * string a guest passes to a system call) may hold terminal escape
 * sequences.  Wherever vvm prints one, in an error message or in --strace
 * output, it goes through here: printable ASCII stays as it is, everything
 * else becomes a C-style escape (\n \t \\ \" and \ooo for the rest), as
 * strace(1) prints strings.
 */
#ifndef VVM_ESCAPE_H
#define VVM_ESCAPE_H

#include <stddef.h>

/* The escape of byte c in out (NUL-terminated, at most 4 characters);
 * returns its length. */
size_t vvm_escape_byte(char out[5], unsigned char c);

/* The escape of the NUL-terminated string s in dst (size n > 0, always
 * terminated; "..." ends it when it does not fit); returns dst. */
char *vvm_escape(char *dst, size_t n, const char *s);

#endif
