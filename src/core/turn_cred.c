#include "core/turn_cred.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int turn_cred_make(const char *secret, int64_t now, long ttl, const char *id, struct turn_cred *out)
{
    memset(out, 0, sizeof *out);
    size_t id_len = strlen(id);
    if (secret[0] == '\0' || id_len == 0 || id_len > TURN_CRED_ID_MAX || strchr(id, ':'))
        return -1;
    snprintf(out->username, sizeof out->username, "%lld:%s", (long long)(now + ttl), id);
    /* HMAC-SHA1 because coturn's use-auth-secret computes that; libsodium has none, and
     * OpenSSL's libcrypto is linked already (TLS, DTLS) */
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)out->username,
              strlen(out->username), mac, &mac_len) ||
        4 * ((mac_len + 2) / 3) >= sizeof out->password) {
        sodium_memzero(mac, sizeof mac);
        memset(out, 0, sizeof *out);
        return -1;
    }
    EVP_EncodeBlock((unsigned char *)out->password, mac, (int)mac_len);
    sodium_memzero(mac, sizeof mac);
    return 0;
}
