/* utf8: the two questions confide asks of text from the network. */
#ifndef CONFIDE_CORE_UTF8_H
#define CONFIDE_CORE_UTF8_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict UTF-8 (NUL-terminated): no overlong forms, no surrogates, nothing above U+10FFFF. */
bool utf8_valid(const char *s);
/* Characters (code points) in len bytes of valid UTF-8. */
size_t utf8_length(const char *s, size_t len);

/* A name as people will see it, from valid UTF-8: control characters (C0, DEL, C1), bidi
 * controls and invisible formatting (U+061C, U+200B–U+200F, U+202A–U+202E, U+2060–U+206F,
 * U+FEFF) dropped, so a name cannot hide text or turn the text around it; runs of white
 * space become one space; no space at either end. Writes at most cap - 1 bytes and a NUL,
 * never cutting a character; returns the length written. */
size_t utf8_clean_name(const char *in, char *out, size_t cap);
/* The same names, compared as people read them: cleaned, ASCII letters in either case. */
bool utf8_same_name(const char *a, const char *b);

#endif
