#include "sfu/sdp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sfu/sdp_internal.h"

/* Per-section limits: far above what a browser writes, low enough that a hostile offer
 * cannot make the arena or the answer large. */
#define MAX_EXTMAPS 64
#define MAX_RIDS 16
#define MAX_SSRCS 64
#define MAX_GROUPS 32
#define MAX_GROUP_SSRCS 16
#define MAX_FORMATS 128

int sdp_fail(struct sdp_error *err, int rc, const char *code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* ---- small lexical helpers (ASCII only: no locale) ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool sdp_is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int sdp_hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

/* Visible ASCII, no spaces: what may be echoed into a line of ours. */
bool sdp_is_token(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f)
            return false;
    }
    return n > 0 && n <= max;
}

/* RFC 8851 rid-id: letters, digits, '-' and '_' */
static bool is_rid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if (!is_alnum(s[n]) && s[n] != '-' && s[n] != '_')
            return false;
    }
    return n > 0 && n <= MAX_ID;
}

/* RFC 8839 ice-char: letters, digits, '+' and '/' */
bool sdp_is_ice(const char *s, size_t min, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if (!is_alnum(s[n]) && s[n] != '+' && s[n] != '/')
            return false;
    }
    return n >= min && n <= max;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (!is_digit(*s))
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Splits off the next space-separated token (NUL-terminating it); NULL at the end. */
static char *token(char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s) {
        *p = s;
        return NULL;
    }
    char *t = s;
    while (*s && *s != ' ' && *s != '\t')
        s++;
    if (*s)
        *s++ = '\0';
    *p = s;
    return t;
}

/* The rest of the line with surrounding blanks removed. */
static char *rest(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        p[--n] = '\0';
    return p;
}

/* ---- parsing ---- */

struct parser {
    struct arena *a;
    struct sdp_error *err;
    size_t line;
    struct sdp_session *s;
    size_t media_cap;
    struct sdp_media *m; /* the current section; NULL at session level */
    size_t ext_cap, rid_cap, ssrc_cap, group_cap, sim_send_cap, sim_recv_cap;
    int16_t pt_index[128]; /* codec index of a payload type in the current section */
    /* session-level values the sections inherit */
    const char *ufrag, *pwd, *fp_alg, *fp;
    enum sdp_setup setup;
    enum sdp_direction direction;
};

static int malformed(struct parser *p, const char *what)
{
    return sdp_fail(p->err, -EINVAL, "sdp_malformed",
                    "The session description is not valid: line %zu, %s.", p->line, what);
}

static int too_many(struct parser *p, const char *what)
{
    return sdp_fail(p->err, -ENOSPC, "sdp_too_large",
                    "The session description has too many %s (line %zu).", what, p->line);
}

/* Appends an item to an arena array and evaluates to it. New arena memory is zeroed and a
 * slot is never reused, so the item starts zeroed. */
#define PUSH(a, items, count, cap)                                                                 \
    ((items) = arena_grow((a), (items), sizeof *(items), &(cap), (count) + 1), &(items)[(count)++])

static struct sdp_codec *codec_for(struct parser *p, const char *pt_text)
{
    uint64_t pt;
    if (!p->m || !p->m->rtp || !parse_u64(pt_text, 127, &pt) || p->pt_index[pt] < 0)
        return NULL;
    return &p->m->codecs[p->pt_index[pt]];
}

static int parse_direction(const char *name, enum sdp_direction *d)
{
    static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0) {
            *d = (enum sdp_direction)i;
            return 1;
        }
    }
    return 0;
}

bool sdp_valid_fingerprint(const char *s)
{
    /* hex pairs separated by ':', 1 to 64 bytes */
    size_t n = 0;
    for (;;) {
        if (!sdp_is_hex(s[0]) || !sdp_is_hex(s[1]))
            return false;
        n++;
        s += 2;
        if (!*s)
            return n <= 64;
        if (*s++ != ':')
            return false;
    }
}

