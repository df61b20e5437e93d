/* auth: password policy and hashing, throttle, login tokens and cookies, origin checks,
 * account validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/account.h"
#include "auth/login.h"
#include "auth/origin.h"
#include "auth/password.h"
#include "auth/throttle.h"
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

static void login_states(void **state)
{
    struct store_login l = {.created_at = 0, .last_seen_at = 1000, .expires_at = 100000};
    assert_int_equal(login_check(&l, 1500, 900), LOGIN_VALID);
    assert_int_equal(login_check(&l, 1900, 900), LOGIN_IDLE);
    l.last_seen_at = 99999;
    assert_int_equal(login_check(&l, 100000, 900), LOGIN_EXPIRED);
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

int main(void)
{
    rand_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_policy),
        cmocka_unit_test(password_hash_verifies),
        cmocka_unit_test(throttle_backs_off_exponentially),
        cmocka_unit_test(throttle_forgets_and_evicts),
        cmocka_unit_test(login_states),
        cmocka_unit_test(login_tokens_and_hashes),
        cmocka_unit_test(cookies),
        cmocka_unit_test(origins),
        cmocka_unit_test(account_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
