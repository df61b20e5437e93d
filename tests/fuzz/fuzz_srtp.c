/* Fuzzes SRTP and SRTCP with both profiles. The first byte picks the profile; the rest is a
 * run of records (op, 2-byte length, bytes) played against one fresh inbound and outbound
 * context pair. Ops 0 and 1 unprotect the bytes as they are (RTP, RTCP): nothing may crash or
 * read outside the packet, each copied to a buffer of its exact size. Ops 2 and 3 protect
 * them into a buffer with exactly the room the tag needs, and then whatever was protected
 * must unprotect to the same bytes, so the index guessing of both sides is exercised. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/rtpsec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(struct rtpsec_context *tx, struct rtpsec_context *rx, int rtcp,
                       size_t overhead, const uint8_t *bytes, size_t len)
{
    uint8_t *buf = malloc(len + overhead);
    if (len)
        memcpy(buf, bytes, len);
    size_t n;
    int rc = rtcp ? rtpsec_rtcp_protect(tx, buf, len, len + overhead, &n)
                  : rtpsec_rtp_protect(tx, buf, len, len + overhead, &n);
    if (rc == 0) {
        if (n != len + overhead)
            abort();
        rc = rtcp ? rtpsec_rtcp_unprotect(rx, buf, n, &n) : rtpsec_rtp_unprotect(rx, buf, n, &n);
        if (rc != 0 || n != len || memcmp(buf, bytes, len) != 0)
            abort();
    } else if (rc != -EINVAL && rc != -ENOSPC && rc != -EALREADY && rc != -ESTALE) {
        abort();
    }
    free(buf);
}

static void unprotect_raw(struct rtpsec_context *rx, int rtcp, const uint8_t *bytes, size_t len)
{
    uint8_t *buf = malloc(len ? len : 1);
    if (len)
        memcpy(buf, bytes, len);
    size_t n;
    int rc =
        rtcp ? rtpsec_rtcp_unprotect(rx, buf, len, &n) : rtpsec_rtp_unprotect(rx, buf, len, &n);
    if (rc == 0 ||
        (rc != -EINVAL && rc != -EBADMSG && rc != -EALREADY && rc != -ESTALE && rc != -ENOSPC))
        abort(); /* a forged tag passed, or an error the header does not promise */
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct rtpsec_master m = {.profile = data[0] & 1 ? RTPSEC_PROFILE_AEAD_AES_128_GCM
                                                     : RTPSEC_PROFILE_AES128_CM_HMAC_SHA1_80};
    for (size_t i = 0; i < sizeof m.key; i++)
        m.key[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof m.salt; i++)
        m.salt[i] = (uint8_t)(i * 13 + 5);
    size_t tag = m.profile == RTPSEC_PROFILE_AEAD_AES_128_GCM ? 16 : 10;
    struct rtpsec_context *tx, *rx;
    if (rtpsec_context_new(&m, RTPSEC_OUTBOUND, 4, &tx) != 0 ||
        rtpsec_context_new(&m, RTPSEC_INBOUND, 4, &rx) != 0)
        abort();
    size_t at = 1;
    while (at + 3 <= size) {
        unsigned op = data[at] & 3;
        size_t len = (size_t)data[at + 1] << 8 | data[at + 2];
        at += 3;
        if (len > size - at)
            len = size - at;
        const uint8_t *bytes = data + at;
        at += len;
        if (op < 2)
            unprotect_raw(rx, op == 1, bytes, len);
        else
            round_trip(tx, rx, op == 3, op == 3 ? tag + 4 : tag, bytes, len);
    }
    rtpsec_context_free(tx);
    rtpsec_context_free(rx);
    return 0;
}