static int media_line(struct parser *p, char *v)
{
    struct sdp_session *s = p->s;
    if (s->media_count >= SDP_MAX_MEDIA)
        return too_many(p, "media sections");
    struct sdp_media *m = PUSH(p->a, s->media, s->media_count, p->media_cap);
    p->m = m;
    p->ext_cap = p->rid_cap = p->ssrc_cap = p->group_cap = p->sim_send_cap = p->sim_recv_cap = 0;
    for (int i = 0; i < 128; i++)
        p->pt_index[i] = -1;

    char *kind = token(&v), *port = token(&v), *proto = token(&v);
    if (!kind || !port || !proto)
        return malformed(p, "an m= line needs media, port, protocol and formats");
    if (!sdp_is_token(kind, MAX_TOKEN) || !sdp_is_token(proto, MAX_TOKEN))
        return malformed(p, "the m= line has an unreadable media type or protocol");
    char *slash = strchr(port, '/'); /* port/count: only a count of 1 makes sense here */
    if (slash)
        *slash = '\0';
    uint64_t port_n;
    if (!parse_u64(port, 65535, &port_n))
        return malformed(p, "the m= line's port is not a number from 0 to 65535");
    m->kind_name = kind;
    m->kind = strcmp(kind, "audio") == 0         ? SDP_AUDIO
              : strcmp(kind, "video") == 0       ? SDP_VIDEO
              : strcmp(kind, "application") == 0 ? SDP_APPLICATION
                                                 : SDP_OTHER;
    m->port = (uint16_t)port_n;
    m->proto = proto;
    m->rtp = strstr(proto, "RTP/") != NULL;
    m->direction = p->direction;

    char *formats[MAX_FORMATS];
    size_t n = 0;
    for (char *f; (f = token(&v));) {
        if (n == MAX_FORMATS)
            return too_many(p, "formats on one m= line");
        if (!sdp_is_token(f, MAX_TOKEN))
            return malformed(p, "the m= line has an unreadable format");
        formats[n++] = f;
    }
    if (n == 0)
        return malformed(p, "an m= line needs at least one format");
    m->formats = arena_memdup(p->a, formats, n * sizeof *formats);
    m->format_count = n;
    if (m->rtp) {
        m->codecs = arena_alloc(p->a, n * sizeof *m->codecs);
        for (size_t i = 0; i < n; i++) {
            uint64_t pt;
            if (!parse_u64(formats[i], 127, &pt))
                return malformed(p, "an RTP format must be a payload type from 0 to 127");
            if (p->pt_index[pt] >= 0)
                return malformed(p, "a payload type is listed twice on the m= line");
            p->pt_index[pt] = (int16_t)i;
            m->codecs[i].pt = (uint8_t)pt;
            m->codecs[i].apt = -1;
        }
        m->codec_count = n;
    }
    return 0;
}

static int attr_rtpmap(struct parser *p, char *v)
{
    char *pt = token(&v), *enc = token(&v);
    if (!pt || !enc)
        return malformed(p, "a=rtpmap needs a payload type and an encoding");
    struct sdp_codec *c = codec_for(p, pt);
    if (!c)
        return 0; /* not on the m= line: nothing refers to it */
    char *name = enc, *rate = strchr(enc, '/');
    if (!rate)
        return malformed(p, "a=rtpmap needs encoding/clock-rate");
    *rate++ = '\0';
    char *channels = strchr(rate, '/');
    if (channels)
        *channels++ = '\0';
    uint64_t r, ch = 0;
    if (!sdp_is_token(name, MAX_ID) || !parse_u64(rate, UINT32_MAX, &r) || r == 0 ||
        (channels && (!parse_u64(channels, 255, &ch) || ch == 0)))
        return malformed(p, "a=rtpmap has an unreadable encoding, clock rate or channels");
    c->name = name;
    c->clock_rate = (uint32_t)r;
    c->channels = (uint8_t)ch;
    return 0;
}

