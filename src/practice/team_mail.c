#include "practice/team_mail.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "mail/compose.h"
#include "practice/schedule.h"

void team_invitation_url(const struct config *cfg, const char *token, char *out, size_t size)
{
    snprintf(out, size, "%s/invite#%s", cfg->public_url, token);
}

/* The domain of public_url, for the Message-ID. */
static void domain_of(const char *url, char out[128])
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    snprintf(out, 128, "%.*s", (int)strcspn(h, ":/"), h);
}

int team_mail_invitation(struct store *s, const struct config *cfg,
                         const struct store_user *invited, const char *url, int64_t expires_at,
                         int64_t now)
{
    char until[64], domain[128], message_id[128], subject[200];
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
    domain_of(cfg->public_url, domain);
    mail_message_id_new(domain, message_id);
    struct mail_message m = {
        .from_name = cfg->practice_name,
        .from_email = cfg->smtp_from,
        .to_name = invited->name,
        .to_email = invited->email,
        .subject = subject,
        .message_id = message_id,
        .date_utc = now,
        .text = text.data,
    };
    struct buf message = {0};
    int rc = mail_compose(&m, &message);
    if (rc == 0) {
        struct store_mail row = {.message_id = message_id,
                                 .kind = "account_invite",
                                 .recipient = invited->email,
                                 .message = message.data,
                                 .message_len = message.len,
                                 .created_at = now};
        int64_t id;
        rc = store_mail_insert(s, &row, &id);
        rc = rc < 0 ? rc : 1;
    } else {
        log_warn("mail", "account_invite to user=%lld: the message could not be composed",
                 (long long)invited->id);
        rc = 0;
    }
    buf_free(&message);
    buf_free(&text);
    return rc;
}
