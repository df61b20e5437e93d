#include "practice/mailer.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/links.h"
#include "core/buf.h"
#include "core/log.h"
#include "mail/compose.h"
#include "mail/ics.h"
#include "practice/schedule.h"

/* Everything one series' mails are made from. */
struct series_view {
    struct store_series series;
    struct store_occurrence *occ;
    size_t occ_count;
    struct store_invite *invites;
    size_t invite_count;
    struct store_user therapist;
    struct store_group group; /* when series.group_id */
};

static int load_view(struct store *s, struct arena *a, int64_t series_id, struct series_view *v)
{
    memset(v, 0, sizeof *v);
    int rc = store_series_get(s, a, series_id, &v->series);
    if (rc == 0)
        rc = store_occurrence_list(s, a, series_id, &v->occ, &v->occ_count);
    if (rc == 0)
        rc = store_invite_list(s, a, series_id, &v->invites, &v->invite_count);
    if (rc == 0)
        rc = store_user_by_id(s, a, v->series.therapist_id, &v->therapist);
    if (rc == 0 && v->series.group_id) {
        /* an archived group's sessions still tell their members what happened */
        rc = store_group_get(s, a, v->series.group_id, &v->group);
        if (rc == -ENOENT)
            rc = 0;
    }
    return rc;
}

static const char *host_of(const char *url)
{
    const char *h = strstr(url, "://");
    return h ? h + 3 : url;
}

/* "18:00" in the zone, for "Friday 20 March 2026, 18:00–18:50". */
static void format_span(const char *tz, int64_t start, int64_t end, char out[96])
{
    char from[64];
    struct sched_local until;
    if (sched_format_human(tz, start, from) < 0 || sched_local_from_utc(tz, end, &until) < 0) {
        snprintf(out, 96, "(time unavailable)");
        return;
    }
    snprintf(out, 96, "%s–%02d:%02d (%s)", from, until.hour, until.minute, tz);
}

static void format_meeting_id(const char *id, char out[16])
{
    /* 123 456 7890: easier to read out and to type */
    snprintf(out, 16, "%.3s %.3s %s", id, id + 3, strlen(id) > 6 ? id + 6 : "");
}

/* The occurrence a mail is about: the focus, or the next one not cancelled, or the first. */
static const struct store_occurrence *pick_occurrence(const struct series_view *v, int64_t focus,
                                                      int64_t now)
{
    const struct store_occurrence *first = v->occ_count ? &v->occ[0] : NULL;
    for (size_t i = 0; i < v->occ_count; i++)
        if (v->occ[i].id == focus)
            return &v->occ[i];
    for (size_t i = 0; i < v->occ_count; i++)
        if (!v->occ[i].cancelled_at && v->occ[i].ends_at > now)
            return &v->occ[i];
    return first;
}

static void describe_recurrence(const char *rrule, const char *tz, struct buf *out)
{
    if (!rrule || !*rrule)
        return;
    const char *interval = strstr(rrule, "INTERVAL=2") ? "every 2 weeks" : "every week";
    const char *count = strstr(rrule, "COUNT=");
    const char *until = strstr(rrule, "UNTIL=");
    if (count)
        buf_printf(out, "Repeats: %s, %d times in all.\n", interval, atoi(count + 6));
    else if (until)
        buf_printf(out, "Repeats: %s, until %.4s-%.2s-%.2s.\n", interval, until + 6, until + 10,
                   until + 12);
    (void)tz;
}