static int attr_fmtp(struct parser *p, char *v)
{
    char *pt = token(&v);
    if (!pt)
        return malformed(p, "a=fmtp needs a payload type");
    struct sdp_codec *c = codec_for(p, pt);
    if (c)
        c->fmtp = rest(v);
    return 0;
}

static int attr_rtcp_fb(struct parser *p, char *v)
{
    char *pt = token(&v), *type = token(&v), *param = token(&v);
    if (!pt || !type)
        return malformed(p, "a=rtcp-fb needs a payload type and a type");
    unsigned fb = 0;
    if (strcmp(type, "nack") == 0)
        fb = !param ? SDP_FB_NACK : strcmp(param, "pli") == 0 ? SDP_FB_PLI : 0;
    else if (strcmp(type, "ccm") == 0 && param && strcmp(param, "fir") == 0)
        fb = SDP_FB_FIR;
    else if (strcmp(type, "transport-cc") == 0)
        fb = SDP_FB_TWCC;
    else if (strcmp(type, "goog-remb") == 0)
        fb = SDP_FB_REMB;
    if (!p->m || !p->m->rtp)
        return 0;
    if (strcmp(pt, "*") == 0) {
        for (size_t i = 0; i < p->m->codec_count; i++)
            p->m->codecs[i].feedback |= fb;
        return 0;
    }
    struct sdp_codec *c = codec_for(p, pt);
    if (c)
        c->feedback |= fb;
    return 0;
}

static int attr_extmap(struct parser *p, char *v)
{
    struct sdp_media *m = p->m;
    char *id = token(&v), *uri = token(&v);
    if (!id || !uri)
        return malformed(p, "a=extmap needs an id and a URI");
    enum sdp_direction dir = SDP_SENDRECV;
    char *slash = strchr(id, '/');
    if (slash) {
        *slash++ = '\0';
        if (!parse_direction(slash, &dir))
            return malformed(p, "a=extmap has an unknown direction");
    }
    uint64_t n;
    if (!parse_u64(id, 255, &n) || n == 0)
        return malformed(p, "an a=extmap id must be from 1 to 255");
    if (!sdp_is_token(uri, MAX_TOKEN))
        return malformed(p, "a=extmap has an unreadable URI");
    for (size_t i = 0; i < m->extmap_count; i++) {
        if (m->extmaps[i].id == n)
            return malformed(p, "two a=extmap lines use the same id");
    }
    if (m->extmap_count == MAX_EXTMAPS)
        return too_many(p, "header extensions");
    struct sdp_extmap *e = PUSH(p->a, m->extmaps, m->extmap_count, p->ext_cap);
    e->id = (uint8_t)n;
    e->direction = dir;
    e->uri = uri;
    return 0;
}

static int attr_rid(struct parser *p, char *v)
{
    struct sdp_media *m = p->m;
    char *id = token(&v), *dir = token(&v);
    if (!id || !dir || !is_rid(id) || (strcmp(dir, "send") && strcmp(dir, "recv")))
        return malformed(p, "a=rid needs an id (letters, digits, - and _) and send or recv");
    for (size_t i = 0; i < m->rid_count; i++) {
        if (strcmp(m->rids[i].id, id) == 0)
            return malformed(p, "two a=rid lines use the same id");
    }
    if (m->rid_count == MAX_RIDS)
        return too_many(p, "RIDs");
    struct sdp_rid *r = PUSH(p->a, m->rids, m->rid_count, p->rid_cap);
    r->id = id;
    r->send = dir[0] == 's';
    char *params = rest(v);
    r->params = *params ? params : NULL;
    return 0;
}

/* "q;h;f", "~q;h", "1,2;3": streams separated by ';', alternatives by ',', '~' paused. */
static int simulcast_list(struct parser *p, char *list, struct sdp_simulcast_rid **items,
                          size_t *count, size_t *cap)
{
    if (strncmp(list, "rid=", 4) == 0) /* the older draft syntax */
        list += 4;
    unsigned stream = 0;
    char *s = list;
    for (;;) {
        char *end = s + strcspn(s, ",;");
        char sep = *end;
        *end = '\0';
        bool paused = *s == '~';
        if (paused)
            s++;
        if (!is_rid(s))
            return malformed(p, "a=simulcast names a RID that is not valid");
        if (*count == MAX_RIDS)
            return too_many(p, "simulcast streams");
        struct sdp_simulcast_rid *r = PUSH(p->a, *items, *count, *cap);
        r->rid = s;
        r->paused = paused;
        r->stream = stream;
        if (!sep)
            return 0;
        if (sep == ';')
            stream++;
        s = end + 1;
    }
}

