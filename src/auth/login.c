#include "auth/login.h"

#include <sodium.h>
#include <string.h>

#include "core/rand.h"

void login_token_new(char out[LOGIN_TOKEN_CHARS + 1])
{
    rand_token(out, LOGIN_TOKEN_CHARS + 1, 32);
}

void login_token_hash(const char *token, size_t len, uint8_t out[32])
{
    crypto_generichash(out, 32, (const uint8_t *)token, len, NULL, 0);
}

enum login_state login_check(const struct store_login *l, int64_t now, int64_t idle_ms)
{
    if (now >= l->expires_at)
        return LOGIN_EXPIRED;
    if (now - l->last_seen_at >= idle_ms)
        return LOGIN_IDLE;
    return LOGIN_VALID;
}

#define LOGIN_TOUCH_EVERY_MAX_MS 30000

int login_touch_due(const struct store_login *l, int64_t now, int64_t idle_ms)
{
    int64_t every = idle_ms / 8;
    if (every > LOGIN_TOUCH_EVERY_MAX_MS)
        every = LOGIN_TOUCH_EVERY_MAX_MS;
    return now - l->last_seen_at >= every;
}

const char *login_cookie_name(int https)
{
    return https ? "__Host-confide_session" : "confide_session";
}

void login_cookie_header(struct buf *out, int https, const char *token, int64_t max_age_s)
{
    buf_printf(out, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
               login_cookie_name(https), token ? token : "", token ? (long long)max_age_s : 0LL,
               https ? "; Secure" : "");
}

const char *mfa_cookie_name(int https)
{
    return https ? "__Host-confide_mfa" : "confide_mfa";
}

void mfa_cookie_header(struct buf *out, int https, const char *token, int64_t max_age_s)
{
    buf_printf(out, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
               mfa_cookie_name(https), token ? token : "", token ? (long long)max_age_s : 0LL,
               https ? "; Secure" : "");
}

int cookie_find(const char *header, const char *name, const char **value)
{
    size_t name_len = strlen(name);
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t pair_len = end ? (size_t)(end - p) : strlen(p);
        if (pair_len > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
            *value = p + name_len + 1;
            size_t n = pair_len - name_len - 1;
            while (n > 0 && ((*value)[n - 1] == ' ' || (*value)[n - 1] == '\t'))
                n--;
            return (int)n;
        }
        p = end;
    }
    return -1;
}
