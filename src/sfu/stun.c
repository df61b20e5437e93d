#include "sfu/stun.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <string.h>

/* Big-endian field access: the wire order of every STUN field. */
static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static size_t padded(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* The reflected CRC-32 table for polynomial 0xEDB88320, written out so that nothing has
 * to be initialised (and raced) at run time; the unit test checks it against the
 * standard check value. zlib is not linked, and OpenSSL does not export a CRC. */
static const uint32_t crc_table[256] = {
    0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
    0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988, 0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
    0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
    0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
    0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172, 0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
    0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
    0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
    0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924, 0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
    0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
    0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
    0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e, 0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
    0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
    0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
    0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0, 0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
    0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
    0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
    0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a, 0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
    0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
    0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
    0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc, 0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
    0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
    0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
    0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236, 0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
    0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
    0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
    0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38, 0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
    0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
    0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
    0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2, 0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
    0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
    0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
    0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94, 0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t stun_crc32(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++)
        c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* HMAC-SHA1 over two pieces, so that verification can feed a header whose length field
 * was rewritten without copying the rest of the message. The HMAC method is fetched
 * once: fetching on every packet would take a lock in OpenSSL's method store. */
static EVP_MAC *hmac_method;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
    hmac_method = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static int hmac_sha1(const void *key, size_t key_len, const uint8_t *a, size_t a_len,
                     const uint8_t *b, size_t b_len, uint8_t out[STUN_INTEGRITY_SIZE])
{
    pthread_once(&hmac_once, hmac_fetch);
    if (!hmac_method)
        return -EIO;
    static const uint8_t empty_key[1];
    char digest[] = "SHA1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac_method);
    size_t out_len = 0;
    int rc = -EIO;
    /* OpenSSL refuses a NULL key even when its length is 0 */
    if (ctx && EVP_MAC_init(ctx, key_len ? key : empty_key, key_len, params) == 1 &&
        EVP_MAC_update(ctx, a, a_len) == 1 && (b_len == 0 || EVP_MAC_update(ctx, b, b_len) == 1) &&
        EVP_MAC_final(ctx, out, &out_len, STUN_INTEGRITY_SIZE) == 1 &&
        out_len == STUN_INTEGRITY_SIZE)
        rc = 0;
    EVP_MAC_CTX_free(ctx);
    return rc;
}

bool stun_is_stun(const uint8_t *data, size_t len)
{
    return len > 0 && data[0] <= 3;
}

static int parse_xor_address(const uint8_t *v, size_t len, const uint8_t *tid,
                             struct sockaddr_storage *out)
{
    if (len < 4)
        return -EBADMSG;
    /* the first byte is reserved and ignored (RFC 5389 §15.1) */
    uint8_t family = v[1];
    uint16_t port = get16(v + 2) ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16);
    memset(out, 0, sizeof *out);
    if (family == 0x01 && len == 8) {
        struct sockaddr_in *in = (struct sockaddr_in *)out;
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(get32(v + 4) ^ STUN_MAGIC_COOKIE);
        return 0;
    }
    if (family == 0x02 && len == 20) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
        uint8_t mask[16];
        put32(mask, STUN_MAGIC_COOKIE);
        memcpy(mask + 4, tid, STUN_TID_SIZE);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        for (int i = 0; i < 16; i++)
            in6->sin6_addr.s6_addr[i] = v[4 + i] ^ mask[i];
        return 0;
    }
    return -EBADMSG;
}

static int parse_error_code(const uint8_t *v, size_t len, struct stun_msg *m)
{
    if (len < 4 || len - 4 > STUN_REASON_MAX)
        return -EBADMSG;
    int cls = v[2] & 0x07, number = v[3];
    if (cls < 3 || cls > 6 || number > 99)
        return -EBADMSG;
    m->error_code = cls * 100 + number;
    m->error_reason = (const char *)v + 4;
    m->error_reason_len = len - 4;
    return 0;
}

/* One attribute before MESSAGE-INTEGRITY (or FINGERPRINT anywhere). Only the first of a
 * repeated attribute counts (RFC 5389 §15), so `bit` guards each one. */