static void write_body(const struct series_view *v, const struct config *cfg, enum mailer_kind kind,
                       const struct store_client *client, const struct store_invite *inv,
                       const struct store_occurrence *occ, const char *url, int64_t now,
                       struct buf *text)
{
    const char *tz = client->time_zone ? client->time_zone : v->series.time_zone;
    char when[96], meeting[16];
    format_span(tz, occ->starts_at, occ->ends_at, when);
    format_meeting_id(occ->meeting_id, meeting);
    buf_printf(text, "Hello %s,\n\n", client->name);
    switch (kind) {
    case MAILER_INVITE:
        buf_printf(text, "%s has booked %s with you.\n\n", v->therapist.name,
                   v->series.rrule[0] ? "a series of appointments" : "an appointment");
        buf_printf(text, "When: %s\n", when);
        describe_recurrence(v->series.rrule, tz, text);
        break;
    case MAILER_UPDATE: {
        buf_printf(text, "%s has changed the schedule of your appointments.\n\n",
                   v->therapist.name);
        buf_puts(text, "Coming up:\n");
        int listed = 0;
        for (size_t i = 0; i < v->occ_count && listed < 6; i++) {
            if (v->occ[i].cancelled_at || v->occ[i].ends_at <= now)
                continue;
            char span[96];
            format_span(tz, v->occ[i].starts_at, v->occ[i].ends_at, span);
            buf_printf(text, "  - %s\n", span);
            listed++;
        }
        if (!listed)
            buf_puts(text, "  (no further appointments)\n");
        break;
    }
    case MAILER_CANCEL:
        buf_printf(text, "%s has cancelled your %s. There is nothing you need to do.\n",
                   v->therapist.name,
                   v->series.rrule[0] ? "series of appointments" : "appointment");
        buf_printf(text, "\nIf you have questions, please contact %s directly.\n\n— %s\n",
                   v->therapist.name, cfg->practice_name);
        return;
    case MAILER_REMINDER:
        buf_printf(text, "This is a reminder of your appointment with %s.\n\nWhen: %s\n",
                   v->therapist.name, when);
        break;
    }
    buf_printf(text,
               "\nYour personal link (please keep it to yourself):\n%s\n\n"
               "Meeting ID: %s\nMeeting password: %s\n",
               url, meeting, occ->password);
    if (v->series.rrule[0] && kind != MAILER_REMINDER)
        buf_puts(text, "(Each appointment has its own password; the reminder before each one "
                       "tells you its password.)\n");
    if (kind == MAILER_INVITE || kind == MAILER_REMINDER)
        buf_printf(text,
                   "\nBefore you join:\n"
                   "  - Find a quiet, private place where nobody can overhear you.\n"
                   "  - Use headphones if other people are nearby.\n"
                   "  - Test your camera, microphone and connection beforehand: %s/check\n",
                   cfg->public_url);
    if (kind == MAILER_INVITE && v->group.agreement)
        buf_printf(text,
                   "\nThe group agreement (you will be asked to accept it when you join):\n\n"
                   "%s\n",
                   v->group.agreement);
    buf_printf(text, "\nIf you cannot come, please let %s know.\n\n— %s\n", v->therapist.name,
               cfg->practice_name);
    (void)inv;
}

/* The series as iCalendar: master event, EXDATEs for cancelled occurrences, overrides for
 * moved ones. */
static int write_ics(const struct series_view *v, const struct config *cfg, enum mailer_kind kind,
                     const struct store_client *client, const char *url, int64_t now,
                     struct arena *a, struct buf *out)
{
    if (v->occ_count == 0)
        return -EINVAL;
    int recurring = v->series.rrule[0] != '\0';
    const struct store_occurrence *first = &v->occ[0];
    int64_t *exdates = arena_alloc(a, (v->occ_count + 1) * sizeof *exdates);
    struct ics_override *overrides = arena_alloc(a, (v->occ_count + 1) * sizeof *overrides);
    size_t nex = 0, nov = 0;
    for (size_t i = 0; recurring && i < v->occ_count; i++) {
        const struct store_occurrence *o = &v->occ[i];
        if (o->cancelled_at)
            exdates[nex++] = o->original_start;
        else if (o->starts_at != o->original_start)
            overrides[nov++] = (struct ics_override){o->original_start, o->starts_at, o->ends_at};
    }
    char summary[200];
    snprintf(summary, sizeof summary, "Appointment with %s", cfg->practice_name);
    struct ics_event ev = {
        .uid = v->series.ics_uid,
        .sequence = v->series.sequence,
        .dtstamp_utc = now,
        .tz = v->series.time_zone,
        .start_utc = recurring ? first->original_start : first->starts_at,
        .end_utc = (recurring ? first->original_start : first->starts_at) +
                   (int64_t)v->series.duration_minutes * 60000,
        .rrule = recurring ? v->series.rrule : NULL,
        .exdates_utc = exdates,
        .exdate_count = nex,
        .overrides = overrides,
        .override_count = nov,
        .summary = summary,
        .description = url,
        .location = url,
        .organizer_name = cfg->practice_name,
        .organizer_email = cfg->smtp_from,
        .attendee_name = client->name,
        .attendee_email = client->email,
    };
    return ics_build(&ev, kind == MAILER_CANCEL ? ICS_CANCEL : ICS_REQUEST, out);
}

