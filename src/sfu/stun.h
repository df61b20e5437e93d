/* stun: STUN messages (RFC 5389) as ICE uses them, sans-I/O.
 *
 * stun_parse checks one datagram and indexes its attributes without copying: the result
 * points into the caller's bytes, which must outlive it. It rejects whatever RFC 5389
 * calls malformed (top bits, length not a multiple of 4 or not matching the datagram,
 * cookie, attributes past the end, wrong sizes for the attributes it reads, anything after
 * FINGERPRINT) and keeps only the first of repeated attributes; attributes after
 * MESSAGE-INTEGRITY other than FINGERPRINT are ignored, as §15.4 requires. Unknown
 * comprehension-required attributes are noted for a 420 answer, not rejected here.
 *
 * The builder writes into a caller buffer and never allocates. Its errors are sticky, so a
 * run of stun_add_* calls needs one check, at stun_build_finish.
 *
 * Integrity is HMAC-SHA1 with a short-term credential: the key is the ICE password, which
 * SASLprep leaves as it is because ice-chars are ASCII letters, digits, '+' and '/'. There
 * is no long-term credential, no RFC 3489 compatibility (RFC 8445 §7.3 forbids it) and no
 * TURN. Integrity is compared in constant time. */
#ifndef CONFIDE_SFU_STUN_H
#define CONFIDE_SFU_STUN_H
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STUN_HEADER_SIZE 20
#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_TID_SIZE 12
#define STUN_INTEGRITY_SIZE 20
#define STUN_USERNAME_MAX 512 /* RFC 5389 §15.3: fewer than 513 bytes */
#define STUN_REASON_MAX 763   /* §15.6: fewer than 128 characters, at most 763 bytes */
#define STUN_UNKNOWN_MAX 8    /* unknown attribute types kept for a 420 answer */
#define STUN_FINGERPRINT_XOR 0x5354554eu

enum stun_class { STUN_REQUEST = 0, STUN_INDICATION = 1, STUN_SUCCESS = 2, STUN_ERROR = 3 };

#define STUN_BINDING 0x001

enum stun_attr_type {
    STUN_ATTR_MAPPED_ADDRESS = 0x0001,
    STUN_ATTR_USERNAME = 0x0006,
    STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
    STUN_ATTR_ERROR_CODE = 0x0009,
    STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
    STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
    STUN_ATTR_PRIORITY = 0x0024,
    STUN_ATTR_USE_CANDIDATE = 0x0025,
    STUN_ATTR_SOFTWARE = 0x8022,
    STUN_ATTR_FINGERPRINT = 0x8028,
    STUN_ATTR_ICE_CONTROLLED = 0x8029,
    STUN_ATTR_ICE_CONTROLLING = 0x802A,
};

/* Bits of stun_msg.present. */
enum {
    STUN_HAS_USERNAME = 1u << 0,
    STUN_HAS_INTEGRITY = 1u << 1,
    STUN_HAS_FINGERPRINT = 1u << 2,
    STUN_HAS_PRIORITY = 1u << 3,
    STUN_HAS_USE_CANDIDATE = 1u << 4,
    STUN_HAS_ICE_CONTROLLING = 1u << 5,
    STUN_HAS_ICE_CONTROLLED = 1u << 6,
    STUN_HAS_XOR_MAPPED_ADDRESS = 1u << 7,
    STUN_HAS_ERROR_CODE = 1u << 8,
};

