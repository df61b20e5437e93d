/* utf8: the two questions confide asks of text from the network. */
#ifndef CONFIDE_CORE_UTF8_H
#define CONFIDE_CORE_UTF8_H
#include <stdbool.h>
#include <stddef.h>

/* Strict UTF-8 (NUL-terminated): no overlong forms, no surrogates, nothing above U+10FFFF. */
bool utf8_valid(const char *s);
/* Characters (code points) in len bytes of valid UTF-8. */
size_t utf8_length(const char *s, size_t len);

#endif