static const char *kind_name(enum mailer_kind kind)
{
    static const char *const names[] = {"invite", "update", "cancel", "reminder"};
    return names[kind];
}

static const char *subject_prefix(enum mailer_kind kind)
{
    static const char *const prefixes[] = {"", "Updated: y", "Cancelled: y", "Reminder: y"};
    return prefixes[kind];
}

/* Composes one mail from the practice to a client and queues it in the outbox. Returns 1
 * when queued, 0 when the message could not be composed (an address that cannot be written
 * to does not stop the mails to the others), or -errno from the store. */
int mailer_queue_to(struct store *s, const struct config *cfg, const char *kind,
                    const char *to_name, const char *to_email, const char *who, int64_t who_id,
                    const char *subject, const char *text, const struct mail_attachment *calendar,
                    int64_t expires_at, int64_t now)
{
    char domain[128], message_id[128];
    snprintf(domain, sizeof domain, "%.*s", (int)strcspn(host_of(cfg->public_url), ":/"),
             host_of(cfg->public_url));
    mail_message_id_new(domain, message_id);
    struct mail_message m = {
        .from_name = cfg->practice_name,
        .from_email = cfg->smtp_from,
        .to_name = to_name,
        .to_email = to_email,
        .subject = subject,
        .message_id = message_id,
        .date_utc = now,
        .text = text,
        .calendar = calendar,
    };
    struct buf message = {0};
    int rc = mail_compose(&m, &message);
    if (rc == 0) {
        struct store_mail row = {.message_id = message_id,
                                 .kind = (char *)kind,
                                 .recipient = (char *)to_email,
                                 .message = message.data,
                                 .message_len = message.len,
                                 .created_at = now,
                                 .expires_at = expires_at};
        int64_t id;
        rc = store_mail_insert(s, &row, &id);
        rc = rc < 0 ? rc : 1;
    } else {
        log_warn("mail", "%s to %s=%lld: the message could not be composed", kind, who,
                 (long long)who_id);
        rc = 0;
    }
    buf_free(&message);
    return rc;
}

static int queue_to_client(struct store *s, const struct config *cfg, const char *kind,
                           const struct store_client *client, const char *subject, const char *text,
                           const struct mail_attachment *calendar, int64_t expires_at, int64_t now)
{
    return mailer_queue_to(s, cfg, kind, client->name, client->email, "client", client->id, subject,
                           text, calendar, expires_at, now);
}

