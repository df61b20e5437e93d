/* purge: the daily retention purge (purge.h). */
#include "practice/purge.h"

#include <errno.h>

#include "core/log.h"
#include "practice/charging.h"
#include "practice/licence_mail.h"
#include "practice/mailer.h"
#include "practice/retention.h"

#define PURGE_EVERY_MS (24 * 60 * 60 * 1000)
#define CHARGING_EVERY_MS (60 * 1000)

struct store_retention purge_retention(int years, int64_t now)
{
    return (struct store_retention){
        .years = years, .cutoff = retention_cutoff(now, years), .held_until = retention_held_until};
}

int purge_run(struct store *s, int years, int64_t now, int64_t *rows, int64_t *clients)
{
    *rows = *clients = 0;
    int locked = store_purge_try_lock(s);
    if (locked <= 0)
        return locked == 0 ? -EBUSY : -EIO;
    struct store_retention r = purge_retention(years, now);
    int rc = store_begin(s);
    if (rc == 0)
        rc = store_records_purge(s, &r, rows, clients);
    if (rc == 0 && (*rows || *clients))
        rc = store_audit(s, 0, "client.purge", 0, now);
    if (rc == 0)
        rc = store_commit(s);
    if (rc < 0)
        store_rollback(s);
    store_purge_unlock(s);
    return rc;
}

/* The mail thread runs one tick at a time: the last purge's time needs no lock. After a
 * start the first purge comes at once; one that failed is tried again the next tick. */
void purge_and_reminders_tick(void *ctx, struct store *s, struct arena *a, int64_t now)
{
    static int64_t last_purge = INT64_MIN;
    const struct config *cfg = ctx;
    mailer_reminders_tick(ctx, s, a, now);
    static int64_t last_charging = INT64_MIN;
    if (last_charging == INT64_MIN || now - last_charging >= CHARGING_EVERY_MS) {
        last_charging = now;
        if (charging_tick(cfg, s, a, now) < 0)
            log_warn("billing", "working out charges failed; it runs again at the next tick");
    }
    licence_reminders_tick(cfg, s, a, now);
    if (last_purge != INT64_MIN && now - last_purge < PURGE_EVERY_MS)
        return;
    int64_t rows, clients;
    int rc = purge_run(s, (int)cfg->retention_years, now, &rows, &clients);
    if (rc == -EBUSY) { /* another node is at it: the next is a day away here too */
        last_purge = now;
        return;
    }
    if (rc < 0) {
        if (rc != -ENOSPC)
            log_warn("store", "the retention purge failed; it runs again at the next tick");
        return;
    }
    last_purge = now;
    if (rows || clients)
        log_info("store", "retention purge: %lld held record(s) and %lld erased client(s) let go",
                 (long long)rows, (long long)clients);
}
