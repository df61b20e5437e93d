/* core: buf, config, seal and the key file, clock, metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/calendar.h"
#include "core/cidr.h"
#include "core/client_addr.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/keyfile.h"
#include "core/metrics.h"
#include "core/rand.h"
#include "core/seal.h"
#include "core/turn_cred.h"

static void buf_grows_and_formats(void **state)
{
    struct buf b = {0};
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i);
    assert_int_equal(b.len, strlen(b.data));
    assert_true(strncmp(b.data, "0,1,2,", 6) == 0);
    assert_non_null(strstr(b.data, "999,"));
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_int_equal(b.data[2], 'b');
    buf_free(&b);
}

static void config_precedence_file_env_flag(void **state)
{
    char path[] = "/tmp/confide-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *ini = "; a comment\nlisten = 127.0.0.1:9000\nidle_timeout = 600\n"
                      "practice_name = Harbour Counselling\n";
    assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
    close(fd);

    struct config c;
    struct buf err = {0};
    config_defaults(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_int_equal(c.idle_timeout, 900);
    assert_int_equal(c.session_lifetime, 43200);
    assert_int_equal(config_load_file(&c, path, &err), 0);
    assert_string_equal(c.listen, "127.0.0.1:9000");
    assert_int_equal(c.idle_timeout, 600);
    assert_string_equal(c.practice_name, "Harbour Counselling");

    setenv("CONFIDE_IDLE_TIMEOUT", "300", 1);
    setenv("CONFIDE_DATA_DIR", "/tmp/from-env", 1);
    assert_int_equal(config_apply_env(&c, &err), 0);
    unsetenv("CONFIDE_IDLE_TIMEOUT");
    unsetenv("CONFIDE_DATA_DIR");
    assert_int_equal(c.idle_timeout, 300);
    assert_string_equal(c.data_dir, "/tmp/from-env");

    assert_int_equal(config_set_flag(&c, "data-dir", "/tmp/from-flag", &err), 0);
    assert_string_equal(c.data_dir, "/tmp/from-flag");
    assert_int_equal(config_finish(&c, &err), 0);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 9000);
    assert_string_equal(c.public_url, "http://127.0.0.1:9000");
    /* one node: it is reached where the practice is, and named after its host */
    assert_string_equal(c.node_url, c.public_url);
    assert_true(c.node_id[0] != '\0');
    unlink(path);
    buf_free(&err);
}

/* Several nodes: each is reached at a path on the practice's origin, never another origin
 * (the sign-in cookie and the WebSocket's Origin check would not follow). */
