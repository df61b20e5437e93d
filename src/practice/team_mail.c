#include "practice/team_mail.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "practice/mailer.h"
#include "practice/schedule.h"

void team_invitation_url(const struct config *cfg, const char *token, char *out, size_t size)
{
    snprintf(out, size, "%s/invite#%s", cfg->public_url, token);
}

int team_mail_invitation(struct store *s, const struct config *cfg,
                         const struct store_user *invited, const char *url, int64_t expires_at,
                         int64_t now)
{
    char until[64], subject[200];
    if (sched_format_human("UTC", expires_at, until) < 0)
        snprintf(until, sizeof until, "seven days from now");
    struct buf text = {0};
    buf_printf(&text, "Hello %s,\n\n", invited->name);
    buf_printf(&text,
               "You have been given an account at %s, to hold sessions online.\n\n"
               "Please choose your password through this link (keep it to yourself; it "
               "works once, until %s UTC):\n%s\n\n"
               "Afterwards you sign in with this email address and that password.\n\n— %s\n",
               cfg->practice_name, until, url, cfg->practice_name);
    snprintf(subject, sizeof subject, "Your account at %s", cfg->practice_name);
    int rc = mailer_queue_to(s, cfg, "account_invite", invited->name, invited->email, "user",
                             invited->id, subject, text.data, NULL, 0, now);
    buf_free(&text);
    return rc;
}

int team_mail_emergency_notice(struct store *s, struct arena *a, const struct config *cfg,
                               int64_t therapist_id, int64_t opened_at, int64_t now)
{
    struct store_user therapist;
    int rc = store_user_by_id(s, a, therapist_id, &therapist);
    if (rc < 0)
        return rc;
    char when[32];
    sched_format_rfc3339_utc(opened_at, when);
    struct buf text = {0};
    /* no client's name and no reason: mail leaves the server, the dashboard does not */
    buf_printf(&text,
               "Hello %s,\n\n"
               "An administrator of %s used emergency access to open the record of one of your "
               "clients at %s (UTC).\n\n"
               "Sign in to see which client, who opened it and the reason they gave:\n\n"
               "    %s/dashboard\n\n"
               "You are told every time this happens. If you did not expect it, speak to your "
               "practice's administrator.\n",
               therapist.name, cfg->practice_name, when, cfg->public_url);
    char subject[200];
    snprintf(subject, sizeof subject, "Emergency access to a client's record at %s",
             cfg->practice_name);
    rc = mailer_queue_to(s, cfg, "emergency_notice", therapist.name, therapist.email, "user",
                         therapist.id, subject, text.data, NULL, 0, now);
    buf_free(&text);
    return rc;
}