struct stun_msg {
    const uint8_t *raw; /* the message: the parsed bytes, all of them */
    size_t len;
    uint16_t method; /* 12 bits, STUN_BINDING for ICE */
    enum stun_class cls;
    uint8_t tid[STUN_TID_SIZE];
    unsigned present;     /* STUN_HAS_* */
    const char *username; /* not NUL-terminated, may hold any bytes */
    size_t username_len;
    size_t integrity_at;   /* offset of the MESSAGE-INTEGRITY attribute's header */
    size_t fingerprint_at; /* offset of the FINGERPRINT attribute's header */
    uint32_t priority;
    uint64_t ice_controlling, ice_controlled; /* the peer's tie-breakers */
    struct sockaddr_storage xor_mapped;       /* AF_INET or AF_INET6 */
    int error_code;                           /* 300..699 */
    const char *error_reason;                 /* not NUL-terminated */
    size_t error_reason_len;
    /* Comprehension-required attribute types this module does not understand, before
     * MESSAGE-INTEGRITY; unknown_count counts all of them, the array keeps the first few. */
    uint16_t unknown[STUN_UNKNOWN_MAX];
    size_t unknown_count;
};

/* RFC 7983 demultiplexing: a first byte of 0..3 means STUN on a port that also carries
 * DTLS (20..63) and RTP/RTCP (128..191). Cheap and says nothing about validity. */
bool stun_is_stun(const uint8_t *data, size_t len);

/* Parses one whole message (a UDP datagram: trailing bytes are an error). 0 or -EBADMSG. */
int stun_parse(const uint8_t *data, size_t len, struct stun_msg *out);

/* MESSAGE-INTEGRITY against key: 0 when it verifies, -ENOENT when absent, -EACCES when
 * wrong. Covers the message up to the attribute, with the header's length field set as if
 * the attribute ended the message (RFC 5389 §15.4). */
int stun_check_integrity(const struct stun_msg *m, const void *key, size_t key_len);

/* FINGERPRINT: 0 when right, -ENOENT when absent, -EBADMSG when wrong. */
int stun_check_fingerprint(const struct stun_msg *m);

/* CRC-32 (ISO-HDLC, the zlib one): FINGERPRINT is this XOR STUN_FINGERPRINT_XOR. */
uint32_t stun_crc32(const void *data, size_t len);

struct stun_builder {
    uint8_t *buf;
    size_t cap, len;
    int err;          /* the first error, 0 while all is well */
    uint8_t pad;      /* the padding byte: any value is valid; 0 unless a test reproduces
                       * RFC 5769, whose authors padded with spaces */
    bool integrity;   /* MESSAGE-INTEGRITY written: only FINGERPRINT may follow */
    bool fingerprint; /* FINGERPRINT written: nothing may follow */
};

void stun_build_init(struct stun_builder *b, void *buf, size_t cap, uint16_t method,
                     enum stun_class cls, const uint8_t tid[STUN_TID_SIZE]);
/* Any attribute, its value padded to 4 bytes. value may be NULL when len is 0. */
void stun_add(struct stun_builder *b, uint16_t type, const void *value, size_t len);
void stun_add_u32(struct stun_builder *b, uint16_t type, uint32_t value);
void stun_add_u64(struct stun_builder *b, uint16_t type, uint64_t value);
/* XOR-MAPPED-ADDRESS from an AF_INET or AF_INET6 address. An IPv4-mapped IPv6 address
 * (what a dual-stack socket reports for an IPv4 peer) is written as the IPv4 address it
 * is, since that is what the peer sent from. */
void stun_add_xor_mapped_address(struct stun_builder *b, const struct sockaddr *addr);
/* ERROR-CODE: code 300..699, reason UTF-8 (may be NULL). */
void stun_add_error_code(struct stun_builder *b, int code, const char *reason);
void stun_add_unknown_attributes(struct stun_builder *b, const uint16_t *types, size_t n);
/* MESSAGE-INTEGRITY over everything written so far. */
void stun_add_integrity(struct stun_builder *b, const void *key, size_t key_len);
void stun_add_fingerprint(struct stun_builder *b);
/* 0 and the message's length, or the first error: -ENOBUFS (buffer or 16-bit length
 * exhausted), -EINVAL (a bad argument, or an attribute after MESSAGE-INTEGRITY or
 * FINGERPRINT), -EIO (OpenSSL failed). */
int stun_build_finish(const struct stun_builder *b, size_t *len);

#endif