static void config_node_url_stays_on_the_origin(void **state)
{
    (void)state;
    static const struct {
        const char *node_id, *node_url;
        int ok;
    } cases[] = {
        {"a", "https://video.example.org/node/a/", 1},
        {"node-2.east", "https://video.example.org/b", 1},
        {"a", "https://other.example.org/node/a", 0},
        {"a", "http://video.example.org/node/a", 0},
        {"a", "https://video.example.org:8443/node/a", 0},
        {"a", "/node/a", 0},
        {"a b", "https://video.example.org/node/a", 0},
        {"a/b", "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        struct buf err = {0};
        config_defaults(&c);
        assert_int_equal(config_set_flag(&c, "public-url", "https://video.example.org", &err), 0);
        assert_int_equal(config_set_flag(&c, "node-id", cases[i].node_id, &err), 0);
        assert_int_equal(config_set_flag(&c, "node-url", cases[i].node_url, &err), 0);
        int rc = config_finish(&c, &err);
        if ((rc == 0) != cases[i].ok)
            fail_msg("node %s at %s: expected %s (%s)", cases[i].node_id, cases[i].node_url,
                     cases[i].ok ? "accepted" : "refused", err.data ? err.data : "");
        if (rc == 0)
            assert_true(c.node_url[strlen(c.node_url) - 1] != '/');
        else
            assert_non_null(err.data);
        buf_free(&err);
    }
}

static void cidr_ranges_parse_and_match(void **state)
{
    /* one range, one address: in it or not */
    static const struct {
        const char *range, *addr;
        int in;
    } match[] = {
        {"10.0.0.0/8", "10.0.0.0", 1},
        {"10.0.0.0/8", "10.255.255.255", 1},
        {"10.0.0.0/8", "11.0.0.0", 0},
        {"10.0.0.0/8", "9.255.255.255", 0},
        {"10.0.0.0/8", "::ffff:10.1.2.3", 1}, /* how a dual-stack socket names an IPv4 peer */
        {"10.0.0.0/8", "::a01:203", 0},       /* IPv4-compatible is not IPv4 */
        {"192.0.2.7", "192.0.2.7", 1},
        {"192.0.2.7", "192.0.2.8", 0},
        {"192.0.2.7/32", "192.0.2.7", 1},
        {"172.16.0.0/12", "172.31.255.1", 1},
        {"172.16.0.0/12", "172.32.0.1", 0},
        {"192.168.1.128/25", "192.168.1.200", 1},
        {"192.168.1.128/25", "192.168.1.127", 0},
        {"0.0.0.0/0", "203.0.113.1", 1},
        {"0.0.0.0/0", "2001:db8::1", 0}, /* every IPv4 address, no IPv6 one */
        {"fd00::/8", "fd12:3456::1", 1},
        {"fd00::/8", "fe80::1", 0},
        {"2001:db8::/32", "2001:db8:ffff::1", 1},
        {"2001:db8::/32", "2001:db9::1", 0},
        {"2001:db8::1", "2001:db8::1", 1},
        {"2001:db8::1", "2001:db8::2", 0},
        {"2001:db8::/33", "2001:db8:7fff::1", 1},
        {"2001:db8::/33", "2001:db8:8000::1", 0},
        {"::/0", "2001:db8::1", 1},
        {"10.0.0.0/8", "not an address", 0},
        {"10.0.0.0/8", "", 0},
        {"10.0.0.0/8", "10.0.0.1/8", 0},
    };
    for (size_t i = 0; i < sizeof match / sizeof match[0]; i++) {
        struct cidr_list l;
        struct buf err = {0};
        assert_int_equal(cidr_list_parse(match[i].range, &l, &err), 0);
        assert_int_equal(l.count, 1);
        if (cidr_list_contains(&l, match[i].addr) != match[i].in)
            fail_msg("%s in %s: expected %d", match[i].addr, match[i].range, match[i].in);
        buf_free(&err);
    }
    /* what a list may hold, and what it says when it is wrong */
    static const struct {
        const char *text;
        int count; /* -1: refused */
        const char *said;
    } lists[] = {
        {"", 0, NULL},
        {" , ", 0, NULL},
        {"10.0.0.0/8, fd00::/8,192.0.2.7", 3, NULL},
        {"::ffff:10.0.0.0/104", 1, NULL},
        {"10.0.0.0/33", -1, "prefix must be 0 to 32"},
        {"fd00::/129", -1, "prefix must be 0 to 128"},
        {"10.0.0.0/", -1, "prefix"},
        {"10.0.0.0/-1", -1, "prefix"},
        {"10.0.0.0/8x", -1, "prefix"},
        {"10.0.0.1/8", -1, "bits set past its prefix"},
        {"fd00::1/8", -1, "bits set past its prefix"},
        {"10.0.0", -1, "not an IPv4 or IPv6 address"},
        {"example.org", -1, "not an IPv4 or IPv6 address"},
        {"[::1]", -1, "not an IPv4 or IPv6 address"},
        {"10.0.0.0/8 junk", -1, "not an IPv4 or IPv6 address"},
        {"1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8,"
         "9.0.0.0/8,10.0.0.0/8,11.0.0.0/8,12.0.0.0/8,13.0.0.0/8,14.0.0.0/8,15.0.0.0/8,"
         "16.0.0.0/8,17.0.0.0/8",
         -1, "at most 16"},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        struct cidr_list l;
        struct buf err = {0};
        int rc = cidr_list_parse(lists[i].text, &l, &err);
        if (lists[i].count < 0) {
            assert_int_equal(rc, -1);
            if (!err.data || !strstr(err.data, lists[i].said))
                fail_msg("\"%s\" said \"%s\"", lists[i].text, err.data ? err.data : "");
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(l.count, lists[i].count);
        }
        buf_free(&err);
    }
    /* loopback, both families */
    static const struct {
        const char *addr;
        int loopback;
    } lo[] = {
        {"127.0.0.1", 1}, {"127.255.0.9", 1}, {"::1", 1}, {"::ffff:127.0.0.1", 1},
        {"128.0.0.1", 0}, {"::2", 0},         {"::", 0},  {"0.0.0.0", 0},
        {"", 0},          {"localhost", 0},
    };
    for (size_t i = 0; i < sizeof lo / sizeof lo[0]; i++)
        if (cidr_is_loopback(lo[i].addr) != lo[i].loopback)
            fail_msg("%s: loopback expected %d", lo[i].addr, lo[i].loopback);
    assert_false(cidr_is_loopback(NULL));
}

/* One client, one key: an IPv6 host's whole /64 is one, an IPv4 address is itself. */
static void client_keys_group_an_ipv6_64(void **state)
{
    (void)state;
    static const struct {
        const char *addr, *key;
    } keys[] = {
        {"192.0.2.7", "192.0.2.7"},
        {"::ffff:192.0.2.7", "192.0.2.7"},
        {"2001:db8:1:2::1", "2001:db8:1:2::/64"},
        {"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
        {"2001:db8:1:3::1", "2001:db8:1:3::/64"},
        {"::1", "::/64"},
        {"not an address", "not an address"},
    };
    char key[64];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        cidr_client_key(keys[i].addr, key);
        if (strcmp(key, keys[i].key) != 0)
            fail_msg("%s: key %s, expected %s", keys[i].addr, key, keys[i].key);
    }
    cidr_client_key(NULL, key);
    assert_string_equal(key, "?");
}

static void config_rejects_bad_values(void **state)
{
    struct config c;
    struct buf err = {0};
    config_defaults(&c);
    assert_int_equal(config_set_flag(&c, "idle-timeout", "0", &err), -1);
    assert_non_null(strstr(err.data, "idle_timeout"));
    buf_reset(&err);
    assert_int_equal(config_set_flag(&c, "idle-timeout", "12abc", &err), -1);
    buf_reset(&err);
    assert_int_equal(config_set_flag(&c, "no-such-thing", "1", &err), -1);
    assert_non_null(strstr(err.data, "unknown"));
    buf_reset(&err);
    assert_int_equal(config_set_flag(&c, "listen", "nonsense", &err), 0);
    assert_int_equal(config_finish(&c, &err), -1);
    buf_reset(&err);
    config_defaults(&c);
    config_set_flag(&c, "tls-cert", "/x.pem", &err);
    assert_int_equal(config_finish(&c, &err), -1);
    assert_non_null(strstr(err.data, "tls_key"));
    buf_reset(&err);
    /* a From address mail could not be sent from stops the start, not every message */
    config_defaults(&c);
    config_set_flag(&c, "smtp-from", "zoë@care.example", &err);
    assert_int_equal(config_finish(&c, &err), -1);
    assert_non_null(strstr(err.data, "smtp_from"));
    buf_reset(&err);
    config_defaults(&c);
    config_set_flag(&c, "public-url", "http://localhost:8080", &err); /* no-reply@localhost */
    assert_int_equal(config_finish(&c, &err), -1);
    assert_non_null(strstr(err.data, "smtp_from"));
    buf_reset(&err);
    config_defaults(&c);
    config_set_flag(&c, "public-url", "https://care.example", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_string_equal(c.smtp_from, "no-reply@care.example");
    buf_reset(&err);
    /* metrics_allow is checked at start, with the range that is wrong */
    config_defaults(&c);
    config_set_flag(&c, "metrics-allow", "10.0.0.0/8, 300.1.2.3", &err);
    assert_int_equal(config_finish(&c, &err), -1);
    assert_non_null(strstr(err.data, "metrics_allow"));
    assert_non_null(strstr(err.data, "300.1.2.3"));
    buf_reset(&err);
    config_defaults(&c);
    config_set_flag(&c, "metrics-allow", "10.0.0.0/8, fd00::/8", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_int_equal(c.metrics_allow_list.count, 2);
    buf_reset(&err);
    /* media addresses are read and checked with the other settings */
    static const struct {
        const char *bind, *public_ip;
        int ok, count;
        const char *said;
    } media[] = {
        {"127.0.0.1", "", 1, 1, NULL},
        {"127.0.0.1", "203.0.113.7, 2001:db8::1,198.51.100.2", 1, 3, NULL},
        {"127.0.0.1", "203.0.113.7,,  ", 1, 1, NULL},
        {"0.0.0.0", "", 0, 0, "media_public_ip must be set"},
        {"localhost", "", 0, 0, "media_bind"},
        {"127.0.0.1", "203.0.113.7, example.org", 0, 0, "\"example.org\" is not an IPv4"},
        {"127.0.0.1", " , ", 0, 0, "names no address"},
        {"127.0.0.1",
         "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9,1.1.1.10", 0, 0,
         "up to 9"},
    };
    for (size_t i = 0; i < sizeof media / sizeof media[0]; i++) {
        config_defaults(&c);
        config_set_flag(&c, "public-url", "https://care.example", &err);
        config_set_flag(&c, "media-bind", media[i].bind, &err);
        config_set_flag(&c, "media-public-ip", media[i].public_ip, &err);
        buf_reset(&err);
        assert_int_equal(config_finish(&c, &err), media[i].ok ? 0 : -1);
        if (media[i].ok) {
            assert_int_equal(c.media_address_count, media[i].count);
        } else {
            assert_non_null(err.data);
            assert_non_null(strstr(err.data, media[i].said));
        }
        buf_reset(&err);
    }
    config_defaults(&c);
    config_set_flag(&c, "media-public-ip", "203.0.113.7, 2001:db8::1", &err);
    config_set_flag(&c, "public-url", "https://care.example", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_string_equal(c.media_addresses[0], "203.0.113.7");
    assert_string_equal(c.media_addresses[1], "2001:db8::1");
    assert_int_equal(c.https, 1); /* an https public_url: a proxy in front ends TLS */
    buf_reset(&err);

    /* trusted_proxies: a CIDR list like metrics_allow */
    config_defaults(&c);
    assert_int_equal(config_set_flag(&c, "trusted-proxies", "127.0.0.1/32, fd00::/8", &err), 0);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_int_equal(c.trusted_proxies_list.count, 2);
    assert_int_equal(c.https, 0); /* plain http from listen */
    config_defaults(&c);
    config_set_flag(&c, "trusted-proxies", "nginx", &err);
    assert_int_equal(config_finish(&c, &err), -1);
    assert_non_null(strstr(err.data, "trusted_proxies"));
    buf_reset(&err);
    config_defaults(&c);
    config_set_flag(&c, "public-url", "HTTPS://care.example/", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_int_equal(c.https, 1);
    config_defaults(&c);
    config_set_flag(&c, "public-url", "http://care.example", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_int_equal(c.https, 0);
    buf_reset(&err);

    char path[] = "/tmp/confide-config-XXXXXX";
    int fd = mkstemp(path);
    const char *ini = "listen = 127.0.0.1:1\nbogus_key = 1\n";
    assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
    close(fd);
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, path, &err), -1);
    assert_non_null(strstr(err.data, "bogus_key"));
    unlink(path);
    buf_reset(&err);
    assert_int_equal(config_load_file(&c, "/nonexistent/confide.ini", &err), -1);
    buf_free(&err);
}

/* A box as confide sealed it before version 1: nonce || ciphertext || tag, the column name
 * as associated data. Written here with libsodium alone, so the old format is pinned. */
static void seal_box_v0(const uint8_t master[32], const char *column, const char *plain,
                        struct buf *out)
{
    uint8_t key[32], box[24 + 256 + 16];
    size_t len = strlen(plain);
    assert_true(len <= 256);
    crypto_kdf_derive_from_key(key, sizeof key, 1, "confseal", master);
    randombytes_buf(box, 24);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + 24, &clen, (const uint8_t *)plain, len,
                                               (const uint8_t *)column, strlen(column), NULL, box,
                                               key);
    buf_reset(out);
    buf_append(out, box, 24 + (size_t)clen);
}

/* Mail goes out over TLS unless the practice turns that off by name: the default is
 * "require", so a server (or someone in the path) that offers no STARTTLS gets no mail in
 * the clear. */
static void config_smtp_starttls_is_required_unless_turned_off(void **state)
{
    (void)state;
    struct config c;
    struct buf err = {0};
    config_defaults(&c);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_string_equal(c.smtp_starttls, "require");
    /* so a password for a relay across the network needs nothing more */
    config_defaults(&c);
    config_set_flag(&c, "smtp-url", "smtp://mail.example.org:587", &err);
    config_set_flag(&c, "smtp-user", "confide", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    config_set_flag(&c, "smtp-starttls", "off", &err);
    assert_int_equal(config_finish(&c, &err), -1);
    assert_non_null(strstr(err.data, "smtp_starttls"));
    buf_reset(&err);
    config_defaults(&c);
    config_set_flag(&c, "smtp-starttls", "off", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_string_equal(c.smtp_starttls, "off");
    buf_free(&err);
}

static void seal_round_trip_and_column_and_row_binding(void **state)
{
    uint8_t key[32];
    memset(key, 7, sizeof key);
    struct seal *s = seal_new_from_key(key);
    struct buf box = {0}, plain = {0};
    seal_box(s, "users.email", 12, "ada@example.org", 15, &box);
    assert_int_equal(box.len, 1 + 4 + 24 + 15 + 16);
    assert_int_equal((uint8_t)box.data[0], SEAL_VERSION);
    assert_memory_equal(box.data + 1, "\0\0\0\1", 4); /* key 1, big-endian */
    assert_int_equal(seal_box_key_id(box.data, box.len), 1);
    assert_null(memmem(box.data, box.len, "ada@", 4));
    assert_int_equal(seal_unbox(s, "users.email", 12, box.data, box.len, &plain), 0);
    assert_int_equal(plain.len, 15);
    assert_memory_equal(plain.data, "ada@example.org", 15);
    /* a sealed email cannot be passed off as a name, nor as another row's email */
    assert_int_equal(seal_unbox(s, "users.name", 12, box.data, box.len, &plain), -1);
    assert_int_equal(plain.len, 0);
    static const int64_t other_rows[] = {13, 11, 0, -12, 12LL << 32, (12LL << 8) | 12};
    for (size_t i = 0; i < sizeof other_rows / sizeof other_rows[0]; i++)
        assert_int_equal(seal_unbox(s, "users.email", other_rows[i], box.data, box.len, &plain),
                         -1);
    /* nor read as a version-0 box */
    assert_int_equal(seal_unbox_v0(s, "users.email", box.data, box.len, &plain), -1);
    assert_int_equal(seal_unbox_v0(s, "users.email", box.data + 1, box.len - 1, &plain), -1);
    box.data[30] ^= 1;
    assert_int_equal(seal_unbox(s, "users.email", 12, box.data, box.len, &plain), -1);
    box.data[30] ^= 1;
    box.data[0] = 3; /* a version this build does not know */
    assert_int_equal(seal_unbox(s, "users.email", 12, box.data, box.len, &plain), -1);
    box.data[0] = SEAL_VERSION;
    box.data[4] = 2; /* another key's id: the id is bound too */
    assert_int_equal(seal_unbox(s, "users.email", 12, box.data, box.len, &plain), -1);
    assert_int_equal(seal_unbox(s, "users.email", 12, box.data, 10, &plain), -1);
    assert_int_equal(seal_unbox(s, "users.email", 12, box.data, 0, &plain), -1);

    /* a version-0 box opens only through seal_unbox_v0, with its column */
    seal_box_v0(key, "clients.name", "Old Name", &box);
    assert_int_equal(seal_unbox_v0(s, "clients.name", box.data, box.len, &plain), 0);
    assert_int_equal(plain.len, 8);
    assert_memory_equal(plain.data, "Old Name", 8);
    assert_int_equal(seal_unbox_v0(s, "clients.email", box.data, box.len, &plain), -1);
    for (int64_t row = 1; row < 4; row++)
        assert_int_equal(seal_unbox(s, "clients.name", row, box.data, box.len, &plain), -1);

    uint8_t a[SEAL_INDEX_BYTES], b[SEAL_INDEX_BYTES], c[SEAL_INDEX_BYTES];
    seal_index(s, "users.email", "x@y.z", 5, a);
    seal_index(s, "users.email", "x@y.z", 5, b);
    seal_index(s, "users.name", "x@y.z", 5, c);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);

    memset(key, 8, sizeof key);
    struct seal *other = seal_new_from_key(key);
    seal_box(s, "users.email", 1, "q", 1, &box);
    assert_int_equal(seal_unbox(other, "users.email", 1, box.data, box.len, &plain), -1);
    seal_free(other);
    seal_free(s);
    buf_free(&box);
    buf_free(&plain);
}

/* A temporary directory for key files, removed by rm_dir. */
static void tmp_dir(char dir[64])
{
    snprintf(dir, 64, "/tmp/confide-seal-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void rm_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void seal_key_file_is_created_once_and_private(void **state)
{
    char dir[64], path[128];
    tmp_dir(dir);
    snprintf(path, sizeof path, "%s/secret.key", dir);
    struct seal *s1, *s2;
    assert_int_equal(seal_load(path, &s1), 0);
    assert_int_equal(seal_load(path, &s2), 0);
    struct buf box = {0}, plain = {0};
    seal_box(s1, "c", 1, "secret", 6, &box);
    assert_int_equal(seal_unbox(s2, "c", 1, box.data, box.len, &plain), 0);
    assert_int_equal(file_size(path), 32); /* raw, as before key ids: older builds read it */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    unsigned mode = 0;
    assert_int_equal(keyfile_check_private(path, &mode), 0);
    /* a key file others can read is refused, wherever it is */
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(keyfile_check_private(path, &mode), -EPERM);
    assert_int_equal(mode, 0640);
    struct seal *s3 = NULL;
    assert_int_equal(seal_load(path, &s3), -EPERM);
    assert_int_equal(chmod(path, 0600), 0);
    seal_free(s1);
    seal_free(s2);
    buf_free(&box);
    buf_free(&plain);
    rm_dir(dir);
}

/* The text format: header, index, ascending keys; everything else is refused. */
static void keyfile_formats_parse_and_round_trip(void **state)
{
    uint8_t raw[32];
    memset(raw, 5, sizeof raw);
    struct keyfile a, b;
    assert_int_equal(keyfile_parse(raw, sizeof raw, &a), 0);
    assert_int_equal(a.count, 1);
    assert_int_equal(a.keys[0].id, 1);
    assert_memory_equal(a.keys[0].key, raw, 32);
    uint8_t index[32];
    crypto_kdf_derive_from_key(index, sizeof index, 2, "confseal", raw);
    assert_memory_equal(a.index_key, index, 32); /* what seal_index always used */

    uint32_t id = 0;
    assert_int_equal(keyfile_add_key(&a, &id), 0);
    assert_int_equal(id, 2);
    struct buf text = {0};
    keyfile_format(&a, &text);
    assert_non_null(strstr(text.data, "confide-keys 1\n"));
    assert_non_null(strstr(text.data, "\nkey 1 0505"));
    assert_non_null(strstr(text.data, "\nkey 2 "));
    assert_int_equal(keyfile_parse((const uint8_t *)text.data, text.len, &b), 0);
    assert_int_equal(b.count, 2);
    assert_memory_equal(&a, &b, sizeof a);
    keyfile_keep_newest(&b);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.keys[0].id, 2);
    assert_memory_equal(b.index_key, index, 32); /* retiring keeps the index key */
    assert_null(keyfile_find(&b, 1));
    assert_non_null(keyfile_find(&b, 2));

    const char *hex = "0101010101010101010101010101010101010101010101010101010101010101";
    char good[400], bad[400];
    snprintf(good, sizeof good, "# a comment\n\nconfide-keys 1\nindex %s\nkey 3 %s\r\nkey 7 %s",
             hex, hex, hex);
    assert_int_equal(keyfile_parse((const uint8_t *)good, strlen(good), &b), 0);
    assert_int_equal(b.count, 2);
    assert_int_equal(b.keys[1].id, 7);
    const char *bad_shapes[] = {
        "index %s\nkey 1 %s\n",                           /* no header */
        "confide-keys 2\nindex %s\nkey 1 %s\n",           /* another format */
        "confide-keys 1\nkey 1 %s\nkey 2 %s\n",           /* no index */
        "confide-keys 1\nindex %s\nindex %s\n",           /* no key, two indexes */
        "confide-keys 1\nindex %s\nkey 2 %s\nkey 2 %s\n", /* a repeated id */
        "confide-keys 1\nindex %s\nkey 0 %s\n",           /* id 0 */
        "confide-keys 1\nindex %s\nkey 4294967296 %s\n",  /* past 32 bits */
        "confide-keys 1\nindex %s\nkey 1 %s00\n",         /* too long */
        "confide-keys 1\nindex %s\nkey 1 %.62s\n",        /* too short */
        "confide-keys 1\nindex %s\nkey 1  %s\n",          /* two spaces */
        "confide-keys 1\nindex %s\nkey 1 %s\nsomething else\n",
    };
    for (size_t i = 0; i < sizeof bad_shapes / sizeof bad_shapes[0]; i++) {
        snprintf(bad, sizeof bad, bad_shapes[i], hex, hex, hex);
        assert_int_equal(keyfile_parse((const uint8_t *)bad, strlen(bad), &b), -EINVAL);
        assert_int_equal(b.count, 0);
    }
    char descending[400];
    snprintf(descending, sizeof descending, "confide-keys 1\nindex %s\nkey 2 %s\nkey 1 %s\n", hex,
             hex, hex);
    assert_int_equal(keyfile_parse((const uint8_t *)descending, strlen(descending), &b), -EINVAL);
    assert_int_equal(keyfile_parse(raw, 31, &b), -EINVAL);
    buf_free(&text);
    keyfile_wipe(&a);
}

/* A version-1 box (before key ids), pinned with libsodium alone: 0x01 || nonce || ct || tag,
 * associated data 0x01 || column || NUL || row. */
static void seal_box_v1(const uint8_t master[32], const char *column, int64_t row,
                        const char *plain, struct buf *out)
{
    uint8_t key[32], box[1 + 24 + 256 + 16], ad[80];
    size_t len = strlen(plain), n = strlen(column);
    assert_true(len <= 256 && n + 10 <= sizeof ad);
    crypto_kdf_derive_from_key(key, sizeof key, 1, "confseal", master);
    ad[0] = 1;
    memcpy(ad + 1, column, n);
    ad[1 + n] = 0;
    for (int i = 0; i < 8; i++)
        ad[2 + n + i] = (uint8_t)((uint64_t)row >> (56 - 8 * i));
    box[0] = 1;
    randombytes_buf(box + 1, 24);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + 25, &clen, (const uint8_t *)plain, len, ad,
                                               n + 10, NULL, box + 1, key);
    buf_reset(out);
    buf_append(out, box, 25 + (size_t)clen);
}

/* Rotation as two processes see it: one adds a key to the file; the other, which loaded the
 * file before, opens values sealed with the new key (it reads the file again for an id it
 * does not know) and seals with the new key from its next value on. Version-1 values open
 * with key 1 until it is retired; the index key never changes. A read-only key file (a
 * systemd credential) is only read. */
static void seal_keys_rotate_between_two_seals(void **state)
{
    char dir[64], path[128];
    tmp_dir(dir);
    snprintf(path, sizeof path, "%s/outside.key", dir);
    uint8_t master[32];
    randombytes_buf(master, sizeof master);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, master, 32), 32);
    close(fd);

    struct seal *cli, *server;
    assert_int_equal(seal_load(path, &cli), 0);
    assert_int_equal(seal_load(path, &server), 0);
    struct buf v1 = {0}, box = {0}, plain = {0};
    seal_box_v1(master, "clients.name", 4, "Grace", &v1);
    assert_int_equal(seal_box_key_id(v1.data, v1.len), 1);
    assert_int_equal(seal_unbox(server, "clients.name", 4, v1.data, v1.len, &plain), 0);
    assert_memory_equal(plain.data, "Grace", 5);
    assert_int_equal(seal_unbox(server, "clients.name", 5, v1.data, v1.len, &plain), -1);
    uint8_t index_before[SEAL_INDEX_BYTES], index_after[SEAL_INDEX_BYTES];
    seal_index(server, "users.email", "a@b.c", 5, index_before);

    uint32_t id = 0;
    assert_int_equal(seal_add_key(cli, &id), 0);
    assert_int_equal(id, 2);
    assert_int_equal(seal_newest_key_id(cli), 2);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(file_size(path) > 32); /* the text format now */
    seal_box(cli, "clients.name", 4, "Grace", 5, &box);
    assert_int_equal(seal_box_key_id(box.data, box.len), 2);
    /* the server has not looked at the file yet, but a key id it does not know makes it */
    assert_int_equal(seal_unbox(server, "clients.name", 4, box.data, box.len, &plain), 0);
    assert_memory_equal(plain.data, "Grace", 5);
    assert_int_equal(seal_newest_key_id(server), 2);
    seal_box(server, "clients.name", 4, "Grace", 5, &box);
    assert_int_equal(seal_box_key_id(box.data, box.len), 2);
    assert_int_equal(seal_unbox(server, "clients.name", 4, v1.data, v1.len, &plain), 0);
    seal_index(server, "users.email", "a@b.c", 5, index_after);
    assert_memory_equal(index_before, index_after, SEAL_INDEX_BYTES);

    /* a third key: the server's next seal notices the changed file by itself */
    assert_int_equal(seal_add_key(cli, &id), 0);
    assert_int_equal(id, 3);
    seal_box(server, "clients.name", 4, "Grace", 5, &box);
    assert_int_equal(seal_box_key_id(box.data, box.len), 3);

    /* retired: only key 3 is left; version-1 values (key 1) no longer open */
    int retired = 0;
    assert_int_equal(seal_retire_older_keys(cli, &retired), 0);
    assert_int_equal(retired, 2);
    assert_int_equal(seal_reload(server, 1), 1);
    assert_int_equal(seal_unbox(server, "clients.name", 4, v1.data, v1.len, &plain), -1);
    assert_int_equal(seal_unbox(server, "clients.name", 4, box.data, box.len, &plain), 0);
    seal_index(server, "users.email", "a@b.c", 5, index_after);
    assert_memory_equal(index_before, index_after, SEAL_INDEX_BYTES);

    /* read-only (as a systemd credential is): loaded, read again, never written */
    assert_int_equal(chmod(path, 0400), 0);
    struct seal *ro = NULL;
    assert_int_equal(seal_load(path, &ro), 0);
    assert_int_equal(seal_unbox(ro, "clients.name", 4, box.data, box.len, &plain), 0);
    assert_int_equal(seal_reload(ro, 1), 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0400);
    seal_free(ro);

    /* a key file others can read is not used by a reload, nor changed; private again, it is */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(seal_reload(server, 0), -EPERM);
    assert_int_equal(seal_reload(server, 0), 0); /* not read again until it changes */
    assert_int_equal(seal_add_key(cli, &id), -EPERM);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(seal_reload(server, 0), 1);
    assert_int_equal(seal_unbox(server, "clients.name", 4, box.data, box.len, &plain), 0);

    /* another data's key file is not taken over by a reload */
    char other[128];
    snprintf(other, sizeof other, "%s/other.key", dir);
    struct seal *fresh = NULL;
    assert_int_equal(seal_load(other, &fresh), 0); /* created */
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(rename(other, path), 0);
    assert_int_equal(seal_reload(server, 1), -EKEYREJECTED);
    assert_int_equal(seal_unbox(server, "clients.name", 4, box.data, box.len, &plain), 0);
    seal_free(fresh);

    seal_free(cli);
    seal_free(server);
    buf_free(&v1);
    buf_free(&box);
    buf_free(&plain);
    rm_dir(dir);
}

/* Empty is SQLite in data_dir; the environment and the flag name a PostgreSQL database. */
static void config_database_url_from_env_and_flag(void **state)
{
    (void)state;
    struct config c;
    struct buf err = {0};
    config_defaults(&c);
    assert_string_equal(c.database_url, "");
    setenv("CONFIDE_DATABASE_URL", "postgresql:///confide?host=/run/postgresql", 1);
    assert_int_equal(config_apply_env(&c, &err), 0);
    unsetenv("CONFIDE_DATABASE_URL");
    assert_string_equal(c.database_url, "postgresql:///confide?host=/run/postgresql");
    assert_int_equal(config_set_flag(&c, "database-url",
                                     "postgresql://confide@db.example.org/confide"
                                     "?sslmode=verify-full",
                                     &err),
                     0);
    assert_string_equal(c.database_url,
                        "postgresql://confide@db.example.org/confide?sslmode=verify-full");
    assert_int_equal(config_finish(&c, &err), 0);
    buf_free(&err);
}

static void config_key_file_defaults_to_the_data_dir(void **state)
{
    struct config c;
    struct buf err = {0};
    config_defaults(&c);
    config_set_flag(&c, "data-dir", "/var/lib/confide", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_string_equal(c.key_file, "/var/lib/confide/secret.key");
    config_defaults(&c);
    config_set_flag(&c, "key-file", "/run/credentials/confide.service/confide.key", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_string_equal(c.key_file, "/run/credentials/confide.service/confide.key");
    buf_free(&err);
}

static void clock_formats_rfc3339(void **state)
{
    char out[32];
    clock_format_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    clock_format_rfc3339(1798761600000LL, out);
    assert_string_equal(out, "2027-01-01T00:00:00Z");
    assert_true(clock_mono_ms() > 0);
}

static void metrics_render_prometheus_text(void **state)
{
    metrics_http_response(200);
    metrics_http_response(404);
    metrics_websocket_opened();
    metrics_store_call(250, 0);
    struct buf out = {0};
    metrics_render(&out);
    assert_non_null(strstr(out.data, "confide_http_requests_total{class=\"2xx\"} 1\n"));
    assert_non_null(strstr(out.data, "confide_http_requests_total{class=\"4xx\"} 1\n"));
    assert_non_null(strstr(out.data, "confide_http_errors_total 1\n"));
    assert_non_null(strstr(out.data, "confide_websockets_open 1\n"));
    assert_non_null(strstr(out.data, "confide_store_latency_seconds_bucket{le=\"0.0005\"} 1\n"));
    assert_non_null(strstr(out.data, "confide_store_latency_seconds_bucket{le=\"0.0001\"} 0\n"));
    assert_non_null(strstr(out.data, "confide_store_latency_seconds_count 1\n"));
    metrics_websocket_closed();
    buf_free(&out);
}

static void tokens_are_random_base64url(void **state)
{
    char a[48], b[48];
    rand_token(a, sizeof a, 32);
    rand_token(b, sizeof b, 32);
    assert_int_equal(strlen(a), 43);
    assert_string_not_equal(a, b);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     43);
}

static void client_address_through_trusted_proxies(void **state)
{
    (void)state;
    struct cidr_list trusted;
    struct buf err = {0};
    assert_int_equal(cidr_list_parse("127.0.0.1, 10.0.0.0/8, fd00::/8", &trusted, &err), 0);
    static const struct {
        const char *peer, *forwarded, *xff;
        const char *want;
        int from_header;
    } cases[] = {
        /* a peer that is not a trusted proxy: its headers are not read */
        {"203.0.113.5", NULL, "198.51.100.1", "203.0.113.5", 0},
        {"203.0.113.5", "for=198.51.100.1", NULL, "203.0.113.5", 0},
        {"::ffff:203.0.113.5", NULL, "198.51.100.1", "::ffff:203.0.113.5", 0},
        /* a trusted peer without a header is the client itself */
        {"127.0.0.1", NULL, NULL, "127.0.0.1", 0},
        {"127.0.0.1", "", "  ", "127.0.0.1", 0},
        /* X-Forwarded-For: the rightmost address that is not a trusted proxy */
        {"127.0.0.1", NULL, "198.51.100.1", "198.51.100.1", 1},
        {"::ffff:127.0.0.1", NULL, "198.51.100.1", "198.51.100.1", 1},
        {"127.0.0.1", NULL, "6.6.6.6, 198.51.100.1", "198.51.100.1", 1}, /* spoofed left */
        {"127.0.0.1", NULL, "1.1.1.1,6.6.6.6 , 198.51.100.1, 10.0.0.7", "198.51.100.1", 1},
        {"127.0.0.1", NULL, "10.0.0.9, 10.0.0.7", "10.0.0.9", 1}, /* all trusted: leftmost */
        {"127.0.0.1", NULL, "198.51.100.1:4711", "198.51.100.1", 1},
        {"127.0.0.1", NULL, "2001:db8::1", "2001:db8::1", 1},
        {"127.0.0.1", NULL, "[2001:DB8:0::1]:443", "2001:db8::1", 1}, /* one spelling */
        {"127.0.0.1", NULL, "::ffff:198.51.100.1", "198.51.100.1", 1},
        /* X-Forwarded-For wins over Forwarded, which a proxy may pass through untouched */
        {"127.0.0.1", "for=6.6.6.6", "198.51.100.1", "198.51.100.1", 1},
        /* Forwarded (RFC 7239) */
        {"127.0.0.1", "for=198.51.100.1", NULL, "198.51.100.1", 1},
        {"127.0.0.1", "For=\"198.51.100.1\";proto=https;by=10.0.0.7", NULL, "198.51.100.1", 1},
        {"127.0.0.1", "for=6.6.6.6, for=198.51.100.1;proto=https", NULL, "198.51.100.1", 1},
        {"127.0.0.1", "for=\"[2001:db8:cafe::17]:4711\"", NULL, "2001:db8:cafe::17", 1},
        {"127.0.0.1", "for=\"[2001:db8::1]\", for=10.0.0.7", NULL, "2001:db8::1", 1},
        {"fd00::2", "for=\"[fd00::3]\", for=198.51.100.1:80", NULL, "198.51.100.1", 1},
        {"127.0.0.1", "proto=https; for=\"198.51.100.\\1\"", NULL, "198.51.100.1", 1},
        /* obfuscated and unknown hops end the walk: the TCP peer */
        {"127.0.0.1", "for=unknown", NULL, "127.0.0.1", 0},
        {"127.0.0.1", "for=198.51.100.1, for=_hidden", NULL, "127.0.0.1", 0},
        {"127.0.0.1", "for=_hidden, for=198.51.100.1", NULL, "198.51.100.1", 1},
        {"127.0.0.1", "proto=https", NULL, "127.0.0.1", 0},
        {"127.0.0.1", NULL, "unknown", "127.0.0.1", 0},
        /* malformed: the TCP peer, never a crash */
        {"127.0.0.1", NULL, "198.51.100.1,", "127.0.0.1", 0},
        {"127.0.0.1", NULL, ",,,", "127.0.0.1", 0},
        {"127.0.0.1", NULL, "198.51.100.1:", "127.0.0.1", 0},
        {"127.0.0.1", NULL, "198.51.100.1:80x", "127.0.0.1", 0},
        {"127.0.0.1", NULL, "[2001:db8::1", "127.0.0.1", 0},
        {"127.0.0.1", NULL, "[2001:db8::1]x", "127.0.0.1", 0},
        {"127.0.0.1", NULL, "[198.51.100.1]", "127.0.0.1", 0},
        {"127.0.0.1", NULL, "fe80::1%eth0", "127.0.0.1", 0},
        {"127.0.0.1", NULL, "example.org", "127.0.0.1", 0},
        {"127.0.0.1", NULL, "198.51.100.1 198.51.100.2", "127.0.0.1", 0},
        {"127.0.0.1", "for=\"198.51.100.1", NULL, "127.0.0.1", 0},
        /* what is left of the client is never looked at, however broken */
        {"127.0.0.1", "for=\"6.6.6.6, for=198.51.100.1", NULL, "198.51.100.1", 1},
        {"127.0.0.1", "garbage;;=\"\", for=198.51.100.1", NULL, "198.51.100.1", 1},
        {"127.0.0.1", NULL, "[, \"junk, 198.51.100.1", "198.51.100.1", 1},
        {"127.0.0.1", "for=198.51.100.1 junk", NULL, "127.0.0.1", 0},
        {"127.0.0.1", "for", NULL, "127.0.0.1", 0},
        {"127.0.0.1", "for=\"\\", NULL, "127.0.0.1", 0},
        {"127.0.0.1", "for=", NULL, "127.0.0.1", 0},
        {"127.0.0.1", ";;,,;", NULL, "127.0.0.1", 0},
        {"127.0.0.1",
         "for=\"0123456789012345678901234567890123456789012345678901234567890123456789\"", NULL,
         "127.0.0.1", 0},
        {"not an address", NULL, "198.51.100.1", "not an address", 0},
        {"", NULL, "198.51.100.1", "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[CLIENT_ADDR_MAX];
        int rc = client_address(cases[i].peer, cases[i].forwarded, cases[i].xff, &trusted, out,
                                sizeof out);
        if (strcmp(out, cases[i].want) != 0 || rc != cases[i].from_header)
            fail_msg("case %zu (peer %s, Forwarded %s, X-Forwarded-For %s): got %s (%d), "
                     "expected %s (%d)",
                     i, cases[i].peer, cases[i].forwarded ? cases[i].forwarded : "-",
                     cases[i].xff ? cases[i].xff : "-", out, rc, cases[i].want,
                     cases[i].from_header);
    }
    /* however much a client puts on the left, the right is still read */
    struct buf chain = {0}, fchain = {0};
    for (int i = 0; i < 100; i++) {
        buf_printf(&chain, "%s198.51.100.%d", i ? ", " : "", i);
        buf_printf(&fchain, "%sfor=\"198.51.100.%d\"", i ? ", " : "", i);
    }
    char out[CLIENT_ADDR_MAX];
    assert_int_equal(client_address("127.0.0.1", NULL, chain.data, &trusted, out, sizeof out), 1);
    assert_string_equal(out, "198.51.100.99");
    assert_int_equal(client_address("127.0.0.1", fchain.data, NULL, &trusted, out, sizeof out), 1);
    assert_string_equal(out, "198.51.100.99");
    /* but a walk through more trusted hops than are kept is not believed */
    buf_reset(&chain);
    for (int i = 0; i < 100; i++)
        buf_printf(&chain, "%s10.0.0.%d", i ? ", " : "", i);
    assert_int_equal(client_address("127.0.0.1", NULL, chain.data, &trusted, out, sizeof out), 0);
    assert_string_equal(out, "127.0.0.1");
    buf_reset(&chain);
    for (int i = 0; i < 64; i++)
        buf_printf(&chain, "%s10.0.0.%d", i ? ", " : "", i);
    assert_int_equal(client_address("127.0.0.1", NULL, chain.data, &trusted, out, sizeof out), 1);
    assert_string_equal(out, "10.0.0.0"); /* all trusted, all kept: the leftmost */
    buf_free(&fchain);
    /* no list: no header is read */
    struct cidr_list none = {.count = 0};
    assert_int_equal(client_address("127.0.0.1", NULL, "198.51.100.1", &none, out, sizeof out), 0);
    assert_string_equal(out, "127.0.0.1");
    buf_free(&chain);
    buf_free(&err);
}

static void config_turn_uris_are_checked(void **state)
{
    (void)state;
    static const struct {
        const char *uris, *secret;
        int ok;
        const char *says; /* in the error */
    } cases[] = {
        {"", "", 1, NULL},
        {"turn:turn.example.org:3478?transport=udp, turns:turn.example.org:443?transport=tcp",
         "0123456789abcdef0123", 1, NULL},
        {"turn:203.0.113.9", "0123456789abcdef", 1, NULL},
        {"turn:[2001:db8::9]:3478?transport=tcp", "0123456789abcdef", 1, NULL},
        {"turn:turn.example.org", "", 0, "turn_secret"},
        {"", "0123456789abcdef", 0, "turn_uris names no"},
        {"turn:turn.example.org", "short", 0, "at least 16"},
        {"stun:turn.example.org:3478", "0123456789abcdef", 0, "turn: or turns:"},
        {"https://turn.example.org", "0123456789abcdef", 0, "turn: or turns:"},
        {"turn:", "0123456789abcdef", 0, "no host"},
        {"turn::3478", "0123456789abcdef", 0, "no host"},
        {"turn:[2001:db8::9:3478", "0123456789abcdef", 0, "no host"},
        {"turn:turn.example.org:0", "0123456789abcdef", 0, "port"},
        {"turn:turn.example.org:65536", "0123456789abcdef", 0, "port"},
        {"turn:turn.example.org:34x8", "0123456789abcdef", 0, "transport"},
        {"turn:turn.example.org:-1", "0123456789abcdef", 0, "port"},
        {"turn:turn.example.org?transport=sctp", "0123456789abcdef", 0, "transport"},
        {"turns:turn.example.org:443?transport=udp", "0123456789abcdef", 0, "TCP only"},
        {"turn:a.example, turn:b.example, turn:c.example, turn:d.example, turn:e.example",
         "0123456789abcdef", 0, "up to 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        struct buf err = {0};
        config_defaults(&c);
        config_set_flag(&c, "turn-uris", cases[i].uris, &err);
        config_set_flag(&c, "turn-secret", cases[i].secret, &err);
        int rc = config_finish(&c, &err);
        if (rc != (cases[i].ok ? 0 : -1) || (cases[i].says && !strstr(err.data, cases[i].says)))
            fail_msg("turn_uris \"%s\": rc %d, %s", cases[i].uris, rc, err.data ? err.data : "");
        buf_free(&err);
    }
    struct config c;
    struct buf err = {0};
    config_defaults(&c);
    assert_int_equal(c.turn_ttl, 14400);
    assert_int_equal(config_set_flag(&c, "turn-ttl", "60", &err), -1);
    buf_reset(&err);
    config_set_flag(&c, "turn-uris", " turn:turn.example.org:3478 ,turns:turn.example.org:443 ",
                    &err);
    config_set_flag(&c, "turn-secret", "0123456789abcdef", &err);
    assert_int_equal(config_finish(&c, &err), 0);
    assert_int_equal(c.turn_uri_count, 2);
    assert_string_equal(c.turn_uri_list[0], "turn:turn.example.org:3478");
    assert_string_equal(c.turn_uri_list[1], "turns:turn.example.org:443");
    /* a refusal names the setting, never the secret */
    config_defaults(&c);
    config_set_flag(&c, "turn-secret", "a secret nobody may read", &err);
    assert_int_equal(config_finish(&c, &err), -1);
    assert_null(strstr(err.data, "nobody may read"));
    buf_free(&err);
}

static void turn_credentials_follow_the_rest_scheme(void **state)
{
    (void)state;
    struct turn_cred cred;
    assert_int_equal(
        turn_cred_make("north-shore-practice-turn-secret", 1806000000, 3600, "3f2a9c8e", &cred), 0);
    assert_string_equal(cred.username, "1806003600:3f2a9c8e");
    /* made once, apart from confide, by
     *   printf '%s' '1806003600:3f2a9c8e' |
     *     openssl dgst -sha1 -hmac 'north-shore-practice-turn-secret' -binary | base64 */
    assert_string_equal(cred.password, "dURBinSTl9Kj6VP2l8KkPPH9aV4=");
    assert_int_equal(turn_cred_make("secret", 0, 3600, "a:b", &cred), -1);
    assert_int_equal(turn_cred_make("secret", 0, 3600, "", &cred), -1);
    assert_int_equal(turn_cred_make("", 0, 3600, "abc", &cred), -1);
    char long_id[TURN_CRED_ID_MAX + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(turn_cred_make("secret", 0, 3600, long_id, &cred), -1);
    long_id[TURN_CRED_ID_MAX] = '\0';
    assert_int_equal(turn_cred_make("secret", 1806000000, 86400, long_id, &cred), 0);
    assert_int_equal(strlen(cred.password), 28);
}

/* Day numbers and dates agree both ways across leap years, century rules and before 1970,
 * and known dates land where they must. */
static void calendar_days_and_dates_agree(void **state)
{
    (void)state;
    assert_int_equal(calendar_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(calendar_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(calendar_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(calendar_days_from_civil(0, 1, 1), -719528);
    assert_int_equal(calendar_floor_div(-1, 7), -1);
    assert_int_equal(calendar_floor_div(-7, 7), -1);
    assert_int_equal(calendar_floor_div(6, 7), 0);
    assert_true(calendar_is_leap(2000) && calendar_is_leap(2024));
    assert_false(calendar_is_leap(1900) || calendar_is_leap(2023));
    assert_int_equal(calendar_days_in_month(2024, 2), 29);
    assert_int_equal(calendar_days_in_month(2100, 2), 28);
    assert_int_equal(calendar_days_in_month(2023, 12), 31);
    int64_t expect = calendar_days_from_civil(1899, 12, 31);
    for (int64_t y = 1900; y <= 2400; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= calendar_days_in_month(y, m); d++) {
                int64_t z = calendar_days_from_civil(y, m, d);
                assert_int_equal(z, ++expect); /* one day after the one before */
                int64_t y2;
                int m2, d2;
                calendar_civil_from_days(z, &y2, &m2, &d2);
                assert_true(y2 == y && m2 == m && d2 == d);
            }
}

int main(void)
{
    rand_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_grows_and_formats),
        cmocka_unit_test(config_node_url_stays_on_the_origin),
        cmocka_unit_test(config_precedence_file_env_flag),
        cmocka_unit_test(config_rejects_bad_values),
        cmocka_unit_test(cidr_ranges_parse_and_match),
        cmocka_unit_test(client_keys_group_an_ipv6_64),
        cmocka_unit_test(client_address_through_trusted_proxies),
        cmocka_unit_test(seal_round_trip_and_column_and_row_binding),
        cmocka_unit_test(config_smtp_starttls_is_required_unless_turned_off),
        cmocka_unit_test(seal_key_file_is_created_once_and_private),
        cmocka_unit_test(keyfile_formats_parse_and_round_trip),
        cmocka_unit_test(seal_keys_rotate_between_two_seals),
        cmocka_unit_test(config_key_file_defaults_to_the_data_dir),
        cmocka_unit_test(config_database_url_from_env_and_flag),
        cmocka_unit_test(clock_formats_rfc3339),
        cmocka_unit_test(metrics_render_prometheus_text),
        cmocka_unit_test(tokens_are_random_base64url),
        cmocka_unit_test(config_turn_uris_are_checked),
        cmocka_unit_test(turn_credentials_follow_the_rest_scheme),
        cmocka_unit_test(calendar_days_and_dates_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
