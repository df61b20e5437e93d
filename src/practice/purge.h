/* purge: the daily retention purge of erased clients' held records, run from the mail
 * thread's tick (one node at a time), and the retention rule handed to the store. */
#ifndef CONFIDE_PRACTICE_PURGE_H
#define CONFIDE_PRACTICE_PURGE_H
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "store/store.h"

/* The practice's retention rule at `now` (practice/retention.h), for the store. */
struct store_retention purge_retention(int years, int64_t now);
/* One purge now, in a transaction of its own: rows and clients let go. 0, -EBUSY when
 * another node is at it, or -errno. */
int purge_run(struct store *s, int years, int64_t now, int64_t *rows, int64_t *clients);
/* The mail thread's tick (ctx: the config): the reminders, then the purge once a day. */
void purge_and_reminders_tick(void *ctx, struct store *s, struct arena *a, int64_t now);

#endif
