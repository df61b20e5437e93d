/* auth: password policy and hashing, throttle, login tokens and cookies, origin checks,
 * account validation, TOTP codes, base32 and QR codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "auth/account.h"
#include "auth/login.h"
#include "auth/origin.h"
#include "auth/password.h"
#include "auth/qr.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "core/buf.h"
#include "core/rand.h"

static int policy(const char *pw)
{
    const char *reason = NULL;
    int rc = password_check_policy(pw, strlen(pw), &reason);
    if (rc < 0)
        assert_non_null(reason);
    return rc;
}

static void password_policy(void **state)
{
    assert_int_equal(policy("short"), -1);
    assert_int_equal(policy("elevenchars"), -1);
    assert_int_equal(policy("twelve chars"), 0);
    assert_int_equal(policy("Password1234"), -1); /* common, any case */
    assert_int_equal(policy("aaaaaaaaaaaaaaaa"), -1);
    /* twelve characters, not twelve bytes: 12 × "é" is 24 bytes and allowed, 11 is not */
    assert_int_equal(policy("éééééééééééé"), 0);
    assert_int_equal(policy("ééééééééééé"), -1);
    char longpw[1100];
    memset(longpw, 'x', sizeof longpw - 1);
    longpw[0] = 'y';
    longpw[sizeof longpw - 1] = '\0';
    assert_int_equal(policy(longpw), -1);
    const char *reason;
    assert_int_equal(password_check_policy("abc\0defghijklm", 14, &reason), -1);
}

static void password_hash_verifies(void **state)
{
    char hash[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash("correct horse battery", 21, hash), 0);
    assert_true(strncmp(hash, "$argon2id$", 10) == 0);
    assert_int_equal(password_verify(hash, "correct horse battery", 21), 0);
    assert_int_equal(password_verify(hash, "correct horse batterY", 21), -1);
    assert_int_equal(password_verify("not a hash", "x", 1), -1);
}

static void throttle_backs_off_exponentially(void **state)
{
    struct throttle *t = throttle_new(4, 3, 1000, 8000);
    int64_t now = 1000000;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(throttle_wait_ms(t, "a", now), 0);
        throttle_failure(t, "a", now);
    }
    assert_int_equal(throttle_wait_ms(t, "a", now), 0); /* three free failures */
    throttle_failure(t, "a", now);
    assert_int_equal(throttle_wait_ms(t, "a", now), 1000);
    assert_int_equal(throttle_wait_ms(t, "a", now + 400), 600);
    now += 1000;
    throttle_failure(t, "a", now);
    assert_int_equal(throttle_wait_ms(t, "a", now), 2000);
    now += 2000;
    throttle_failure(t, "a", now);
    assert_int_equal(throttle_wait_ms(t, "a", now), 4000);
    now += 4000;
    throttle_failure(t, "a", now);
    assert_int_equal(throttle_wait_ms(t, "a", now), 8000);
    throttle_failure(t, "a", now);
    assert_int_equal(throttle_wait_ms(t, "a", now), 8000); /* capped */
    assert_int_equal(throttle_wait_ms(t, "b", now), 0);    /* other keys unaffected */
    throttle_success(t, "a");
    assert_int_equal(throttle_wait_ms(t, "a", now), 0);
    throttle_free(t);
}

static void throttle_forgets_and_evicts(void **state)
{
    struct throttle *t = throttle_new(2, 0, 1000, 4000);
    throttle_failure(t, "a", 0);
    assert_int_equal(throttle_wait_ms(t, "a", 0), 1000);
    /* quiet for max_ms: the count starts again */
    throttle_failure(t, "a", 10000);
    assert_int_equal(throttle_wait_ms(t, "a", 10000), 1000);
    /* a full table makes room by dropping the oldest */
    throttle_failure(t, "b", 10001);
    throttle_failure(t, "c", 10002);
    assert_int_equal(throttle_wait_ms(t, "c", 10002), 1000);
    assert_int_equal(throttle_wait_ms(t, "b", 10002), 999);
    assert_int_equal(throttle_wait_ms(t, "a", 10002), 0);
    throttle_free(t);
}

