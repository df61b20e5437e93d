#include "practice/notify.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/links.h"
#include "core/log.h"
#include "mail/compose.h"
#include "practice/mailer.h"

enum notify_link_state notify_link_state(int64_t expires_at, int64_t used_at, int64_t now)
{
    if (used_at)
        return NOTIFY_LINK_USED;
    if (now >= expires_at)
        return NOTIFY_LINK_EXPIRED;
    return NOTIFY_LINK_OK;
}

void notify_subject(const char *practice_name, enum notify_reason why, struct buf *out)
{
    if (why == NOTIFY_NEW_MESSAGE)
        buf_printf(out, "You have a new secure message from %s", practice_name);
    else
        buf_printf(out, "Your link to your secure messages from %s", practice_name);
}

void notify_text(const char *practice_name, const char *url, enum notify_reason why,
                 struct buf *out)
{
    if (why == NOTIFY_NEW_MESSAGE)
        buf_printf(out, "You have a new secure message from %s.\n\n", practice_name);
    else
        buf_printf(out, "Here is the link you asked for to your secure messages from %s.\n\n",
                   practice_name);
    buf_printf(out,
               "Open it here: %s\n\n"
               "The link works once, for %lld minutes. If it has run out, open the page and "
               "ask for a new one.\n",
               url, NOTIFY_LINK_MS / 60000);
}

int notify_sms_body(const char *phone, const char *practice_name, const char *url,
                    struct buf *out)
{
    struct buf text = {0};
    notify_text(practice_name, url, NOTIFY_NEW_MESSAGE, &text);
    json_t *o = json_object();
    int rc = json_object_set_new(o, "to", json_string(phone)) |
             json_object_set_new(o, "text", json_string(text.data));
    char *dump = rc == 0 ? json_dumps(o, JSON_COMPACT) : NULL;
    if (dump)
        buf_puts(out, dump);
    free(dump);
    json_decref(o);
    buf_free(&text);
    return dump ? 0 : -1;
}

/* A new one-time link for the client: its URL (the token after '#', so it never reaches
 * a server's log), only its hash kept. */
static int new_link(struct store *s, struct arena *a, const struct config *cfg,
                    int64_t client_id, int64_t now, const char **url)
{
    char token[LINK_TOKEN_CHARS + 1];
    uint8_t hash[32];
    link_token_new(token, hash);
    int rc = store_inbox_link_insert(s, hash, client_id, now, now + NOTIFY_LINK_MS);
    *url = link_url(a, cfg->public_url, NOTIFY_PAGE "#", token);
    return rc;
}

static const char *host_of(const char *url)
{
    const char *h = strstr(url, "://");
    return h ? h + 3 : url;
}

static int queue_sms(struct store *s, struct arena *a, const struct config *cfg,
                     const struct store_client *client, int64_t now)
{
    const char *url;
    int rc = new_link(s, a, cfg, client->id, now, &url);
    if (rc < 0)
        return rc;
    struct buf body = {0};
    if (notify_sms_body(client->phone, cfg->practice_name, url, &body) < 0) {
        log_warn("mail", "client=%lld: the text message could not be composed",
                 (long long)client->id);
        buf_free(&body);
        return 0;
    }
    char domain[128], id[128];
    snprintf(domain, sizeof domain, "%.*s", (int)strcspn(host_of(cfg->public_url), ":/"),
             host_of(cfg->public_url));
    mail_message_id_new(domain, id);
    struct store_mail m = {.message_id = id,
                           .kind = "sms",
                           .recipient = client->phone,
                           .message = body.data,
                           .message_len = body.len,
                           .created_at = now};
    int64_t row;
    rc = store_mail_insert(s, &m, &row);
    buf_free(&body);
    return rc < 0 ? rc : 1;
}

int notify_client(struct store *s, struct arena *a, const struct config *cfg,
                  const struct store_client *client, enum notify_reason why, int64_t now)
{
    const char *url;
    int rc = new_link(s, a, cfg, client->id, now, &url);
    if (rc < 0)
        return rc;
    struct buf subject = {0}, text = {0};
    notify_subject(cfg->practice_name, why, &subject);
    notify_text(cfg->practice_name, url, why, &text);
    rc = mailer_queue_to(s, cfg, "message", client->name, client->email, "client", client->id,
                         subject.data, text.data, NULL, 0, now);
    buf_free(&subject);
    buf_free(&text);
    if (rc < 0)
        return rc;
    int queued = rc;
    /* a link asked for on the page goes to the address that asked, not to a phone */
    if (why == NOTIFY_NEW_MESSAGE && cfg->sms_webhook_url[0] && client->phone &&
        client->phone[0]) {
        rc = queue_sms(s, a, cfg, client, now);
        if (rc < 0)
            return rc;
        queued += rc;
    }
    return queued;
}
