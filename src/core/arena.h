/* arena: memory for one request (or one job), freed all at once at its end, so
 * handlers and the store can return strings and lists without a free() per field. */
#ifndef CONFIDE_CORE_ARENA_H
#define CONFIDE_CORE_ARENA_H
#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;
};

void *arena_alloc(struct arena *a, size_t n);       /* zeroed, 16-byte aligned */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* Grows an array of `*cap` items of `size` bytes to hold at least `need` (copying). */
void *arena_grow(struct arena *a, void *items, size_t size, size_t *cap, size_t need);
void arena_free(struct arena *a);

#endif