static int parse_attr(struct stun_msg *m, uint16_t type, const uint8_t *v, size_t len, size_t at)
{
    unsigned bit = 0;
    switch (type) {
    case STUN_ATTR_USERNAME:
        bit = STUN_HAS_USERNAME;
        if (len > STUN_USERNAME_MAX)
            return -EBADMSG;
        break;
    case STUN_ATTR_MESSAGE_INTEGRITY:
        bit = STUN_HAS_INTEGRITY;
        if (len != STUN_INTEGRITY_SIZE)
            return -EBADMSG;
        break;
    case STUN_ATTR_FINGERPRINT:
        bit = STUN_HAS_FINGERPRINT;
        if (len != 4)
            return -EBADMSG;
        break;
    case STUN_ATTR_PRIORITY:
        bit = STUN_HAS_PRIORITY;
        if (len != 4)
            return -EBADMSG;
        break;
    case STUN_ATTR_USE_CANDIDATE:
        bit = STUN_HAS_USE_CANDIDATE;
        if (len != 0)
            return -EBADMSG;
        break;
    case STUN_ATTR_ICE_CONTROLLING:
        bit = STUN_HAS_ICE_CONTROLLING;
        if (len != 8)
            return -EBADMSG;
        break;
    case STUN_ATTR_ICE_CONTROLLED:
        bit = STUN_HAS_ICE_CONTROLLED;
        if (len != 8)
            return -EBADMSG;
        break;
    case STUN_ATTR_XOR_MAPPED_ADDRESS:
        bit = STUN_HAS_XOR_MAPPED_ADDRESS;
        break;
    case STUN_ATTR_ERROR_CODE:
        bit = STUN_HAS_ERROR_CODE;
        break;
    case STUN_ATTR_MAPPED_ADDRESS:
    case STUN_ATTR_UNKNOWN_ATTRIBUTES:
        return 0; /* understood, and of no use to an ICE-lite agent */
    default:
        /* 0x0000-0x7FFF are comprehension-required: the request must be refused with
         * 420, which needs the list; optional ones are simply skipped */
        if (type < 0x8000) {
            if (m->unknown_count < STUN_UNKNOWN_MAX)
                m->unknown[m->unknown_count] = type;
            m->unknown_count++;
        }
        return 0;
    }
    if (m->present & bit)
        return 0;
    switch (bit) {
    case STUN_HAS_USERNAME:
        m->username = (const char *)v;
        m->username_len = len;
        break;
    case STUN_HAS_INTEGRITY:
        m->integrity_at = at;
        break;
    case STUN_HAS_FINGERPRINT:
        m->fingerprint_at = at;
        break;
    case STUN_HAS_PRIORITY:
        m->priority = get32(v);
        break;
    case STUN_HAS_ICE_CONTROLLING:
        m->ice_controlling = get64(v);
        break;
    case STUN_HAS_ICE_CONTROLLED:
        m->ice_controlled = get64(v);
        break;
    case STUN_HAS_XOR_MAPPED_ADDRESS:
        if (parse_xor_address(v, len, m->tid, &m->xor_mapped) < 0)
            return -EBADMSG;
        break;
    case STUN_HAS_ERROR_CODE:
        if (parse_error_code(v, len, m) < 0)
            return -EBADMSG;
        break;
    }
    m->present |= bit;
    return 0;
}