static int attr_simulcast(struct parser *p, char *v)
{
    struct sdp_media *m = p->m;
    for (int pairs = 0;; pairs++) {
        char *dir = token(&v);
        if (!dir)
            return pairs ? 0 : malformed(p, "a=simulcast needs send or recv and a list");
        char *list = token(&v);
        if (!list || pairs == 2)
            return malformed(p, "a=simulcast needs send or recv and a list");
        int rc;
        if (strcmp(dir, "send") == 0 && !m->simulcast_send_count)
            rc = simulcast_list(p, list, &m->simulcast_send, &m->simulcast_send_count,
                                &p->sim_send_cap);
        else if (strcmp(dir, "recv") == 0 && !m->simulcast_recv_count)
            rc = simulcast_list(p, list, &m->simulcast_recv, &m->simulcast_recv_count,
                                &p->sim_recv_cap);
        else
            rc = malformed(p, "a=simulcast needs send or recv, each at most once");
        if (rc < 0)
            return rc;
    }
}

static int attr_ssrc(struct parser *p, char *v)
{
    struct sdp_media *m = p->m;
    char *id = token(&v);
    uint64_t n;
    if (!id || !parse_u64(id, UINT32_MAX, &n))
        return malformed(p, "a=ssrc needs a 32-bit SSRC");
    char *attr = rest(v);
    struct sdp_ssrc *s = NULL;
    for (size_t i = 0; i < m->ssrc_count; i++) {
        if (m->ssrcs[i].ssrc == n)
            s = &m->ssrcs[i];
    }
    if (!s) {
        if (m->ssrc_count == MAX_SSRCS)
            return too_many(p, "SSRCs");
        s = PUSH(p->a, m->ssrcs, m->ssrc_count, p->ssrc_cap);
        s->ssrc = (uint32_t)n;
    }
    if (strncmp(attr, "cname:", 6) == 0)
        s->cname = attr + 6;
    else if (strncmp(attr, "msid:", 5) == 0)
        s->msid = attr + 5;
    return 0;
}

static int attr_ssrc_group(struct parser *p, char *v)
{
    struct sdp_media *m = p->m;
    char *sem = token(&v);
    if (!sem || !sdp_is_token(sem, MAX_ID))
        return malformed(p, "a=ssrc-group needs semantics and SSRCs");
    uint32_t ssrcs[MAX_GROUP_SSRCS];
    size_t n = 0;
    for (char *t; (t = token(&v));) {
        uint64_t x;
        if (!parse_u64(t, UINT32_MAX, &x))
            return malformed(p, "a=ssrc-group lists something that is not an SSRC");
        if (n == MAX_GROUP_SSRCS)
            return too_many(p, "SSRCs in a group");
        ssrcs[n++] = (uint32_t)x;
    }
    if (n == 0)
        return malformed(p, "a=ssrc-group needs semantics and SSRCs");
    if (m->ssrc_group_count == MAX_GROUPS)
        return too_many(p, "SSRC groups");
    struct sdp_ssrc_group *g = PUSH(p->a, m->ssrc_groups, m->ssrc_group_count, p->group_cap);
    g->semantics = sem;
    g->ssrcs = arena_memdup(p->a, ssrcs, n * sizeof *ssrcs);
    g->count = n;
    return 0;
}