static int queue_one(struct store *s, struct arena *a, const struct config *cfg,
                     enum mailer_kind kind, const struct series_view *v,
                     const struct store_invite *inv, const struct store_occurrence *occ,
                     int64_t now)
{
    struct store_client client;
    int rc = store_client_get(s, a, inv->client_id, &client);
    if (rc == -ENOENT)
        return 0; /* archived since: nobody to write to */
    if (rc < 0)
        return rc;
    const char *url = link_url(a, cfg->public_url, "/j/", inv->token);
    struct buf text = {0}, ics = {0};
    write_body(v, cfg, kind, &client, inv, occ, url, now, &text);
    rc = write_ics(v, cfg, kind, &client, url, now, a, &ics);
    char subject[200];
    snprintf(subject, sizeof subject, "%s%sour appointment with %s", subject_prefix(kind),
             kind == MAILER_INVITE ? "Y" : "", cfg->practice_name);
    char content_type[80];
    snprintf(content_type, sizeof content_type, "text/calendar; charset=utf-8; method=%s",
             kind == MAILER_CANCEL ? "CANCEL" : "REQUEST");
    struct mail_attachment calendar = {NULL, content_type, ics.data, ics.len};
    /* a reminder is no use once its session has begun */
    int64_t expires_at = kind == MAILER_REMINDER && occ ? occ->starts_at : 0;
    rc = queue_to_client(s, cfg, kind_name(kind), &client, subject, text.data,
                         rc == 0 ? &calendar : NULL, expires_at, now);
    buf_free(&text);
    buf_free(&ics);
    return rc;
}

/* Queues kind for the series' current invitees, or only for client_id when it is not 0. */
static int queue_invitees(struct store *s, struct arena *a, const struct config *cfg,
                          enum mailer_kind kind, int64_t series_id, int64_t focus_occurrence_id,
                          int64_t client_id, int64_t now)
{
    struct series_view v;
    int rc = load_view(s, a, series_id, &v);
    if (rc < 0)
        return rc;
    const struct store_occurrence *occ = pick_occurrence(&v, focus_occurrence_id, now);
    if (!occ)
        return 0;
    int queued = 0;
    for (size_t i = 0; i < v.invite_count; i++) {
        if (client_id && v.invites[i].client_id != client_id)
            continue;
        /* only those the link is still for: not a member removed from the group since,
         * nor a client archived */
        int current;
        rc = store_invite_current(s, v.invites[i].id, &current);
        if (rc < 0)
            return rc;
        if (!current)
            continue;
        rc = queue_one(s, a, cfg, kind, &v, &v.invites[i], occ, now);
        if (rc < 0)
            return rc;
        queued += rc;
    }
    return queued;
}

int mailer_queue(struct store *s, struct arena *a, const struct config *cfg, enum mailer_kind kind,
                 int64_t series_id, int64_t focus_occurrence_id, int64_t now)
{
    return queue_invitees(s, a, cfg, kind, series_id, focus_occurrence_id, 0, now);
}

int mailer_queue_invite_to(struct store *s, struct arena *a, const struct config *cfg,
                           int64_t series_id, int64_t client_id, int64_t now)
{
    assert(client_id > 0);
    return queue_invitees(s, a, cfg, MAILER_INVITE, series_id, 0, client_id, now);
}

static void reminder_pass(const struct config *cfg, struct store *s, struct arena *a, int64_t now)
{
    int offsets[8];
    int n = config_reminder_minutes(cfg, offsets);
    /* nearest first: when several come due at once (the server was down), one mail */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (offsets[j] < offsets[i]) {
                int t = offsets[i];
                offsets[i] = offsets[j];
                offsets[j] = t;
            }
    if (store_begin(s) < 0)
        return;
    int queued = 0, rc = 0;
    for (int k = 0; k < n && rc >= 0; k++) {
        struct store_occurrence *due;
        size_t count;
        rc = store_reminders_due(s, a, now, offsets[k], &due, &count);
        for (size_t i = 0; rc >= 0 && i < count; i++) {
            struct store_series se;
            rc = store_series_get(s, a, due[i].series_id, &se);
            if (rc < 0)
                break;
            /* mark every offset this occurrence is inside of, so it gets one reminder */
            for (int m = k; m < n && rc >= 0; m++) {
                if (due[i].starts_at - now > (int64_t)offsets[m] * 60000)
                    continue;
                rc = store_reminder_mark(s, due[i].id, offsets[m], now);
                if (rc == -EEXIST)
                    rc = 0;
            }
            /* a session booked closer to its start than the offset needs no reminder:
             * the invitation just said it all */
            int64_t remind_at = due[i].starts_at - (int64_t)offsets[k] * 60000;
            if (rc >= 0 && remind_at >= se.created_at) {
                rc = mailer_queue(s, a, cfg, MAILER_REMINDER, se.id, due[i].id, now);
                if (rc > 0)
                    queued += rc;
            }
        }
    }
    if (rc >= 0)
        rc = store_commit(s);
    if (rc < 0) {
        store_rollback(s);
        if (rc != -ENOSPC) /* a full disk: the store logs it once, not every tick */
            log_warn("mail", "the reminder pass failed; it runs again at the next tick");
        return;
    }
    if (queued)
        log_info("mail", "queued %d reminder(s)", queued);
}

