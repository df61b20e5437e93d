#include "auth/password.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "core/metrics.h"
#include "core/utf8.h"

/* Passwords of 12 characters or more seen most often in breach corpora; shorter ones
 * fail the length rule anyway. Compared without regard to case. */
static const char *const common_passwords[] = {
    "123456789012", "1234567890123", "12345678901234", "123456789123", "1234567891011",
    "password1234", "password12345", "password123456", "passwordpassword", "qwertyuiopas",
    "qwertyuiop12", "qwertyuiop123", "qwerty123456", "qwertyqwerty", "1q2w3e4r5t6y",
    "1qaz2wsx3edc", "asdfghjkl123", "asdfasdfasdf", "zxcvbnm12345", "iloveyou1234",
    "iloveyouiloveyou", "letmein12345", "welcome12345", "welcome123456", "administrator",
    "administrator1", "changeme1234", "trustno11234", "football1234", "baseball1234",
    "superman1234", "princess1234", "sunshine1234", "starwars1234", "monkey123456",
    "dragon123456", "abc123456789", "abcdefghijkl", "abcd12345678", "michael12345",
    "computer1234", "internet1234", "therapist123", "therapy12345", "counselling1",
    "counseling12", "confide12345", "passw0rd1234", "p@ssw0rd1234", "p@ssword1234",
    "0987654321098", "111111111111", "000000000000", "121212121212", "123123123123",
    "987654321987", "qazwsxedcrfv", "zaq12wsxcde3", "mypassword12", "mypassword123",
    "secret123456", "letmeinplease", "hello1234567", "helloworld12", "correcthorsebatterystaple",
};

static int all_same_char(const char *pw, size_t len)
{
    for (size_t i = 1; i < len; i++)
        if (pw[i] != pw[0])
            return 0;
    return 1;
}

int password_check_policy(const char *pw, size_t len, const char **reason)
{
    if (utf8_length(pw, len) < PASSWORD_MIN_CHARS) {
        *reason = "The password must be at least 12 characters long.";
        return -1;
    }
    if (len > PASSWORD_MAX_BYTES) {
        *reason = "The password must be at most 1024 bytes long.";
        return -1;
    }
    if (memchr(pw, '\0', len)) {
        *reason = "The password must not contain a NUL character.";
        return -1;
    }
    if (all_same_char(pw, len)) {
        *reason = "The password must not be one character repeated.";
        return -1;
    }
    for (size_t i = 0; i < sizeof common_passwords / sizeof common_passwords[0]; i++) {
        if (strlen(common_passwords[i]) == len && strncasecmp(pw, common_passwords[i], len) == 0) {
            *reason = "This password is one of the most common ones. Please choose another.";
            return -1;
        }
    }
    return 0;
}

int password_hash(const char *pw, size_t len, char out[PASSWORD_HASH_MAX])
{
    metrics_password_hash();
    return crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : -1;
}

int password_verify(const char *hash, const char *pw, size_t len)
{
    metrics_password_hash();
    return crypto_pwhash_str_verify(hash, pw, len) == 0 ? 0 : -1;
}

void password_verify_dummy(const char *pw, size_t len)
{
    static char dummy[PASSWORD_HASH_MAX];
    if (!dummy[0]) {
        char random_pw[33];
        randombytes_buf(random_pw, 32);
        random_pw[32] = 0;
        password_hash(random_pw, 32, dummy);
    }
    (void)password_verify(dummy, pw, len);
}
