/* xalloc: allocation that never returns NULL. Out of memory aborts the process:
 * there is no half-handled OOM path anywhere in confide. */
#ifndef CONFIDE_CORE_XALLOC_H
#define CONFIDE_CORE_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