/* Two nodes' throttles under one secret: what one counts, the other counts when told;
 * its own changes are kept for telling, another's are not. */
static void throttle_shared_between_nodes(void **state)
{
    (void)state;
    uint8_t secret[32] = {7};
    struct throttle *a = throttle_new(8, 1, 1000, 8000), *b = throttle_new(8, 1, 1000, 8000);
    throttle_share(a, "sign-in-account", secret);
    throttle_share(b, "sign-in-account", secret);
    assert_string_equal(throttle_name(a), "sign-in-account");
    throttle_failure(a, "acct:ada@example.org", 100);
    throttle_failure(a, "acct:ada@example.org", 100);
    assert_int_equal(throttle_wait_ms(a, "acct:ada@example.org", 100), 1000);
    assert_int_equal(throttle_wait_ms(b, "acct:ada@example.org", 100), 0);
    struct throttle_change c[4];
    assert_int_equal(throttle_take_changes(a, c, 4), 2);
    assert_int_equal(throttle_take_changes(a, c + 2, 2), 0); /* taken once */
    for (int i = 0; i < 2; i++) {
        assert_true(c[i].failed);
        throttle_apply(b, &c[i], 100);
    }
    assert_int_equal(throttle_wait_ms(b, "acct:ada@example.org", 100), 1000);
    assert_int_equal(throttle_take_changes(b, c, 4), 0); /* not b's to tell again */
    /* a success on b forgets the key on a too */
    throttle_success(b, "acct:ada@example.org");
    assert_int_equal(throttle_take_changes(b, c, 4), 1);
    assert_false(c[0].failed);
    throttle_apply(a, &c[0], 200);
    assert_int_equal(throttle_wait_ms(a, "acct:ada@example.org", 200), 0);
    /* another secret: another hash, so nothing crosses */
    uint8_t other[32] = {8};
    struct throttle *x = throttle_new(8, 0, 1000, 8000);
    throttle_share(x, "sign-in-account", other);
    throttle_failure(a, "acct:bo@example.org", 300);
    assert_int_equal(throttle_take_changes(a, c, 4), 1);
    throttle_apply(x, &c[0], 300);
    assert_int_equal(throttle_wait_ms(x, "acct:bo@example.org", 300), 0);
    throttle_free(a);
    throttle_free(b);
    throttle_free(x);
}

static void login_states(void **state)
{
    struct store_login l = {.created_at = 0, .last_seen_at = 1000, .expires_at = 100000};
    assert_int_equal(login_check(&l, 1500, 900), LOGIN_VALID);
    assert_int_equal(login_check(&l, 1900, 900), LOGIN_IDLE);
    l.last_seen_at = 99999;
    assert_int_equal(login_check(&l, 100000, 900), LOGIN_EXPIRED);
    /* activity is written an eighth of the idle time after the last, at most 30 s after */
    struct store_login t = {.last_seen_at = 10000, .expires_at = 10000000};
    assert_false(login_touch_due(&t, 10000 + 111, 900));
    assert_true(login_touch_due(&t, 10000 + 112, 900));
    assert_false(login_touch_due(&t, 10000 + 29999, 900000));
    assert_true(login_touch_due(&t, 10000 + 30000, 900000));
}

static void login_tokens_and_hashes(void **state)
{
    char a[LOGIN_TOKEN_CHARS + 1], b[LOGIN_TOKEN_CHARS + 1];
    login_token_new(a);
    login_token_new(b);
    assert_int_equal(strlen(a), LOGIN_TOKEN_CHARS);
    assert_string_not_equal(a, b);
    uint8_t ha[32], ha2[32], hb[32];
    login_token_hash(a, strlen(a), ha);
    login_token_hash(a, strlen(a), ha2);
    login_token_hash(b, strlen(b), hb);
    assert_memory_equal(ha, ha2, 32);
    assert_memory_not_equal(ha, hb, 32);
}

