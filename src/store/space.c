/* space: the store's account of writes refused because the disk is full. A full disk
 * refuses every write until space returns, so the log gets one line when the refusals
 * start, one an hour while they go on, and one when a write goes through again; never
 * one per request. Sans I/O: the caller passes the time and writes the line. */
#include <assert.h>

#include "store/internal.h"

enum store_space_event store_space_refused(struct store_space *sp, int64_t now_ms)
{
    sp->refused++;
    if (!sp->full) {
        sp->full = 1;
        sp->since_ms = now_ms;
        sp->reported_ms = now_ms;
        return STORE_SPACE_FULL;
    }
    if (now_ms - sp->reported_ms >= STORE_SPACE_REPORT_MS) {
        sp->reported_ms = now_ms;
        return STORE_SPACE_STILL_FULL;
    }
    return STORE_SPACE_QUIET;
}

enum store_space_event store_space_wrote(struct store_space *sp, int64_t now_ms)
{
    (void)now_ms;
    if (!sp->full)
        return STORE_SPACE_QUIET;
    assert(sp->refused > 0);
    sp->full = 0;
    return STORE_SPACE_BACK;
}