static int attr_group(struct parser *p, char *v)
{
    char *sem = token(&v);
    if (!sem)
        return malformed(p, "a=group needs semantics");
    if (strcmp(sem, "BUNDLE") != 0 || p->s->bundle)
        return 0; /* one BUNDLE group is all a WebRTC peer makes */
    const char *mids[SDP_MAX_MEDIA];
    size_t n = 0;
    for (char *t; (t = token(&v));) {
        if (!sdp_is_token(t, MAX_ID))
            return malformed(p, "a=group:BUNDLE lists a mid that is not valid");
        if (n == SDP_MAX_MEDIA)
            return too_many(p, "mids in the BUNDLE group");
        mids[n++] = t;
    }
    p->s->bundle = arena_memdup(p->a, mids, (n ? n : 1) * sizeof *mids);
    p->s->bundle_count = n;
    return 0;
}

static int attribute(struct parser *p, char *line)
{
    char *name = line, *v = strchr(line, ':');
    if (v)
        *v++ = '\0';
    else
        v = line + strlen(line);
    struct sdp_media *m = p->m;
    enum sdp_direction dir;

    /* allowed at session level, inherited by the sections */
    if (parse_direction(name, &dir)) {
        if (m)
            m->direction = dir;
        else
            p->direction = dir;
        return 0;
    }
    if (strcmp(name, "ice-ufrag") == 0 || strcmp(name, "ice-pwd") == 0) {
        bool ufrag = name[4] == 'u';
        char *val = rest(v);
        /* RFC 8839: 4–256 and 22–256 ice-chars */
        if (!sdp_is_ice(val, ufrag ? 4 : 22, 256))
            return malformed(p, ufrag ? "a=ice-ufrag is not 4 to 256 letters, digits, + or /"
                                      : "a=ice-pwd is not 22 to 256 letters, digits, + or /");
        const char **slot =
            m ? (ufrag ? &m->ice_ufrag : &m->ice_pwd) : (ufrag ? &p->ufrag : &p->pwd);
        *slot = val;
        return 0;
    }
    if (strcmp(name, "fingerprint") == 0) {
        char *alg = token(&v), *val = token(&v);
        if (!alg || !val || !sdp_is_token(alg, MAX_ID) || !sdp_valid_fingerprint(val))
            return malformed(p, "a=fingerprint needs a hash name and hex pairs with colons");
        for (char *c = alg; *c; c++)
            *c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
        if (m) {
            m->fingerprint_alg = alg;
            m->fingerprint = val;
        } else {
            p->fp_alg = alg;
            p->fp = val;
        }
        return 0;
    }
    if (strcmp(name, "setup") == 0) {
        static const char *const roles[] = {"", "actpass", "active", "passive", "holdconn"};
        char *val = rest(v);
        enum sdp_setup setup = SDP_SETUP_NONE;
        for (int i = 1; i < 5; i++) {
            if (strcmp(val, roles[i]) == 0)
                setup = (enum sdp_setup)i;
        }
        if (setup == SDP_SETUP_NONE)
            return malformed(p, "a=setup is not actpass, active, passive or holdconn");
        if (m)
            m->setup = setup;
        else
            p->setup = setup;
        return 0;
    }
    if (strcmp(name, "extmap-allow-mixed") == 0) {
        if (m)
            m->extmap_allow_mixed = true;
        else
            p->s->extmap_allow_mixed = true;
        return 0;
    }
    if (!m) {
        if (strcmp(name, "group") == 0)
            return attr_group(p, v);
        if (strcmp(name, "ice-lite") == 0)
            p->s->ice_lite = true;
        return 0; /* msid-semantic, ice-options, … */
    }

    if (strcmp(name, "mid") == 0) {
        char *val = rest(v);
        if (!sdp_is_token(val, MAX_ID))
            return malformed(p, "a=mid must be 1 to 32 visible characters");
        m->mid = val;
    } else if (strcmp(name, "rtcp-mux") == 0) {
        m->rtcp_mux = true;
    } else if (strcmp(name, "rtcp-rsize") == 0) {
        m->rtcp_rsize = true;
    } else if (strcmp(name, "bundle-only") == 0) {
        m->bundle_only = true;
    } else if (strcmp(name, "candidate") == 0) {
        m->candidate_count++;
    } else if (strcmp(name, "msid") == 0) {
        char *stream = token(&v), *track = token(&v);
        if (!stream || !sdp_is_token(stream, MAX_TOKEN) ||
            (track && !sdp_is_token(track, MAX_TOKEN)))
            return malformed(p, "a=msid needs a stream id and optionally a track id");
        m->msid_stream = stream;
        m->msid_track = track;
    } else if (strcmp(name, "rtpmap") == 0) {
        return attr_rtpmap(p, v);
    } else if (strcmp(name, "fmtp") == 0) {
        return attr_fmtp(p, v);
    } else if (strcmp(name, "rtcp-fb") == 0) {
        return attr_rtcp_fb(p, v);
    } else if (strcmp(name, "extmap") == 0) {
        return attr_extmap(p, v);
    } else if (strcmp(name, "rid") == 0) {
        return attr_rid(p, v);
    } else if (strcmp(name, "simulcast") == 0) {
        return attr_simulcast(p, v);
    } else if (strcmp(name, "ssrc") == 0) {
        return attr_ssrc(p, v);
    } else if (strcmp(name, "ssrc-group") == 0) {
        return attr_ssrc_group(p, v);
    }
    return 0;
}

