#include "sfu/dtls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/xalloc.h"

#define RECORD_HEADER 13               /* type, version, epoch, sequence number, length */
#define RECORD_BODY_MAX (16384 + 2048) /* RFC 6347 §4.1.1: 2^14 plus expansion */
#define DATAGRAM_IN_MAX (RECORD_BODY_MAX + RECORD_HEADER)
#define DAY_SECONDS 86400
#define DTLS_MAX_SEND_FRAGMENT 1024 /* with a record's header and expansion, under DTLS_MTU */

/* AEAD only: every browser and GStreamer's OpenSSL offer these, and CBC would bring back
 * MAC-then-encrypt for nobody's benefit. RSA suites stay for a client-role peer whose
 * certificate is RSA (GStreamer's default); as a server our certificate picks ECDSA. */
static const char cipher_list[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
                                  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";
/* GCM first (RFC 7714): cheaper per packet and a shorter tag budget than HMAC-SHA1. */
static const char srtp_profiles[] = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

struct dtls_identity {
    SSL_CTX *ctx;
    char fingerprint[DTLS_FINGERPRINT_MAX];
};

struct dtls_peer {
    SSL *ssl;         /* NULL once confirmed */
    BIO *rbio, *wbio; /* owned by ssl */
    enum dtls_role role;
    enum dtls_state state;
    enum dtls_failure failure;
    struct dtls_fingerprint remote;
    bool fingerprint_mismatch;  /* set by the verify callback, read when the handshake fails */
    int64_t rto_deadline;       /* OpenSSL's retransmission timer on our clock */
    int64_t handshake_deadline; /* ours */
    struct dtls_stats stats;
};

/* ---- fingerprints ---- */

static const struct {
    const char *name;
    int nid;
    size_t len;
} hashes[] = {
    {"sha-256", NID_sha256, 32},
    {"sha-384", NID_sha384, 48},
    {"sha-512", NID_sha512, 64},
};

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

int dtls_fingerprint_parse(const char *text, struct dtls_fingerprint *out)
{
    if (!text || !out)
        return -EINVAL;
    size_t name_len = 0;
    while (is_token_char(text[name_len]))
        name_len++;
    if (name_len == 0 || name_len > 16 || text[name_len] != ' ')
        return -EINVAL;
    const char *p = text + name_len;
    while (*p == ' ')
        p++;

    int found = -1;
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
        if (strlen(hashes[i].name) == name_len && strncasecmp(text, hashes[i].name, name_len) == 0)
            found = (int)i;

    /* Check the digest's shape first, so that a malformed line is -EINVAL whatever its
     * hash, and only a well-formed one with an unknown hash is -EOPNOTSUPP. */
    struct dtls_fingerprint fp = {0};
    for (;;) {
        int hi = hex_value(p[0]), lo = hi < 0 ? -1 : hex_value(p[1]);
        if (hi < 0 || lo < 0 || fp.len == sizeof fp.digest)
            return -EINVAL;
        fp.digest[fp.len++] = (uint8_t)(hi << 4 | lo);
        p += 2;
        if (*p == '\0')
            break;
        if (*p != ':')
            return -EINVAL;
        p++;
    }
    if (found < 0)
        return -EOPNOTSUPP; /* md5, sha-1, sha-224 or something newer */
    if (fp.len != hashes[found].len)
        return -EINVAL;
    fp.hash_nid = hashes[found].nid;
    *out = fp;
    return 0;
}

static bool fingerprint_matches(X509 *cert, const struct dtls_fingerprint *fp)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    const EVP_MD *type = EVP_get_digestbynid(fp->hash_nid);
    if (!cert || !type || X509_digest(cert, type, md, &n) != 1 || n != fp->len)
        return false;
    return CRYPTO_memcmp(md, fp->digest, n) == 0;
}

/* ---- identity ---- */