int stun_parse(const uint8_t *data, size_t len, struct stun_msg *out)
{
    memset(out, 0, sizeof *out);
    if (len < STUN_HEADER_SIZE || (data[0] & 0xC0) != 0)
        return -EBADMSG;
    size_t body = get16(data + 2);
    /* attributes are padded to 4 bytes, so the length always is a multiple of 4; and a
     * datagram holds exactly one message */
    if ((body & 3) != 0 || STUN_HEADER_SIZE + body != len)
        return -EBADMSG;
    if (get32(data + 4) != STUN_MAGIC_COOKIE)
        return -EBADMSG;
    uint16_t type = get16(data);
    /* the method's 12 bits are split around the two class bits (RFC 5389 §6) */
    out->method = (uint16_t)((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
    out->cls = (enum stun_class)(((type >> 4) & 1) | ((type >> 7) & 2));
    memcpy(out->tid, data + 8, STUN_TID_SIZE);
    out->raw = data;
    out->len = len;

    size_t at = STUN_HEADER_SIZE;
    while (at < len) {
        /* len - at is a positive multiple of 4 here, so the 4-byte TLV header fits */
        uint16_t atype = get16(data + at);
        size_t alen = get16(data + at + 2);
        if (padded(alen) > len - at - 4)
            return -EBADMSG;
        if (out->present & STUN_HAS_FINGERPRINT)
            return -EBADMSG; /* FINGERPRINT must be the last attribute (§15.5) */
        const uint8_t *value = data + at + 4;
        int rc = 0;
        if (!(out->present & STUN_HAS_INTEGRITY) || atype == STUN_ATTR_FINGERPRINT)
            rc = parse_attr(out, atype, value, alen, at);
        /* other attributes after MESSAGE-INTEGRITY are ignored (§15.4): they are not
         * covered by it, so nothing in them can be trusted */
        if (rc < 0)
            return rc;
        at += 4 + padded(alen);
    }
    return 0;
}

int stun_check_integrity(const struct stun_msg *m, const void *key, size_t key_len)
{
    if (!(m->present & STUN_HAS_INTEGRITY))
        return -ENOENT;
    /* the length field as if MESSAGE-INTEGRITY were the last attribute */
    uint8_t header[STUN_HEADER_SIZE];
    memcpy(header, m->raw, STUN_HEADER_SIZE);
    put16(header + 2, (uint16_t)(m->integrity_at + 4 + STUN_INTEGRITY_SIZE - STUN_HEADER_SIZE));
    uint8_t mac[STUN_INTEGRITY_SIZE];
    if (hmac_sha1(key, key_len, header, STUN_HEADER_SIZE, m->raw + STUN_HEADER_SIZE,
                  m->integrity_at - STUN_HEADER_SIZE, mac) < 0)
        return -EACCES; /* fail closed */
    if (CRYPTO_memcmp(mac, m->raw + m->integrity_at + 4, STUN_INTEGRITY_SIZE) != 0)
        return -EACCES;
    return 0;
}

int stun_check_fingerprint(const struct stun_msg *m)
{
    if (!(m->present & STUN_HAS_FINGERPRINT))
        return -ENOENT;
    /* FINGERPRINT is last, so the header's length already counts it, as the CRC needs */
    uint32_t crc = stun_crc32(m->raw, m->fingerprint_at) ^ STUN_FINGERPRINT_XOR;
    return crc == get32(m->raw + m->fingerprint_at + 4) ? 0 : -EBADMSG;
}

/* ---- building ---- */

static void fail(struct stun_builder *b, int err)
{
    if (!b->err)
        b->err = err;
}

void stun_build_init(struct stun_builder *b, void *buf, size_t cap, uint16_t method,
                     enum stun_class cls, const uint8_t tid[STUN_TID_SIZE])
{
    memset(b, 0, sizeof *b);
    b->buf = buf;
    b->cap = cap;
    if (method > 0x0FFF || (unsigned)cls > 3) {
        fail(b, -EINVAL);
        return;
    }
    if (cap < STUN_HEADER_SIZE) {
        fail(b, -ENOBUFS);
        return;
    }
    unsigned c = (unsigned)cls;
    uint16_t type = (uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) |
                               ((method & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
    put16(b->buf, type);
    put16(b->buf + 2, 0);
    put32(b->buf + 4, STUN_MAGIC_COOKIE);
    memcpy(b->buf + 8, tid, STUN_TID_SIZE);
    b->len = STUN_HEADER_SIZE;
}

/* Makes room for an attribute of value length len, writes its TLV header and the length
 * field of the message as it will be once the attribute is in. Returns where the value
 * goes, or NULL (with the error recorded). */
static uint8_t *reserve(struct stun_builder *b, uint16_t type, size_t len)
{
    if (b->err)
        return NULL;
    if (b->fingerprint || (b->integrity && type != STUN_ATTR_FINGERPRINT)) {
        fail(b, -EINVAL);
        return NULL;
    }
    if (len > 0xFFFF) {
        fail(b, -EINVAL);
        return NULL;
    }
    size_t need = 4 + padded(len);
    if (need > b->cap - b->len || b->len + need - STUN_HEADER_SIZE > 0xFFFF) {
        fail(b, -ENOBUFS);
        return NULL;
    }
    uint8_t *p = b->buf + b->len;
    put16(p, type);
    put16(p + 2, (uint16_t)len);
    memset(p + 4 + len, b->pad, padded(len) - len);
    put16(b->buf + 2, (uint16_t)(b->len + need - STUN_HEADER_SIZE));
    b->len += need;
    return p + 4;
}

void stun_add(struct stun_builder *b, uint16_t type, const void *value, size_t len)
{
    if (type == STUN_ATTR_MESSAGE_INTEGRITY || type == STUN_ATTR_FINGERPRINT) {
        fail(b, -EINVAL); /* computed ones have their own functions */
        return;
    }
    if (len > 0 && !value) {
        fail(b, -EINVAL);
        return;
    }
    uint8_t *p = reserve(b, type, len);
    if (p && len)
        memcpy(p, value, len);
}

void stun_add_u32(struct stun_builder *b, uint16_t type, uint32_t value)
{
    uint8_t v[4];
    put32(v, value);
    stun_add(b, type, v, sizeof v);
}

void stun_add_u64(struct stun_builder *b, uint16_t type, uint64_t value)
{
    uint8_t v[8];
    put32(v, (uint32_t)(value >> 32));
    put32(v + 4, (uint32_t)value);
    stun_add(b, type, v, sizeof v);
}

void stun_add_xor_mapped_address(struct stun_builder *b, const struct sockaddr *addr)
{
    uint8_t v[20] = {0};
    uint16_t port;
    size_t len;
    if (addr && addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        port = ntohs(in->sin_port);
        v[1] = 0x01;
        put32(v + 4, ntohl(in->sin_addr.s_addr) ^ STUN_MAGIC_COOKIE);
        len = 8;
    } else if (addr && addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        const uint8_t *ip = in6->sin6_addr.s6_addr;
        port = ntohs(in6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            v[1] = 0x01;
            put32(v + 4, get32(ip + 12) ^ STUN_MAGIC_COOKIE);
            len = 8;
        } else {
            uint8_t mask[16];
            put32(mask, STUN_MAGIC_COOKIE);
            if (b->len >= STUN_HEADER_SIZE)
                memcpy(mask + 4, b->buf + 8, STUN_TID_SIZE);
            v[1] = 0x02;
            for (int i = 0; i < 16; i++)
                v[4 + i] = ip[i] ^ mask[i];
            len = 20;
        }
    } else {
        fail(b, -EINVAL);
        return;
    }
    put16(v + 2, port ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16));
    stun_add(b, STUN_ATTR_XOR_MAPPED_ADDRESS, v, len);
}

void stun_add_error_code(struct stun_builder *b, int code, const char *reason)
{
    size_t rlen = reason ? strlen(reason) : 0;
    if (code < 300 || code > 699 || rlen > STUN_REASON_MAX) {
        fail(b, -EINVAL);
        return;
    }
    uint8_t *p = reserve(b, STUN_ATTR_ERROR_CODE, 4 + rlen);
    if (!p)
        return;
    p[0] = 0;
    p[1] = 0;
    p[2] = (uint8_t)(code / 100);
    p[3] = (uint8_t)(code % 100);
    if (rlen)
        memcpy(p + 4, reason, rlen);
}

void stun_add_unknown_attributes(struct stun_builder *b, const uint16_t *types, size_t n)
{
    if (n > 0xFFFF / 2 || (n && !types)) {
        fail(b, -EINVAL);
        return;
    }
    uint8_t *p = reserve(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * n);
    if (!p)
        return;
    for (size_t i = 0; i < n; i++)
        put16(p + 2 * i, types[i]);
}

void stun_add_integrity(struct stun_builder *b, const void *key, size_t key_len)
{
    if (!b->err && key_len && !key)
        fail(b, -EINVAL);
    size_t covered = b->len;
    /* reserve sets the length field to include this attribute, which is exactly the
     * value the HMAC must see (§15.4) */
    uint8_t *p = reserve(b, STUN_ATTR_MESSAGE_INTEGRITY, STUN_INTEGRITY_SIZE);
    if (!p)
        return;
    int rc = hmac_sha1(key, key_len, b->buf, covered, NULL, 0, p);
    if (rc < 0) {
        fail(b, rc);
        return;
    }
    b->integrity = true;
}

void stun_add_fingerprint(struct stun_builder *b)
{
    size_t covered = b->len;
    uint8_t *p = reserve(b, STUN_ATTR_FINGERPRINT, 4);
    if (!p)
        return;
    put32(p, stun_crc32(b->buf, covered) ^ STUN_FINGERPRINT_XOR);
    b->fingerprint = true;
}

int stun_build_finish(const struct stun_builder *b, size_t *len)
{
    *len = b->err ? 0 : b->len;
    return b->err;
}