static int origin_line(struct parser *p, char *v)
{
    char *user = token(&v), *id = token(&v), *version = token(&v);
    if (!user || !id || !version || !parse_u64(id, UINT64_MAX, &p->s->session_id) ||
        !parse_u64(version, UINT64_MAX, &p->s->session_version))
        return malformed(p, "o= needs a user, a numeric session id and version");
    return 0;
}

/* After the last line: sections take the session's values they lack; rtx gets its apt. */
static void finish(struct parser *p)
{
    for (size_t i = 0; i < p->s->media_count; i++) {
        struct sdp_media *m = &p->s->media[i];
        if (!m->ice_ufrag)
            m->ice_ufrag = p->ufrag;
        if (!m->ice_pwd)
            m->ice_pwd = p->pwd;
        if (!m->fingerprint) {
            m->fingerprint_alg = p->fp_alg;
            m->fingerprint = p->fp;
        }
        if (m->setup == SDP_SETUP_NONE)
            m->setup = p->setup;
        if (p->s->extmap_allow_mixed)
            m->extmap_allow_mixed = true;
        for (size_t k = 0; k < m->codec_count; k++) {
            struct sdp_codec *c = &m->codecs[k];
            const char *val;
            size_t n;
            char buf[4];
            uint64_t apt;
            if (c->name && strcasecmp(c->name, "rtx") == 0 && c->fmtp &&
                sdp_fmtp_param(c->fmtp, "apt", &val, &n) && n < sizeof buf) {
                memcpy(buf, val, n);
                buf[n] = '\0';
                if (parse_u64(buf, 127, &apt))
                    c->apt = (int)apt;
            }
        }
    }
}

