#include "auth/totp.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_encode(const uint8_t *in, size_t len, int pad, char *out, size_t out_size)
{
    size_t chars = (len * 8 + 4) / 5;
    size_t total = pad ? (len + 4) / 5 * 8 : chars;
    if (total + 1 > out_size)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = alphabet[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = alphabet[(acc << (5 - bits)) & 31];
    while (o < total)
        out[o++] = '=';
    out[o] = '\0';
    return (int)o;
}

int base32_decode(const char *in, uint8_t *out, size_t out_size)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0, padding = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (*p == '=') {
            padding = 1;
            continue;
        }
        const char *at = strchr(alphabet, toupper((unsigned char)*p));
        if (padding || !at || !*at)
            return -1;
        acc = (acc << 5) | (uint32_t)(at - alphabet);
        bits += 5;
        if (bits >= 8) {
            if (o >= out_size)
                return -1;
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    /* what is left over must be fewer than 5 bits of zeros: 1, 3 or 6 chars are no length */
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (int)o;
}

uint32_t hotp(const uint8_t *key, size_t key_len, uint64_t counter, int digits)
{
    uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)counter;
        counter >>= 8;
    }
    if (!HMAC(EVP_sha1(), key, (int)key_len, msg, sizeof msg, mac, &mac_len) || mac_len != 20)
        return UINT32_MAX; /* never a code: it has more digits than any */
    int off = mac[19] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    uint32_t mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    return bin % mod;
}

int64_t totp_step(int64_t unix_seconds)
{
    return unix_seconds < 0 ? -1 : unix_seconds / TOTP_STEP_SECONDS;
}

int totp_verify(const uint8_t *key, size_t key_len, const char *code, int64_t unix_seconds,
                int64_t *last_step)
{
    uint32_t typed = 0;
    int digits = 0;
    for (const char *p = code; *p; p++) {
        if (*p == ' ')
            continue;
        if (!isdigit((unsigned char)*p) || digits >= TOTP_DIGITS)
            return -1;
        typed = typed * 10 + (uint32_t)(*p - '0');
        digits++;
    }
    if (digits != TOTP_DIGITS)
        return -1;
    int64_t now = totp_step(unix_seconds);
    if (now < 1)
        return -1;
    int found = 0;
    int64_t matched = 0;
    /* every step is computed, so the time taken does not tell which one matched */
    for (int64_t step = now - 1; step <= now + 1; step++) {
        uint32_t want = hotp(key, key_len, (uint64_t)step, TOTP_DIGITS);
        int same = want == typed;
        if (same && step > *last_step && !found) {
            found = 1;
            matched = step;
        }
    }
    if (!found)
        return -1;
    *last_step = matched;
    return 0;
}

static void percent_encode(struct buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
            buf_printf(out, "%c", *p);
        else
            buf_printf(out, "%%%02X", *p);
    }
}

void totp_uri(struct buf *out, const char *issuer, const char *label, const char *secret_b32)
{
    buf_puts(out, "otpauth://totp/");
    percent_encode(out, issuer);
    if (label && *label) {
        buf_puts(out, ":");
        percent_encode(out, label);
    }
    buf_printf(out, "?secret=%s&issuer=", secret_b32);
    percent_encode(out, issuer);
    buf_printf(out, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_STEP_SECONDS);
}
