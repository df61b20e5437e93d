/* licence_mail: licence reminders by mail and the flags' words (licence_mail.h). */
#include "practice/licence_mail.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "practice/jurisdictions.h"
#include "practice/licences.h"
#include "practice/mailer.h"

#define DAY_MS ((int64_t)24 * 60 * 60 * 1000)

int32_t licence_utc_day(int64_t now_ms)
{
    int64_t day = now_ms / DAY_MS - (now_ms % DAY_MS < 0);
    assert(day >= INT32_MIN && day <= INT32_MAX);
    return (int32_t)day;
}

static const char *jurisdiction_name(const char *key)
{
    const struct jurisdiction *j = key ? jurisdiction_find(key) : NULL;
    return j ? j->name : key ? key : "";
}

void licence_reminder_write(const struct config *cfg, const char *name,
                            const struct store_licence *l, int32_t today, char *subject,
                            size_t size, struct buf *text)
{
    char expires[CIVIL_DATE_LEN];
    civil_date_format(l->expires_on, expires);
    const char *where = jurisdiction_name(l->jurisdiction);
    int32_t left = l->expires_on - today;
    snprintf(subject, size, "Your licence in %s expires on %s", where, expires);
    buf_printf(text, "Hello %s,\n\n", name);
    if (left > 1)
        buf_printf(text, "Your %s licence in %s (number %s) expires on %s, in %d days.\n\n",
                   l->kind, where, l->number, expires, (int)left);
    else
        buf_printf(text, "Your %s licence in %s (number %s) expires on %s, %s.\n\n", l->kind, where,
                   l->number, expires, left == 1 ? "tomorrow" : "today");
    buf_printf(text,
               "After that date, your sessions with clients who say they are in %s will be "
               "flagged on your dashboard, unless an interstate compact the practice relies "
               "on covers them.\n\n"
               "When you have renewed it, enter the new expiry date under \"Your licences\" in "
               "your account:\n\n    %s/dashboard\n\n— %s\n",
               where, cfg->public_url, cfg->practice_name);
}

void licence_flag_reason(const struct store_licence *held, size_t n, const char *jurisdiction,
                         int32_t day, char *out, size_t size)
{
    if (!jurisdiction || !jurisdiction[0]) {
        snprintf(out, size, "The client did not say where they were");
        return;
    }
    const struct store_licence *expired = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(held[i].jurisdiction, jurisdiction) == 0 && held[i].expires_on < day &&
            (!expired || held[i].expires_on > expired->expires_on))
            expired = &held[i];
    if (expired) {
        char date[CIVIL_DATE_LEN];
        civil_date_format(expired->expires_on, date);
        snprintf(out, size, "Your licence in %s expired on %s", jurisdiction_name(jurisdiction),
                 date);
    } else
        snprintf(out, size, "No licence or compact covers %s", jurisdiction_name(jurisdiction));
}

static int remind_one(const struct config *cfg, struct store *s, struct arena *a,
                      const struct store_licence *l, int32_t today, int64_t now)
{
    enum licence_reminder due = licence_reminder_due(l->expires_on, today, l->reminders_sent);
    if (due == LICENCE_REMIND_NONE)
        return 0;
    struct store_user u;
    int rc = store_user_by_id(s, a, l->user_id, &u);
    if (rc < 0)
        return rc == -ENOENT ? 0 : rc;
    char subject[200];
    struct buf text = {0};
    licence_reminder_write(cfg, u.name, l, today, subject, sizeof subject, &text);
    /* no use after the expiry day: a reminder that waited that long fails unsent */
    int64_t useless_at = ((int64_t)l->expires_on + 2) * DAY_MS;
    rc = mailer_queue_to(s, cfg, "licence_reminder", u.name, u.email, "user", u.id, subject,
                         text.data, NULL, useless_at, now);
    buf_free(&text);
    if (rc <= 0)
        return rc; /* 0: not composed (logged); not marked, so tried again tomorrow */
    unsigned sent =
        l->reminders_sent | (due == LICENCE_REMIND_60 ? LICENCE_SENT_60 : LICENCE_SENT_14);
    rc = store_licence_mark_sent(s, l->id, l->expires_on, sent);
    return rc < 0 ? rc : 1;
}

int licence_reminders_run(const struct config *cfg, struct store *s, struct arena *a, int64_t now,
                          int *queued)
{
    *queued = 0;
    int locked = store_reminders_try_lock(s);
    if (locked <= 0)
        return locked == 0 ? -EBUSY : -EIO;
    int32_t today = licence_utc_day(now);
    int rc = store_begin(s);
    if (rc == 0) {
        struct store_licence *due;
        size_t n;
        rc = store_licences_expiring(s, a, today, today + LICENCE_REMIND_FIRST_DAYS,
                                     LICENCE_REMINDERS_MAX, &due, &n);
        for (size_t i = 0; rc >= 0 && i < n; i++) {
            rc = remind_one(cfg, s, a, &due[i], today, now);
            if (rc > 0)
                (*queued)++;
        }
    }
    if (rc >= 0)
        rc = store_commit(s);
    if (rc < 0) {
        store_rollback(s);
        *queued = 0;
    }
    store_reminders_unlock(s);
    return rc < 0 ? rc : 0;
}

void licence_reminders_tick(const struct config *cfg, struct store *s, struct arena *a, int64_t now)
{
    /* the mail thread runs one tick at a time: no lock needed for this */
    static int64_t last_run = INT64_MIN;
    if (last_run != INT64_MIN && now - last_run < DAY_MS)
        return;
    int queued = 0;
    int rc = licence_reminders_run(cfg, s, a, now, &queued);
    if (rc == -EBUSY)
        return; /* another node's reminders hold the lock: the next tick */
    if (rc < 0) {
        if (rc != -ENOSPC)
            log_warn("mail", "the licence reminders failed; they run again at the next tick");
        return;
    }
    last_run = now;
    if (queued)
        log_info("mail", "queued %d licence reminder(s)", queued);
}