/* Browsers send self-signed certificates, which no chain verification accepts: the only
 * check that means anything is the SDP fingerprint, made here so that a mismatch aborts the
 * handshake with bad_certificate before any key is derived. Called for each error and each
 * depth; the leaf is the certificate the fingerprint pins. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *xs)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct dtls_peer *p = ssl ? SSL_get_app_data(ssl) : NULL;
    if (!p)
        return 0;
    if (!fingerprint_matches(X509_STORE_CTX_get0_cert(xs), &p->remote)) {
        p->fingerprint_mismatch = true;
        X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    return 1;
}

static X509 *make_certificate(EVP_PKEY *key, int64_t now_wall_ms)
{
    X509 *x = X509_new();
    BIGNUM *serial = NULL;
    uint8_t bytes[8];
    if (!x || RAND_bytes(bytes, sizeof bytes) != 1)
        goto fail;
    bytes[0] = (uint8_t)((bytes[0] & 0x7f) | 0x40); /* positive and 8 bytes long (RFC 5280) */
    serial = BN_bin2bn(bytes, sizeof bytes, NULL);
    time_t now = (time_t)(now_wall_ms / 1000);
    X509_NAME *name = X509_get_subject_name(x);
    if (!serial || X509_set_version(x, X509_VERSION_3) != 1 ||
        !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) ||
        /* a day back, for peers whose clocks run behind ours */
        !ASN1_TIME_set(X509_getm_notBefore(x), now - DAY_SECONDS) ||
        !ASN1_TIME_set(X509_getm_notAfter(x),
                       now + (time_t)DTLS_CERT_LIFETIME_DAYS * DAY_SECONDS) ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"confide", -1,
                                   -1, 0) != 1 ||
        X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key) != 1 ||
        X509_sign(x, key, EVP_sha256()) <= 0)
        goto fail;
    BN_free(serial);
    return x;
fail:
    BN_free(serial);
    X509_free(x);
    return NULL;
}

static SSL_CTX *make_ctx(X509 *cert, EVP_PKEY *key)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
    if (!ctx)
        return NULL;
    /* SSL_CTX_set_tlsext_use_srtp is the odd one out: it returns 0 on success */
    if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, cipher_list) != 1 ||
        SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1 ||
        SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1 ||
        SSL_CTX_set_tlsext_use_srtp(ctx, srtp_profiles) != 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* RFC 5763 §5: both sides present a certificate; the server must ask for the client's */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    /* one handshake per transport: nothing to resume, nothing to renegotiate */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_QUERY_MTU |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    return ctx;
}

int dtls_identity_new(int64_t now_wall_ms, struct dtls_identity **out)
{
    int rc = -EIO;
    X509 *cert = NULL;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    struct dtls_identity *id = xcalloc(1, sizeof *id);
    if (!key || !(cert = make_certificate(key, now_wall_ms)) || !(id->ctx = make_ctx(cert, key)))
        goto out;

    uint8_t md[32];
    unsigned n = 0;
    if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != sizeof md)
        goto out;
    static const char hex[] = "0123456789ABCDEF";
    char *w = id->fingerprint;
    memcpy(w, "sha-256 ", 8);
    w += 8;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *w++ = ':';
        *w++ = hex[md[i] >> 4];
        *w++ = hex[md[i] & 15];
    }
    *w = '\0';
    *out = id;
    id = NULL;
    rc = 0;
out:
    ERR_clear_error();
    X509_free(cert); /* the SSL_CTX holds its own references */
    EVP_PKEY_free(key);
    dtls_identity_free(id);
    return rc;
}

void dtls_identity_free(struct dtls_identity *id)
{
    if (!id)
        return;
    SSL_CTX_free(id->ctx); /* reference counted: peers' SSLs keep it alive */
    free(id);
}

const char *dtls_identity_fingerprint(const struct dtls_identity *id)
{
    return id->fingerprint;
}

/* ---- peers ---- */

/* OpenSSL's default starts at 1 s; a handshake on a lossy path recovers sooner at 400 ms.
 * prev_us is 0 when a flight is first sent, the last timeout on each expiry. */
static unsigned int timer_cb(SSL *ssl, unsigned int prev_us)
{
    (void)ssl;
    if (prev_us == 0)
        return DTLS_RTO_INITIAL_MS * 1000u;
    if (prev_us >= DTLS_RTO_MAX_MS * 1000u / 2)
        return DTLS_RTO_MAX_MS * 1000u;
    return prev_us * 2;
}