/* With several nodes on one database, one runs the pass while the others skip the round:
 * each would wait for the writer lock only to find the reminders marked already. */
void mailer_reminders_tick(void *ctx, struct store *s, struct arena *a, int64_t now)
{
    if (store_reminders_try_lock(s) <= 0)
        return; /* another node is at it, or the database is away: the next tick */
    reminder_pass(ctx, s, a, now);
    store_reminders_unlock(s);
}

/* ---- "find a time" polls ---- */

/* One member's mail: hello, who asks, the times in their zone, their link. */
static void write_poll_body(const struct config *cfg, const struct store_user *therapist,
                            const struct store_poll *poll, const struct store_poll_slot *slots,
                            size_t nslots, const struct store_client *client, const char *url,
                            struct buf *text)
{
    const char *tz = client->time_zone ? client->time_zone : poll->time_zone;
    buf_printf(text, "Hello %s,\n\n", client->name);
    buf_printf(text,
               "%s would like to find a time when the group can meet, and asks which of these "
               "times suit you:\n\n",
               therapist->name);
    for (size_t i = 0; i < nslots; i++) {
        char span[96];
        format_span(tz, slots[i].starts_at,
                    slots[i].starts_at + (int64_t)poll->duration_minutes * 60000, span);
        buf_printf(text, "  - %s\n", span);
    }
    buf_printf(text,
               "\nPlease answer through your personal link (keep it to yourself):\n%s\n\n"
               "For each time you can say \"Available\", \"If need be\" or \"Not available\", "
               "and change your answers later through the same link. Once a time is chosen, "
               "the invitation follows by email.\n\n— %s\n",
               url, cfg->practice_name);
}

int mailer_queue_poll(struct store *s, struct arena *a, const struct config *cfg, int64_t poll_id,
                      int64_t now)
{
    struct store_poll poll;
    struct store_poll_slot *slots;
    struct store_poll_invite *invites;
    struct store_user therapist;
    size_t nslots, ninvites;
    int rc = store_poll_get(s, a, poll_id, &poll);
    if (rc == 0)
        rc = store_poll_slot_list(s, a, poll_id, &slots, &nslots);
    if (rc == 0)
        rc = store_poll_invite_list(s, a, poll_id, &invites, &ninvites);
    if (rc == 0)
        rc = store_user_by_id(s, a, poll.therapist_id, &therapist);
    if (rc < 0)
        return rc;
    char subject[200];
    snprintf(subject, sizeof subject, "Please choose a time with %s", cfg->practice_name);
    int queued = 0;
    for (size_t i = 0; i < ninvites; i++) {
        struct store_client client;
        rc = store_client_get(s, a, invites[i].client_id, &client);
        if (rc == -ENOENT)
            continue; /* archived since: nobody to write to */
        if (rc < 0)
            return rc;
        const char *url = link_url(a, cfg->public_url, "/p/", invites[i].token);
        struct buf text = {0};
        write_poll_body(cfg, &therapist, &poll, slots, nslots, &client, url, &text);
        rc = queue_to_client(s, cfg, "poll", &client, subject, text.data, NULL, 0, now);
        buf_free(&text);
        queued += rc > 0;
        if (rc < 0)
            return rc;
    }
    return queued;
}