int sdp_parse(struct arena *a, const char *text, size_t len, struct sdp_session **out,
              struct sdp_error *err)
{
    *out = NULL;
    if (len > SDP_MAX_BYTES)
        return sdp_fail(err, -ENOSPC, "sdp_too_large",
                        "The session description is larger than %d bytes.", SDP_MAX_BYTES);
    struct parser p = {.a = a, .err = err, .direction = SDP_SENDRECV};
    p.s = arena_alloc(a, sizeof *p.s);
    char *copy = arena_memdup(a, text, len); /* NUL-terminated by arena_memdup */
    char *line = copy, *end = copy + len;
    size_t lines = 0; /* not blank */
    int rc;
    while (line < end) {
        p.line++;
        char *nl = memchr(line, '\n', (size_t)(end - line));
        char *stop = nl ? nl : end;
        if (stop > line && stop[-1] == '\r')
            stop--;
        for (char *c = line; c < stop; c++) {
            if ((unsigned char)*c < 0x20 ? *c != '\t' : *c == 0x7f)
                return malformed(&p, "it holds a control character");
        }
        *stop = '\0';
        char *next = nl ? nl + 1 : end;
        if (stop == line) { /* blank lines (a trailing one, most often) carry nothing */
            line = next;
            continue;
        }
        if (stop - line < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z')
            return malformed(&p, "a line must look like x=value");
        char type = line[0];
        char *v = line + 2;
        if (lines++ == 0 && (type != 'v' || strcmp(v, "0") != 0))
            return malformed(&p, "it must start with v=0");
        rc = 0;
        if (type == 'm')
            rc = media_line(&p, v);
        else if (type == 'a')
            rc = attribute(&p, v);
        else if (type == 'o' && !p.m)
            rc = origin_line(&p, v);
        if (rc < 0)
            return rc;
        line = next;
    }
    if (lines == 0)
        return sdp_fail(err, -EINVAL, "sdp_malformed", "The session description is empty.");
    finish(&p);
    /* BUNDLE and the RTP mid extension name sections by mid: it must be unique (RFC 8843) */
    for (size_t i = 0; i < p.s->media_count; i++) {
        for (size_t k = 0; k < i && p.s->media[i].mid; k++) {
            if (p.s->media[k].mid && strcmp(p.s->media[k].mid, p.s->media[i].mid) == 0)
                return sdp_fail(err, -EINVAL, "sdp_malformed",
                                "The session description is not valid: two media sections use "
                                "a=mid:%s.",
                                p.s->media[i].mid);
        }
    }
    *out = p.s;
    return 0;
}

const struct sdp_codec *sdp_media_codec(const struct sdp_media *m, uint8_t pt)
{
    for (size_t i = 0; i < m->codec_count; i++) {
        if (m->codecs[i].pt == pt)
            return &m->codecs[i];
    }
    return NULL;
}

uint8_t sdp_media_extmap_id(const struct sdp_media *m, const char *uri)
{
    for (size_t i = 0; i < m->extmap_count; i++) {
        if (strcmp(m->extmaps[i].uri, uri) == 0)
            return m->extmaps[i].id;
    }
    return 0;
}

bool sdp_fmtp_param(const char *fmtp, const char *key, const char **value, size_t *len)
{
    size_t klen = strlen(key);
    const char *s = fmtp;
    while (*s) {
        while (*s == ' ' || *s == ';')
            s++;
        const char *end = s + strcspn(s, ";");
        const char *eq = memchr(s, '=', (size_t)(end - s));
        if (eq && (size_t)(eq - s) == klen && strncasecmp(s, key, klen) == 0) {
            *value = eq + 1;
            *len = (size_t)(end - eq - 1);
            while (*len && (*value)[*len - 1] == ' ')
                (*len)--;
            return true;
        }
        s = end;
    }
    return false;
}

int sdp_fingerprint_decode(const char *text, uint8_t *out, size_t cap, size_t *len)
{
    if (!sdp_valid_fingerprint(text))
        return -EINVAL;
    size_t n = 0;
    for (const char *s = text;; s += 3) {
        if (n == cap)
            return -ENOSPC;
        out[n++] = (uint8_t)(sdp_hex_value(s[0]) << 4 | sdp_hex_value(s[1]));
        if (!s[2])
            break;
    }
    *len = n;
    return 0;
}

const char *sdp_ext_uri(enum sdp_ext ext)
{
    static const char *const uris[SDP_EXT_COUNT] = {
        [SDP_EXT_MID] = SDP_URI_MID,   [SDP_EXT_ABS_SEND_TIME] = SDP_URI_ABS_SEND_TIME,
        [SDP_EXT_TWCC] = SDP_URI_TWCC, [SDP_EXT_AUDIO_LEVEL] = SDP_URI_AUDIO_LEVEL,
        [SDP_EXT_RID] = SDP_URI_RID,   [SDP_EXT_REPAIRED_RID] = SDP_URI_REPAIRED_RID,
    };
    return (unsigned)ext < SDP_EXT_COUNT ? uris[ext] : NULL;
}