int dtls_peer_new(const struct dtls_identity *id, enum dtls_role role,
                  const char *remote_fingerprint, struct dtls_peer **out)
{
    if (!id || (role != DTLS_ROLE_SERVER && role != DTLS_ROLE_CLIENT))
        return -EINVAL;
    struct dtls_fingerprint fp;
    int rc = dtls_fingerprint_parse(remote_fingerprint, &fp);
    if (rc < 0)
        return rc;

    struct dtls_peer *p = xcalloc(1, sizeof *p);
    p->role = role;
    p->state = DTLS_STATE_NEW;
    p->remote = fp;
    p->rto_deadline = INT64_MAX;
    p->handshake_deadline = INT64_MAX;
    p->ssl = SSL_new(id->ctx);
    p->rbio = BIO_new(BIO_s_mem());
    p->wbio = BIO_new(BIO_s_mem());
    if (!p->ssl || !p->rbio || !p->wbio) {
        BIO_free(p->rbio);
        BIO_free(p->wbio);
        SSL_free(p->ssl);
        free(p);
        ERR_clear_error();
        return -EIO;
    }
    /* an empty memory BIO means "no datagram yet", not end of file */
    BIO_set_mem_eof_return(p->rbio, -1);
    BIO_set_mem_eof_return(p->wbio, -1);
    SSL_set_bio(p->ssl, p->rbio, p->wbio);
    SSL_set_app_data(p->ssl, p);
    /* a memory BIO knows no path MTU: fragment handshake messages to our datagram size */
    SSL_set_mtu(p->ssl, DTLS_MTU);
    /* records never carry more than a datagram holds (no application data goes over DTLS
     * here): OpenSSL sizes the write buffer it keeps for the peer's life by this, 16 KB
     * otherwise */
    SSL_set_max_send_fragment(p->ssl, DTLS_MAX_SEND_FRAGMENT);
    DTLS_set_timer_cb(p->ssl, timer_cb);
    if (role == DTLS_ROLE_SERVER)
        SSL_set_accept_state(p->ssl);
    else
        SSL_set_connect_state(p->ssl);
    *out = p;
    return 0;
}

void dtls_peer_free(struct dtls_peer *p)
{
    if (!p)
        return;
    SSL_free(p->ssl); /* frees the BIOs; OpenSSL cleanses its own key material */
    OPENSSL_cleanse(p, sizeof *p);
    free(p);
}

static void out_reset(struct dtls_out *out)
{
    out->count = 0;
    out->events = 0;
    out->failure = DTLS_FAIL_NONE;
    out->profile = 0;
    OPENSSL_cleanse(&out->local, sizeof out->local);
    OPENSSL_cleanse(&out->remote, sizeof out->remote);
}

void dtls_out_wipe(struct dtls_out *out)
{
    out_reset(out);
}

/* Moves what OpenSSL wrote into the caller's datagrams. The memory BIO is a byte stream
 * holding whole records back to back (OpenSSL already cut handshake messages to DTLS_MTU);
 * consecutive records share a datagram while they fit, as RFC 6347 §4.1 allows, which
 * turns a flight of five small messages into one datagram. */
static void flush(struct dtls_peer *p, struct dtls_out *out)
{
    char *raw = NULL;
    long avail = BIO_get_mem_data(p->wbio, &raw);
    const uint8_t *data = (const uint8_t *)raw;
    size_t n = avail > 0 ? (size_t)avail : 0, off = 0;
    struct dtls_datagram *cur = NULL;
    size_t cur_max = 0;
    while (off < n) {
        size_t rec = n - off;
        if (rec >= RECORD_HEADER) {
            size_t body = (size_t)data[off + 11] << 8 | data[off + 12];
            if (body <= rec - RECORD_HEADER)
                rec = RECORD_HEADER + body;
        }
        if (!cur || cur->len + rec > cur_max) {
            cur = NULL;
            if (out->count < out->datagrams_max) {
                cur = &out->datagrams[out->count];
                cur_max = cur->cap < DTLS_MTU ? cur->cap : DTLS_MTU;
                if (rec > cur_max)
                    cur = NULL;
            }
            if (cur) {
                cur->len = 0;
                out->count++;
                p->stats.datagrams_out++;
            }
        }
        if (cur) {
            memcpy(cur->data + cur->len, data + off, rec);
            cur->len += rec;
        } else {
            p->stats.out_overflow++;
        }
        off += rec;
    }
    (void)BIO_reset(p->wbio);
}