static void cookies(void **state)
{
    const char *v;
    assert_int_equal(cookie_find("a=1; confide_session=tok; b=2", "confide_session", &v), 3);
    assert_true(strncmp(v, "tok", 3) == 0);
    assert_int_equal(cookie_find("confide_session_x=1", "confide_session", &v), -1);
    assert_int_equal(cookie_find("xconfide_session=1", "confide_session", &v), -1);
    assert_int_equal(cookie_find("", "confide_session", &v), -1);
    assert_int_equal(cookie_find(";;;", "confide_session", &v), -1);
    assert_int_equal(cookie_find("confide_session=", "confide_session", &v), 0);

    struct buf b = {0};
    login_cookie_header(&b, 0, "tok", 60);
    assert_string_equal(b.data, "confide_session=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
    buf_reset(&b);
    login_cookie_header(&b, 1, NULL, 60);
    assert_string_equal(b.data, "__Host-confide_session=; Path=/; HttpOnly; SameSite=Strict; "
                                "Max-Age=0; Secure");
    buf_free(&b);
}

static void origins(void **state)
{
    const char *pub = "http://127.0.0.1:8080";
    assert_true(origin_allowed("GET", "http://evil.example", "cross-site", pub));
    assert_true(origin_allowed("POST", "http://127.0.0.1:8080", "same-origin", pub));
    assert_true(origin_allowed("POST", "http://localhost:8080", NULL, pub));
    assert_true(origin_allowed("POST", NULL, NULL, pub)); /* a program, not a page */
    assert_false(origin_allowed("POST", "http://evil.example", NULL, pub));
    assert_false(origin_allowed("POST", "http://127.0.0.1:8081", NULL, pub));
    assert_false(origin_allowed("POST", "https://127.0.0.1:8080", NULL, pub));
    assert_false(origin_allowed("POST", "null", NULL, pub));
    assert_false(origin_allowed("DELETE", NULL, "cross-site", pub));
    assert_false(origin_allowed("PUT", NULL, "same-site", pub));
    assert_true(origin_matches("https://care.example", "https://care.example"));
    assert_true(origin_matches("https://care.example:443", "https://care.example"));
    assert_false(origin_matches("https://care.example.evil", "https://care.example"));
    assert_false(origin_matches("https://evil.example", "https://care.example"));
    assert_false(origin_matches("", "https://care.example"));
    assert_false(origin_matches("https://", "https://care.example"));
    assert_false(origin_matches("https://[::1", "https://care.example"));
}

static void account_fields(void **state)
{
    /* the email rule itself is core/email's, tested in test_rules.c; account_prepare uses it */
    char hash[PASSWORD_HASH_MAX];
    const char *reason = NULL;
    assert_int_equal(
        account_prepare("Zoë", "zoë@example.org", "a long and quiet passphrase", 27, hash, &reason),
        ACCOUNT_INVALID_EMAIL);
    assert_non_null(strstr(reason, "ASCII"));
    assert_int_equal(
        account_prepare("Ada", "ada@example", "a long and quiet passphrase", 27, hash, &reason),
        ACCOUNT_INVALID_EMAIL);
    assert_true(account_name_valid("Dr Ada Byron"));
    assert_false(account_name_valid(""));
    assert_false(account_name_valid("   "));
    assert_false(account_name_valid("Ada\nByron"));
}

/* RFC 4648 section 10 */
static void base32_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *plain, *coded;
    } v[] = {{"", ""},
             {"f", "MY======"},
             {"fo", "MZXQ===="},
             {"foo", "MZXW6==="},
             {"foob", "MZXW6YQ="},
             {"fooba", "MZXW6YTB"},
             {"foobar", "MZXW6YTBOI======"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[32];
        uint8_t back[16];
        size_t n = strlen(v[i].plain);
        assert_int_equal(base32_encode((const uint8_t *)v[i].plain, n, 1, out, sizeof out),
                         (int)strlen(v[i].coded));
        assert_string_equal(out, v[i].coded);
        assert_int_equal(base32_decode(v[i].coded, back, sizeof back), (int)n);
        assert_memory_equal(back, v[i].plain, n);
        /* unpadded, as otpauth URIs carry it, lower case and grouped as people type it */
        base32_encode((const uint8_t *)v[i].plain, n, 0, out, sizeof out);
        assert_null(strchr(out, '='));
        for (char *c = out; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        assert_int_equal(base32_decode(out, back, sizeof back), (int)n);
        assert_memory_equal(back, v[i].plain, n);
    }
    uint8_t b[16];
    char small[8];
    assert_int_equal(base32_decode("MY1=", b, sizeof b), -1);    /* not in the alphabet */
    assert_int_equal(base32_decode("M", b, sizeof b), -1);       /* no length */
    assert_int_equal(base32_decode("MZ", b, sizeof b), -1);      /* leftover bits not zero */
    assert_int_equal(base32_decode("MY=A", b, sizeof b), -1);    /* data after padding */
    assert_int_equal(base32_decode("MZXW6YTB", b, 4), -1);       /* out too small */
    assert_int_equal(base32_decode("MZXW-6YTB", b, sizeof b), 5); /* grouping is fine */
    assert_int_equal(base32_encode((const uint8_t *)"foobar", 6, 1, small, sizeof small), -1);
}

/* RFC 4226 appendix D and RFC 6238 appendix B (the SHA-1 rows) */
static void totp_vectors(void **state)
{
    (void)state;
    const uint8_t *key = (const uint8_t *)"12345678901234567890";
    static const uint32_t hotp6[] = {755224, 287082, 359152, 969429, 338314,
                                     254676, 287922, 162583, 399871, 520489};
    for (uint64_t c = 0; c < 10; c++)
        assert_int_equal(hotp(key, 20, c, 6), hotp6[c]);
    static const struct {
        int64_t t;
        uint32_t code;
    } v[] = {{59, 94287082},         {1111111109, 7081804},  {1111111111, 14050471},
             {1234567890, 89005924}, {2000000000, 69279037}, {20000000000, 65353130}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_int_equal(hotp(key, 20, (uint64_t)totp_step(v[i].t), 8), v[i].code);
    /* 6 digits are the last 6 of the 8 */
    char code[8];
    snprintf(code, sizeof code, "%06u", 89005924u % 1000000u);
    int64_t last = 0;
    assert_int_equal(totp_verify(key, 20, code, 1234567890, &last), 0);
    assert_int_equal(last, totp_step(1234567890));
}

static void totp_window_and_reuse(void **state)
{
    (void)state;
    const uint8_t *key = (const uint8_t *)"12345678901234567890";
    int64_t t = 1700000000, step = totp_step(t);
    char prev[8], now[8], next[8], far[8];
    snprintf(prev, sizeof prev, "%06u", hotp(key, 20, (uint64_t)(step - 1), 6));
    snprintf(now, sizeof now, "%06u", hotp(key, 20, (uint64_t)step, 6));
    snprintf(next, sizeof next, "%06u", hotp(key, 20, (uint64_t)(step + 1), 6));
    snprintf(far, sizeof far, "%06u", hotp(key, 20, (uint64_t)(step + 2), 6));
    int64_t last = 0;
    /* one step either side is accepted, two is not */
    assert_int_equal(totp_verify(key, 20, far, t, &last), -1);
    assert_int_equal(last, 0);
    assert_int_equal(totp_verify(key, 20, prev, t, &last), 0);
    assert_int_equal(last, step - 1);
    /* the same code again is refused, and so is any older one */
    assert_int_equal(totp_verify(key, 20, prev, t, &last), -1);
    assert_int_equal(totp_verify(key, 20, now, t, &last), 0);
    assert_int_equal(last, step);
    assert_int_equal(totp_verify(key, 20, now, t + 10, &last), -1);
    assert_int_equal(totp_verify(key, 20, prev, t, &last), -1);
    assert_int_equal(totp_verify(key, 20, next, t, &last), 0);
    assert_int_equal(last, step + 1);
    /* a step ahead was used: the code of the step now, typed later, is still old */
    assert_int_equal(totp_verify(key, 20, now, t + 30, &last), -1);
    /* not six digits */
    last = 0;
    assert_int_equal(totp_verify(key, 20, "12345", t, &last), -1);
    assert_int_equal(totp_verify(key, 20, "1234567", t, &last), -1);
    assert_int_equal(totp_verify(key, 20, "12a456", t, &last), -1);
    assert_int_equal(totp_verify(key, 20, "", t, &last), -1);
    char spaced[12];
    snprintf(spaced, sizeof spaced, "%.3s %.3s", now, now + 3);
    assert_int_equal(totp_verify(key, 20, spaced, t, &last), 0);
}

static void totp_uris(void **state)
{
    (void)state;
    struct buf b = {0};
    totp_uri(&b, "Praxis Mü & Co", NULL, "JBSWY3DPEHPK3PXP");
    assert_string_equal(b.data, "otpauth://totp/Praxis%20M%C3%BC%20%26%20Co?secret=JBSWY3DPEHPK3PXP"
                                "&issuer=Praxis%20M%C3%BC%20%26%20Co&algorithm=SHA1&digits=6&period=30");
    buf_reset(&b);
    totp_uri(&b, "confide", "Ada Lovelace", "JBSWY3DPEHPK3PXP");
    assert_string_equal(b.data, "otpauth://totp/confide:Ada%20Lovelace?secret=JBSWY3DPEHPK3PXP"
                                "&issuer=confide&algorithm=SHA1&digits=6&period=30");
    buf_free(&b);
}

/* The SVG is one document of the size the symbol needs, with one unit square for each dark
 * module libqrencode gives for the text, where it gives it. */
static void qr_codes(void **state)
{
    (void)state;
    const char *uri = "otpauth://totp/confide:Ada?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
                      "&issuer=confide&algorithm=SHA1&digits=6&period=30";
    struct buf svg = {0};
    int width = 0;
    assert_int_equal(qr_svg(uri, &svg, &width), 0);
    QRcode *qr = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(qr);
    assert_int_equal(width, qr->width);
    assert_true(width >= 21 && (width - 17) % 4 == 0); /* a real QR version's size */
    char head[160];
    snprintf(head, sizeof head, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\"",
             width + 8, width + 8);
    assert_memory_equal(svg.data, head, strlen(head));
    assert_string_equal(svg.data + svg.len - strlen("\"/></svg>"), "\"/></svg>");
    assert_null(strstr(svg.data + 1, "<svg"));
    int dark = 0;
    for (int y = 0; y < qr->width; y++)
        for (int x = 0; x < qr->width; x++) {
            char sq[32];
            snprintf(sq, sizeof sq, "M%d %dh1v1h-1z", x + 4, y + 4);
            int is_dark = qr->data[y * qr->width + x] & 1;
            dark += is_dark;
            /* the next character after a square is M or the closing quote */
            const char *at = strstr(svg.data, sq);
            while (at && at[strlen(sq)] != 'M' && at[strlen(sq)] != '"')
                at = strstr(at + 1, sq);
            assert_int_equal(at != NULL, is_dark);
        }
    int squares = 0;
    for (const char *p = svg.data; (p = strstr(p, "h1v1h-1z")); p++)
        squares++;
    assert_int_equal(squares, dark);
    QRcode_free(qr);
    /* a different text is a different picture */
    struct buf other = {0};
    assert_int_equal(qr_svg("otpauth://totp/x?secret=AAAA", &other, &width), 0);
    assert_string_not_equal(svg.data, other.data);
    buf_free(&svg);
    buf_free(&other);
}

int main(void)
{
    rand_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_policy),
        cmocka_unit_test(password_hash_verifies),
        cmocka_unit_test(throttle_backs_off_exponentially),
        cmocka_unit_test(throttle_forgets_and_evicts),
        cmocka_unit_test(throttle_shared_between_nodes),
        cmocka_unit_test(login_states),
        cmocka_unit_test(login_tokens_and_hashes),
        cmocka_unit_test(cookies),
        cmocka_unit_test(origins),
        cmocka_unit_test(account_fields),
        cmocka_unit_test(base32_vectors),
        cmocka_unit_test(totp_vectors),
        cmocka_unit_test(totp_window_and_reuse),
        cmocka_unit_test(totp_uris),
        cmocka_unit_test(qr_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