/* The timer OpenSSL runs, moved onto the caller's clock. */
static void update_deadline(struct dtls_peer *p, int64_t now_ms)
{
    struct timeval tv;
    p->rto_deadline = INT64_MAX;
    if ((p->state == DTLS_STATE_HANDSHAKING || p->state == DTLS_STATE_CONNECTED) &&
        DTLSv1_get_timeout(p->ssl, &tv) == 1)
        p->rto_deadline = now_ms + (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
}

/* Once connected, records are rare (a repeated last flight, an alert), and a peer lives
 * as long as its call: OpenSSL's record buffers (~18 KB) are freed between them. Reading
 * makes them again by itself; writing does not, so every call that may write (a timer's
 * retransmission, close_notify) asks for them first. */
static void idle_buffers(struct dtls_peer *p)
{
    if (p->state == DTLS_STATE_CONNECTED)
        (void)SSL_free_buffers(p->ssl);
}

static bool writable(struct dtls_peer *p)
{
    ERR_clear_error();
    if (SSL_alloc_buffers(p->ssl) == 1)
        return true;
    ERR_clear_error();
    return false;
}

static void fail(struct dtls_peer *p, struct dtls_out *out, enum dtls_failure why)
{
    p->state = DTLS_STATE_FAILED;
    p->failure = why;
    p->rto_deadline = INT64_MAX;
    p->handshake_deadline = INT64_MAX;
    out->events |= DTLS_EV_FAILED;
    out->failure = why;
}

/* The handshake finished: check what the verify callback cannot (a certificate that was
 * never asked for is not verified), then hand out the keys. */
static void on_handshake_done(struct dtls_peer *p, struct dtls_out *out)
{
    p->handshake_deadline = INT64_MAX;
    if (!fingerprint_matches(SSL_get0_peer_certificate(p->ssl), &p->remote)) {
        (void)SSL_shutdown(p->ssl);
        fail(p, out, DTLS_FAIL_FINGERPRINT);
        return;
    }
    const SRTP_PROTECTION_PROFILE *sp = SSL_get_selected_srtp_profile(p->ssl);
    enum rtpsec_profile profile = sp ? (enum rtpsec_profile)sp->id : 0;
    size_t len = rtpsec_dtls_material_len(profile);
    if (len == 0) {
        (void)SSL_shutdown(p->ssl);
        fail(p, out, DTLS_FAIL_NO_SRTP);
        return;
    }
    uint8_t material[RTPSEC_DTLS_MATERIAL_MAX];
    static const char label[] = "EXTRACTOR-dtls_srtp"; /* RFC 5764 §4.2 */
    int rc =
        SSL_export_keying_material(p->ssl, material, len, label, sizeof label - 1, NULL, 0, 0) == 1
            ? rtpsec_keys_from_dtls(material, len, p->role == DTLS_ROLE_SERVER, profile,
                                    &out->local, &out->remote)
            : -EIO;
    OPENSSL_cleanse(material, sizeof material);
    if (rc < 0) {
        OPENSSL_cleanse(&out->local, sizeof out->local);
        OPENSSL_cleanse(&out->remote, sizeof out->remote);
        (void)SSL_shutdown(p->ssl);
        fail(p, out, DTLS_FAIL_INTERNAL);
        return;
    }
    p->state = DTLS_STATE_CONNECTED;
    out->events |= DTLS_EV_CONNECTED;
    out->profile = profile;
}

static void drive_handshake(struct dtls_peer *p, struct dtls_out *out)
{
    ERR_clear_error();
    int r = SSL_do_handshake(p->ssl);
    if (r == 1) {
        on_handshake_done(p, out);
    } else {
        int e = SSL_get_error(p->ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            fail(p, out, p->fingerprint_mismatch ? DTLS_FAIL_FINGERPRINT : DTLS_FAIL_HANDSHAKE);
    }
    ERR_clear_error();
}

/* After the handshake the only records that matter are alerts; OpenSSL also answers a
 * retransmitted Finished here (our last flight was lost) by resending its own. */
static void drain_reads(struct dtls_peer *p, struct dtls_out *out)
{
    uint8_t sink[2048];
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(p->ssl, sink, sizeof sink);
        if (r > 0) {
            p->stats.app_data += (uint64_t)r;
            continue;
        }
        int e = SSL_get_error(p->ssl, r);
        if (e == SSL_ERROR_ZERO_RETURN) {
            (void)SSL_shutdown(p->ssl); /* our close_notify in reply */
            p->state = DTLS_STATE_CLOSED;
            p->rto_deadline = INT64_MAX;
            out->events |= DTLS_EV_CLOSED;
        } else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            fail(p, out, DTLS_FAIL_ALERT);
        }
        break;
    }
    OPENSSL_cleanse(sink, sizeof sink);
    ERR_clear_error();
}

static void begin(struct dtls_peer *p, int64_t now_ms)
{
    p->state = DTLS_STATE_HANDSHAKING;
    p->handshake_deadline = now_ms + DTLS_HANDSHAKE_TIMEOUT_MS;
}

int dtls_peer_start(struct dtls_peer *p, int64_t now_ms, struct dtls_out *out)
{
    out_reset(out);
    if (p->state == DTLS_STATE_FAILED || p->state == DTLS_STATE_CLOSED)
        return -ENOTCONN;
    if (p->role == DTLS_ROLE_SERVER)
        return 0;
    if (p->state != DTLS_STATE_NEW)
        return -EALREADY;
    begin(p, now_ms);
    drive_handshake(p, out);
    flush(p, out);
    update_deadline(p, now_ms);
    return 0;
}

#define FRAGMENT_HEADER 12 /* type, length, message_seq, fragment_offset, fragment_length */

static size_t load24(const uint8_t *p)
{
    return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

/* The body of a plaintext handshake record: fragments whose headers add up. OpenSSL answers
 * a malformed fragment with a fatal alert, which would let a single forged datagram end a
 * handshake; RFC 6347 §4.1.2.7 would rather have it dropped, so it is dropped here. */
static bool whole_fragments(const uint8_t *b, size_t len)
{
    size_t off = 0;
    while (off < len) {
        if (len - off < FRAGMENT_HEADER)
            return false;
        const uint8_t *f = b + off;
        size_t msg_len = load24(f + 1), frag_off = load24(f + 6), frag_len = load24(f + 9);
        if (frag_len > len - off - FRAGMENT_HEADER || frag_off > msg_len ||
            frag_len > msg_len - frag_off)
            return false;
        off += FRAGMENT_HEADER + frag_len;
    }
    return true;
}

/* Whole DTLS 1.2 records and nothing else. Records of DTLS 1.3, or with a connection id,
 * have no business on a DTLS 1.2 transport. */
static bool whole_records(const uint8_t *d, size_t len)
{
    if (len > DATAGRAM_IN_MAX)
        return false;
    size_t off = 0;
    while (off < len) {
        if (len - off < RECORD_HEADER)
            return false;
        const uint8_t *h = d + off;
        size_t body = (size_t)h[11] << 8 | h[12];
        /* content types 20..24; record version DTLS 1.0 (a ClientHello may use it) or 1.2 */
        if (h[0] < 20 || h[0] > 24 || h[1] != 0xfe || (h[2] != 0xff && h[2] != 0xfd) ||
            body > RECORD_BODY_MAX || body > len - off - RECORD_HEADER)
            return false;
        if (h[0] == 22 && h[3] == 0 && h[4] == 0 && !whole_fragments(h + RECORD_HEADER, body))
            return false;
        off += RECORD_HEADER + body;
    }
    return true;
}

/* Epoch-0 records are not authenticated, and OpenSSL ends a handshake on the first message
 * it did not expect; so until one has begun, a server lets only a ClientHello start it. */
static bool client_hello(const uint8_t *d, size_t len)
{
    return len > RECORD_HEADER && d[0] == 22 && d[3] == 0 && d[4] == 0 && d[RECORD_HEADER] == 1;
}

int dtls_peer_handle(struct dtls_peer *p, int64_t now_ms, const uint8_t *data, size_t len,
                     struct dtls_out *out)
{
    out_reset(out);
    if (p->state == DTLS_STATE_FAILED || p->state == DTLS_STATE_CLOSED) {
        p->stats.after_end++;
        return -ENOTCONN;
    }
    if (len == 0 || data[0] < 20 || data[0] > 63) {
        p->stats.not_dtls++;
        return -EINVAL;
    }
    if (!whole_records(data, len)) {
        p->stats.malformed++;
        return -EBADMSG;
    }
    if (p->state == DTLS_STATE_NEW && p->role == DTLS_ROLE_SERVER && !client_hello(data, len)) {
        p->stats.early++;
        return -EBADMSG;
    }
    p->stats.datagrams_in++;
    if (!p->ssl) {
        p->stats.after_confirm++;
        return -ENOTCONN;
    }
    if (p->state == DTLS_STATE_NEW)
        begin(p, now_ms);

    /* One datagram at a time: DTLS reads whatever the BIO holds as one packet, so it must
     * hold exactly this one, and nothing of it may be left for the next. */
    if (BIO_write(p->rbio, data, (int)len) != (int)len) {
        ERR_clear_error();
        fail(p, out, DTLS_FAIL_INTERNAL);
        return 0;
    }
    if (p->state == DTLS_STATE_HANDSHAKING)
        drive_handshake(p, out);
    /* also right after the handshake: the same datagram may carry more records */
    if (p->state == DTLS_STATE_CONNECTED)
        drain_reads(p, out);
    (void)BIO_reset(p->rbio);
    flush(p, out);
    update_deadline(p, now_ms);
    idle_buffers(p);
    return 0;
}

int64_t dtls_peer_next_deadline(const struct dtls_peer *p)
{
    return p->rto_deadline < p->handshake_deadline ? p->rto_deadline : p->handshake_deadline;
}

void dtls_peer_tick(struct dtls_peer *p, int64_t now_ms, struct dtls_out *out)
{
    out_reset(out);
    if ((p->state != DTLS_STATE_HANDSHAKING && p->state != DTLS_STATE_CONNECTED) || !p->ssl)
        return;
    if (p->state == DTLS_STATE_HANDSHAKING && now_ms >= p->handshake_deadline) {
        fail(p, out, DTLS_FAIL_TIMEOUT);
        return;
    }
    if (now_ms >= p->rto_deadline) {
        if (!writable(p)) {
            fail(p, out, DTLS_FAIL_INTERNAL);
            return;
        }
        ERR_clear_error();
        int r = DTLSv1_handle_timeout(p->ssl);
        if (r > 0)
            p->stats.retransmits++;
        else if (r < 0 && p->state == DTLS_STATE_HANDSHAKING)
            fail(p, out, DTLS_FAIL_TIMEOUT); /* OpenSSL's count of expiries ran out */
        ERR_clear_error();
        flush(p, out);
        idle_buffers(p);
    }
    update_deadline(p, now_ms);
}

void dtls_peer_close(struct dtls_peer *p, struct dtls_out *out)
{
    out_reset(out);
    if (p->state == DTLS_STATE_FAILED || p->state == DTLS_STATE_CLOSED)
        return;
    if (p->state == DTLS_STATE_CONNECTED && p->ssl && writable(p)) {
        ERR_clear_error();
        (void)SSL_shutdown(p->ssl);
        ERR_clear_error();
        flush(p, out);
    }
    p->state = DTLS_STATE_CLOSED;
    p->rto_deadline = INT64_MAX;
    p->handshake_deadline = INT64_MAX;
}

bool dtls_peer_confirm(struct dtls_peer *p)
{
    if (!p->ssl || p->state != DTLS_STATE_CONNECTED)
        return false;
    /* OpenSSL keeps a DTLS connection's handshake buffer and last flight for its whole life
     * (to answer retransmissions); the keys are already out, so none of it is needed now */
    SSL_free(p->ssl);
    p->ssl = NULL;
    p->rbio = p->wbio = NULL;
    p->rto_deadline = INT64_MAX;
    return true;
}

bool dtls_peer_has_connection(const struct dtls_peer *p)
{
    return p->ssl != NULL;
}

enum dtls_state dtls_peer_state(const struct dtls_peer *p)
{
    return p->state;
}

enum dtls_role dtls_peer_role(const struct dtls_peer *p)
{
    return p->role;
}

const struct dtls_stats *dtls_peer_stats(const struct dtls_peer *p)
{
    return &p->stats;
}

const char *dtls_failure_name(enum dtls_failure f)
{
    switch (f) {
    case DTLS_FAIL_NONE:
        return "none";
    case DTLS_FAIL_HANDSHAKE:
        return "handshake";
    case DTLS_FAIL_FINGERPRINT:
        return "fingerprint";
    case DTLS_FAIL_NO_SRTP:
        return "no_srtp";
    case DTLS_FAIL_TIMEOUT:
        return "timeout";
    case DTLS_FAIL_ALERT:
        return "alert";
    case DTLS_FAIL_INTERNAL:
        return "internal";
    }
    return "unknown";
}
