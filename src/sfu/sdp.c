#include "sfu/sdp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Per-section limits: far above what a browser writes, low enough that a hostile offer
 * cannot make the arena or the answer large. */
#define MAX_EXTMAPS 64
#define MAX_RIDS 16
#define MAX_SSRCS 64
#define MAX_GROUPS 32
#define MAX_GROUP_SSRCS 16
#define MAX_FORMATS 128
#define MAX_TOKEN 256
#define MAX_ID 32 /* mid, rid, msid parts */

static int fail(struct sdp_error *err, int rc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct sdp_error *err, int rc, const char *code, const char *fmt, ...)
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

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

/* Visible ASCII, no spaces: what may be echoed into a line of ours. */
static bool is_token(const char *s, size_t max)
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
static bool is_ice(const char *s, size_t min, size_t max)
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
    return fail(p->err, -EINVAL, "sdp_malformed",
                "The session description is not valid: line %zu, %s.", p->line, what);
}

static int too_many(struct parser *p, const char *what)
{
    return fail(p->err, -ENOSPC, "sdp_too_large",
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

static bool valid_fingerprint(const char *s)
{
    /* hex pairs separated by ':', 1 to 64 bytes */
    size_t n = 0;
    for (;;) {
        if (!is_hex(s[0]) || !is_hex(s[1]))
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
    if (!is_token(kind, MAX_TOKEN) || !is_token(proto, MAX_TOKEN))
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
        if (!is_token(f, MAX_TOKEN))
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
    if (!is_token(name, MAX_ID) || !parse_u64(rate, UINT32_MAX, &r) || r == 0 ||
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
    if (!is_token(uri, MAX_TOKEN))
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
    if (!sem || !is_token(sem, MAX_ID))
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
        if (!is_token(t, MAX_ID))
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
        if (!is_ice(val, ufrag ? 4 : 22, 256))
            return malformed(p, ufrag ? "a=ice-ufrag is not 4 to 256 letters, digits, + or /"
                                      : "a=ice-pwd is not 22 to 256 letters, digits, + or /");
        const char **slot =
            m ? (ufrag ? &m->ice_ufrag : &m->ice_pwd) : (ufrag ? &p->ufrag : &p->pwd);
        *slot = val;
        return 0;
    }
    if (strcmp(name, "fingerprint") == 0) {
        char *alg = token(&v), *val = token(&v);
        if (!alg || !val || !is_token(alg, MAX_ID) || !valid_fingerprint(val))
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
        if (!is_token(val, MAX_ID))
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
        if (!stream || !is_token(stream, MAX_TOKEN) || (track && !is_token(track, MAX_TOKEN)))
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
        return fail(err, -ENOSPC, "sdp_too_large",
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
        return fail(err, -EINVAL, "sdp_malformed", "The session description is empty.");
    finish(&p);
    /* BUNDLE and the RTP mid extension name sections by mid: it must be unique (RFC 8843) */
    for (size_t i = 0; i < p.s->media_count; i++) {
        for (size_t k = 0; k < i && p.s->media[i].mid; k++) {
            if (p.s->media[k].mid && strcmp(p.s->media[k].mid, p.s->media[i].mid) == 0)
                return fail(err, -EINVAL, "sdp_malformed",
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
    if (!valid_fingerprint(text))
        return -EINVAL;
    size_t n = 0;
    for (const char *s = text;; s += 3) {
        if (n == cap)
            return -ENOSPC;
        out[n++] = (uint8_t)(hex_value(s[0]) << 4 | hex_value(s[1]));
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

/* ---- negotiation ---- */

static bool codec_named(const struct sdp_codec *c, const char *name, uint32_t rate)
{
    return c->name && strcasecmp(c->name, name) == 0 && c->clock_rate == rate;
}

/* Constrained Baseline as RFC 6184 profile-level-id spells it: profile_idc 42 with
 * constraint_set1, 4D with constraint_set0, or 58 with both (what libwebrtc also reads
 * as constrained baseline). */
static bool h264_constrained_baseline(const char *plid, size_t n)
{
    if (n != 6)
        return false;
    for (size_t i = 0; i < 6; i++) {
        if (!is_hex(plid[i]))
            return false;
    }
    unsigned idc = (unsigned)(hex_value(plid[0]) << 4 | hex_value(plid[1]));
    unsigned iop = (unsigned)(hex_value(plid[2]) << 4 | hex_value(plid[3]));
    return (idc == 0x42 && (iop & 0x40)) || (idc == 0x4d && (iop & 0x80)) ||
           (idc == 0x58 && (iop & 0xc0) == 0xc0);
}

static enum sdp_codec_id codec_id(const struct sdp_codec *c)
{
    if (codec_named(c, "opus", 48000) && c->channels == 2)
        return SDP_CODEC_OPUS;
    if (codec_named(c, "VP8", 90000))
        return SDP_CODEC_VP8;
    if (codec_named(c, "H264", 90000) && c->fmtp) {
        const char *v;
        size_t n;
        if (!sdp_fmtp_param(c->fmtp, "packetization-mode", &v, &n) || n != 1 || v[0] != '1')
            return SDP_CODEC_NONE;
        if (!sdp_fmtp_param(c->fmtp, "profile-level-id", &v, &n) ||
            !h264_constrained_baseline(v, n))
            return SDP_CODEC_NONE;
        return SDP_CODEC_H264;
    }
    return SDP_CODEC_NONE;
}

static const char *codec_name(enum sdp_codec_id id)
{
    return id == SDP_CODEC_OPUS ? "opus" : id == SDP_CODEC_VP8 ? "VP8" : "H264";
}

/* The rtx payload type repairing pt, or -1. */
static int rtx_for(const struct sdp_media *m, uint8_t pt)
{
    for (size_t i = 0; i < m->codec_count; i++) {
        if (m->codecs[i].apt == pt && codec_named(&m->codecs[i], "rtx", 90000))
            return m->codecs[i].pt;
    }
    return -1;
}

static const char *kind_word(enum sdp_kind k)
{
    return k == SDP_AUDIO ? "audio" : "video";
}

static bool in_bundle(const struct sdp_session *s, const char *mid)
{
    for (size_t i = 0; i < s->bundle_count; i++) {
        if (strcmp(s->bundle[i], mid) == 0)
            return true;
    }
    return false;
}

static bool ext_accepted(enum sdp_kind kind, enum sdp_ext e)
{
    if (e == SDP_EXT_AUDIO_LEVEL)
        return kind == SDP_AUDIO;
    if (e == SDP_EXT_RID || e == SDP_EXT_REPAIRED_RID)
        return kind == SDP_VIDEO;
    return true;
}

/* The codecs we take from a section, in our order of preference: audio Opus; video VP8
 * then H.264 (or the reverse). The first of each kind in the offer wins. */
static void choose_codecs(const struct sdp_media *m, unsigned flags,
                          struct sdp_negotiated_media *nm)
{
    enum sdp_codec_id order[2] = {SDP_CODEC_VP8, SDP_CODEC_H264};
    if (flags & SDP_PREFER_H264) {
        order[0] = SDP_CODEC_H264;
        order[1] = SDP_CODEC_VP8;
    }
    if (m->kind == SDP_AUDIO) {
        order[0] = SDP_CODEC_OPUS;
        order[1] = SDP_CODEC_NONE;
    }
    unsigned wanted =
        m->kind == SDP_AUDIO ? SDP_FB_TWCC : SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC;
    nm->codec_count = 0;
    for (int k = 0; k < 2 && order[k] != SDP_CODEC_NONE; k++) {
        for (size_t i = 0; i < m->codec_count; i++) {
            const struct sdp_codec *c = &m->codecs[i];
            if (codec_id(c) != order[k])
                continue;
            struct sdp_choice *ch = &nm->codecs[nm->codec_count++];
            ch->codec = order[k];
            ch->pt = c->pt;
            ch->rtx_pt = m->kind == SDP_VIDEO ? rtx_for(m, c->pt) : -1;
            ch->feedback = c->feedback & wanted;
            break;
        }
    }
}

static const char *ip_family(const char *host)
{
    return strchr(host, ':') ? "IP6" : "IP4";
}

static bool local_ok(const struct sdp_local *l)
{
    if (!l || l->more_host_count > 8 || (l->more_host_count && !l->more_hosts))
        return false;
    for (size_t i = 0; i < l->more_host_count; i++)
        if (!l->more_hosts[i] || !is_token(l->more_hosts[i], MAX_TOKEN))
            return false;
    return l->ice_ufrag && l->ice_pwd && l->fingerprint_alg && l->fingerprint && l->host &&
           is_ice(l->ice_ufrag, 4, 256) && is_ice(l->ice_pwd, 22, 256) &&
           is_token(l->fingerprint_alg, MAX_ID) && valid_fingerprint(l->fingerprint) &&
           is_token(l->host, MAX_TOKEN);
}

static void write_session(struct buf *out, const struct sdp_local *l)
{
    buf_printf(out,
               "v=0\r\no=- %" PRIu64 " %" PRIu64 " IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
               "a=ice-lite\r\n",
               l->session_id, l->session_version);
}

static void write_transport(struct buf *out, const struct sdp_local *l, const char *setup)
{
    buf_printf(out,
               "c=IN %s %s\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s %s\r\n"
               "a=setup:%s\r\n",
               ip_family(l->host), l->host, l->ice_ufrag, l->ice_pwd, l->fingerprint_alg,
               l->fingerprint, setup);
}

static void write_candidate(struct buf *out, const struct sdp_local *l)
{
    /* host candidates, component 1 (RFC 8445 §5.1.2.1): type preference 126, the local
     * preference falling in the order the addresses were given */
    for (size_t i = 0; i <= l->more_host_count; i++)
        buf_printf(out, "a=candidate:%zu 1 udp %lu %s %u typ host\r\n", i + 1,
                   2130706431ul - ((unsigned long)i << 8), i ? l->more_hosts[i - 1] : l->host,
                   l->port);
    buf_puts(out, "a=end-of-candidates\r\n");
}

static void write_feedback(struct buf *out, uint8_t pt, unsigned fb)
{
    if (fb & SDP_FB_TWCC)
        buf_printf(out, "a=rtcp-fb:%u transport-cc\r\n", pt);
    if (fb & SDP_FB_FIR)
        buf_printf(out, "a=rtcp-fb:%u ccm fir\r\n", pt);
    if (fb & SDP_FB_NACK)
        buf_printf(out, "a=rtcp-fb:%u nack\r\n", pt);
    if (fb & SDP_FB_PLI)
        buf_printf(out, "a=rtcp-fb:%u nack pli\r\n", pt);
}

/* rtpmap, rtcp-fb and fmtp for one codec and its rtx; h264_plid is the profile-level-id
 * to state (the offer's, or ours). */
static void write_codec(struct buf *out, const struct sdp_choice *c, const char *h264_plid)
{
    switch (c->codec) {
    case SDP_CODEC_OPUS:
        buf_printf(out, "a=rtpmap:%u opus/48000/2\r\n", c->pt);
        write_feedback(out, c->pt, c->feedback);
        buf_printf(out, "a=fmtp:%u minptime=10;useinbandfec=1\r\n", c->pt);
        break;
    case SDP_CODEC_VP8:
        buf_printf(out, "a=rtpmap:%u VP8/90000\r\n", c->pt);
        write_feedback(out, c->pt, c->feedback);
        break;
    case SDP_CODEC_H264:
        buf_printf(out, "a=rtpmap:%u H264/90000\r\n", c->pt);
        write_feedback(out, c->pt, c->feedback);
        buf_printf(out,
                   "a=fmtp:%u level-asymmetry-allowed=1;packetization-mode=1;"
                   "profile-level-id=%s\r\n",
                   c->pt, h264_plid);
        break;
    case SDP_CODEC_NONE:
        return;
    }
    if (c->rtx_pt >= 0)
        buf_printf(out, "a=rtpmap:%d rtx/90000\r\na=fmtp:%d apt=%u\r\n", c->rtx_pt, c->rtx_pt,
                   c->pt);
}

static void write_simulcast_answer(struct buf *out, const struct sdp_media *m)
{
    /* receive every RID the client declared for sending and lists in a=simulcast */
    size_t written = 0;
    int last_stream = -1;
    struct buf list = {0};
    for (size_t i = 0; i < m->simulcast_send_count; i++) {
        const struct sdp_simulcast_rid *s = &m->simulcast_send[i];
        bool declared = false;
        for (size_t k = 0; k < m->rid_count; k++)
            declared |= m->rids[k].send && strcmp(m->rids[k].id, s->rid) == 0;
        if (!declared)
            continue;
        buf_printf(out, "a=rid:%s recv\r\n", s->rid);
        if (written)
            buf_puts(&list, (int)s->stream == last_stream ? "," : ";");
        buf_printf(&list, "%s%s", s->paused ? "~" : "", s->rid);
        last_stream = (int)s->stream;
        written++;
    }
    if (written)
        buf_printf(out, "a=simulcast:recv %s\r\n", list.data);
    buf_free(&list);
}

/* The profile-level-id to answer for H.264: the offer's (checked to be 6 hex digits). */
static void offered_plid(const struct sdp_media *m, const struct sdp_choice *c, char plid[7])
{
    strcpy(plid, "42e01f");
    const struct sdp_codec *oc = sdp_media_codec(m, c->pt);
    const char *v;
    size_t n;
    if (oc && oc->fmtp && sdp_fmtp_param(oc->fmtp, "profile-level-id", &v, &n) && n == 6) {
        memcpy(plid, v, 6);
        plid[6] = '\0';
    }
}

int sdp_answer(struct arena *a, const struct sdp_session *offer, const struct sdp_local *local,
               unsigned flags, struct buf *out, struct sdp_negotiated **negp, struct sdp_error *err)
{
    *negp = NULL;
    if (!local_ok(local))
        return fail(err, -EINVAL, "sdp_invalid_argument",
                    "The server's own transport "
                    "parameters are incomplete.");
    struct sdp_negotiated *neg = arena_alloc(a, sizeof *neg);
    neg->media_count = offer->media_count;
    neg->media = arena_alloc(a, (offer->media_count ? offer->media_count : 1) * sizeof *neg->media);

    const struct sdp_media *transport = NULL; /* the first accepted section */
    for (size_t i = 0; i < offer->media_count; i++) {
        const struct sdp_media *m = &offer->media[i];
        struct sdp_negotiated_media *nm = &neg->media[i];
        nm->remote = m;
        nm->mid = m->mid;
        nm->kind = m->kind;
        nm->direction = SDP_INACTIVE;
        bool rejected = m->port == 0 && !m->bundle_only;
        if ((m->kind != SDP_AUDIO && m->kind != SDP_VIDEO) || !m->rtp || rejected)
            continue;
        const char *kind = kind_word(m->kind);
        if (!m->mid)
            return fail(err, -EINVAL, "sdp_malformed", "The %s section (number %zu) has no a=mid.",
                        kind, i + 1);
        if (strcmp(m->proto, "UDP/TLS/RTP/SAVPF") != 0 && strcmp(m->proto, "UDP/TLS/RTP/SAVP"))
            return fail(err, -EINVAL, "sdp_unsupported_transport",
                        "The %s section (mid %s) uses %s; this server needs "
                        "UDP/TLS/RTP/SAVPF (DTLS-SRTP over UDP).",
                        kind, m->mid, m->proto);
        if (!in_bundle(offer, m->mid))
            return fail(err, -EINVAL, "sdp_not_bundled",
                        "The %s section (mid %s) is not in an a=group:BUNDLE; this server "
                        "carries all media on one transport (bundle policy max-bundle).",
                        kind, m->mid);
        if (!m->rtcp_mux)
            return fail(err, -EINVAL, "sdp_no_rtcp_mux",
                        "The %s section (mid %s) has no a=rtcp-mux; this server needs RTP "
                        "and RTCP on one port.",
                        kind, m->mid);
        choose_codecs(m, flags, nm);
        bool sends = m->direction == SDP_SENDRECV || m->direction == SDP_SENDONLY;
        if (nm->codec_count == 0) {
            if (sends)
                return fail(err, -EINVAL, "sdp_no_common_codec",
                            "The %s section (mid %s) offers no codec this server takes: %s.", kind,
                            m->mid,
                            m->kind == SDP_AUDIO
                                ? "Opus (opus/48000/2)"
                                : "VP8, or H.264 constrained baseline with packetization-mode=1");
            continue;
        }
        nm->accepted = true;
        nm->direction = sends ? SDP_RECVONLY : SDP_INACTIVE;
        for (size_t e = 0; e < SDP_EXT_COUNT; e++) {
            if (ext_accepted(m->kind, (enum sdp_ext)e))
                nm->ext_id[e] = sdp_media_extmap_id(m, sdp_ext_uri((enum sdp_ext)e));
        }
        if (!transport)
            transport = m;
    }
    if (!transport)
        return fail(err, -EINVAL, "sdp_no_media",
                    "The offer has no audio or video section this server can receive.");
    if (!transport->ice_ufrag || !transport->ice_pwd)
        return fail(err, -EINVAL, "sdp_no_ice_credentials",
                    "The offer has no a=ice-ufrag and a=ice-pwd.");
    if (!transport->fingerprint)
        return fail(err, -EINVAL, "sdp_no_fingerprint", "The offer has no a=fingerprint for DTLS.");
    if (strcmp(transport->fingerprint_alg, "sha-256") &&
        strcmp(transport->fingerprint_alg, "sha-384") &&
        strcmp(transport->fingerprint_alg, "sha-512"))
        return fail(err, -EINVAL, "sdp_unsupported_fingerprint",
                    "The offer's fingerprint uses %s; this server checks sha-256, sha-384 or "
                    "sha-512.",
                    transport->fingerprint_alg);
    if (transport->setup == SDP_SETUP_PASSIVE || transport->setup == SDP_SETUP_HOLDCONN)
        return fail(err, -EINVAL, "sdp_setup_conflict",
                    "The offer has a=setup:%s; this server is always the DTLS server, so the "
                    "offer must say actpass or active.",
                    transport->setup == SDP_SETUP_PASSIVE ? "passive" : "holdconn");
    neg->remote_ufrag = transport->ice_ufrag;
    neg->remote_pwd = transport->ice_pwd;
    neg->remote_fingerprint_alg = transport->fingerprint_alg;
    neg->remote_fingerprint = transport->fingerprint;

    write_session(out, local);
    buf_puts(out, "a=group:BUNDLE");
    for (size_t b = 0; b < offer->bundle_count; b++) {
        for (size_t i = 0; i < offer->media_count; i++) {
            if (neg->media[i].accepted && strcmp(offer->media[i].mid, offer->bundle[b]) == 0) {
                buf_printf(out, " %s", offer->bundle[b]);
                break;
            }
        }
    }
    buf_puts(out, "\r\n");
    /* no a=extmap-allow-mixed: publishers keep to the one-byte form, so their extensions
     * can be renumbered in place for subscribers, who have not agreed to two-byte headers */
    buf_puts(out, "a=msid-semantic: WMS\r\n");

    bool first = true;
    for (size_t i = 0; i < offer->media_count; i++) {
        const struct sdp_media *m = &offer->media[i];
        const struct sdp_negotiated_media *nm = &neg->media[i];
        if (!nm->accepted) {
            /* rejected: port 0, the offer's first format, the mid to say which */
            buf_printf(out, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\n", m->kind_name, m->proto,
                       m->formats[0]);
            if (m->mid)
                buf_printf(out, "a=mid:%s\r\n", m->mid);
            continue;
        }
        buf_printf(out, "m=%s %u %s", m->kind_name, local->port, m->proto);
        for (size_t k = 0; k < nm->codec_count; k++) {
            buf_printf(out, " %u", nm->codecs[k].pt);
            if (nm->codecs[k].rtx_pt >= 0)
                buf_printf(out, " %d", nm->codecs[k].rtx_pt);
        }
        buf_puts(out, "\r\n");
        write_transport(out, local, "passive");
        buf_printf(out, "a=mid:%s\r\n", m->mid);
        for (size_t e = 0; e < SDP_EXT_COUNT; e++) {
            if (nm->ext_id[e])
                buf_printf(out, "a=extmap:%u %s\r\n", nm->ext_id[e], sdp_ext_uri((enum sdp_ext)e));
        }
        buf_printf(out, "a=%s\r\na=rtcp-mux\r\n",
                   nm->direction == SDP_RECVONLY ? "recvonly" : "inactive");
        if (m->rtcp_rsize)
            buf_puts(out, "a=rtcp-rsize\r\n");
        for (size_t k = 0; k < nm->codec_count; k++) {
            char plid[7];
            offered_plid(m, &nm->codecs[k], plid);
            write_codec(out, &nm->codecs[k], plid);
        }
        /* simulcast layers are told apart by their RID in each packet: no extension, no
         * simulcast (the client then sends one layer) */
        if (m->kind == SDP_VIDEO && m->simulcast_send_count && nm->ext_id[SDP_EXT_RID])
            write_simulcast_answer(out, m);
        if (first)
            write_candidate(out, local);
        first = false;
    }
    *negp = neg;
    return 0;
}

static bool track_ok(const struct sdp_track *t)
{
    bool codec_fits = t->kind == SDP_AUDIO ? t->codec == SDP_CODEC_OPUS
                      : t->kind == SDP_VIDEO
                          ? t->codec == SDP_CODEC_VP8 || t->codec == SDP_CODEC_H264
                          : false;
    return codec_fits && t->mid && is_token(t->mid, MAX_ID) &&
           (!t->active ||
            (t->stream_id && is_token(t->stream_id, MAX_TOKEN) && t->track_id &&
             is_token(t->track_id, MAX_TOKEN) && t->cname && is_token(t->cname, MAX_TOKEN)));
}

/* The codec we send a track with, at our fixed numbers. */
static struct sdp_choice our_choice(const struct sdp_track *t)
{
    struct sdp_choice c = {.codec = t->codec, .rtx_pt = -1};
    switch (t->codec) {
    case SDP_CODEC_OPUS:
        c.pt = SDP_PT_OPUS;
        c.feedback = SDP_FB_TWCC;
        break;
    case SDP_CODEC_VP8:
        c.pt = SDP_PT_VP8;
        c.rtx_pt = SDP_PT_VP8_RTX;
        break;
    case SDP_CODEC_H264:
        c.pt = SDP_PT_H264;
        c.rtx_pt = SDP_PT_H264_RTX;
        break;
    case SDP_CODEC_NONE:
        break;
    }
    if (t->kind == SDP_VIDEO)
        c.feedback = SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC;
    return c;
}

int sdp_offer(const struct sdp_local *local, const struct sdp_track *tracks, size_t count,
              struct buf *out, struct sdp_error *err)
{
    if (!local_ok(local))
        return fail(err, -EINVAL, "sdp_invalid_argument",
                    "The server's own transport parameters are incomplete.");
    if (count == 0)
        return fail(err, -EINVAL, "sdp_no_media", "There is no track to offer.");
    if (count > SDP_MAX_MEDIA)
        return fail(err, -ENOSPC, "sdp_too_large", "More than %d tracks on one transport.",
                    SDP_MAX_MEDIA);
    for (size_t i = 0; i < count; i++) {
        if (!track_ok(&tracks[i]))
            return fail(err, -EINVAL, "sdp_invalid_argument",
                        "Track %zu is incomplete or its codec does not fit its kind.", i + 1);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(tracks[k].mid, tracks[i].mid) == 0)
                return fail(err, -EINVAL, "sdp_invalid_argument", "Two tracks use mid %s.",
                            tracks[i].mid);
        }
    }
    write_session(out, local);
    buf_puts(out, "a=group:BUNDLE");
    for (size_t i = 0; i < count; i++)
        buf_printf(out, " %s", tracks[i].mid);
    buf_puts(out, "\r\na=msid-semantic: WMS *\r\n");
    for (size_t i = 0; i < count; i++) {
        const struct sdp_track *t = &tracks[i];
        struct sdp_choice c = our_choice(t);
        bool rtx = t->kind == SDP_VIDEO;
        buf_printf(out, "m=%s %u UDP/TLS/RTP/SAVPF %u", kind_word(t->kind), local->port, c.pt);
        if (rtx)
            buf_printf(out, " %d", c.rtx_pt);
        buf_puts(out, "\r\n");
        write_transport(out, local, "actpass");
        buf_printf(out, "a=mid:%s\r\n", t->mid);
        if (t->kind == SDP_AUDIO)
            buf_printf(out, "a=extmap:%d %s\r\n", SDP_ID_AUDIO_LEVEL, SDP_URI_AUDIO_LEVEL);
        buf_printf(out, "a=extmap:%d %s\r\n", SDP_ID_TWCC, SDP_URI_TWCC);
        buf_puts(out, t->active ? "a=sendonly\r\n" : "a=inactive\r\n");
        if (t->active)
            buf_printf(out, "a=msid:%s %s\r\n", t->stream_id, t->track_id);
        buf_puts(out, "a=rtcp-mux\r\na=rtcp-rsize\r\n");
        write_codec(out, &c, "42e01f");
        if (t->active) {
            bool with_rtx = rtx && t->rtx_ssrc;
            if (with_rtx)
                buf_printf(out, "a=ssrc-group:FID %" PRIu32 " %" PRIu32 "\r\n", t->ssrc,
                           t->rtx_ssrc);
            for (int k = 0; k < (with_rtx ? 2 : 1); k++) {
                uint32_t ssrc = k ? t->rtx_ssrc : t->ssrc;
                buf_printf(out, "a=ssrc:%" PRIu32 " cname:%s\r\na=ssrc:%" PRIu32 " msid:%s %s\r\n",
                           ssrc, t->cname, ssrc, t->stream_id, t->track_id);
            }
        }
        if (i == 0)
            write_candidate(out, local);
    }
    return 0;
}

int sdp_accept_answer(struct arena *a, const struct sdp_session *answer,
                      const struct sdp_track *tracks, size_t count, struct sdp_negotiated **negp,
                      struct sdp_error *err)
{
    *negp = NULL;
    if (answer->media_count != count)
        return fail(err, -EINVAL, "sdp_answer_mismatch",
                    "The answer has %zu media sections; the offer had %zu.", answer->media_count,
                    count);
    struct sdp_negotiated *neg = arena_alloc(a, sizeof *neg);
    neg->media_count = count;
    neg->media = arena_alloc(a, (count ? count : 1) * sizeof *neg->media);
    const struct sdp_media *transport = NULL;
    for (size_t i = 0; i < count; i++) {
        const struct sdp_media *m = &answer->media[i];
        const struct sdp_track *t = &tracks[i];
        struct sdp_negotiated_media *nm = &neg->media[i];
        nm->remote = m;
        nm->mid = t->mid;
        nm->kind = t->kind;
        nm->direction = SDP_INACTIVE;
        if (!m->mid || strcmp(m->mid, t->mid) != 0 || m->kind != t->kind || !m->rtp)
            return fail(err, -EINVAL, "sdp_answer_mismatch",
                        "Section %zu of the answer is not the %s section with mid %s that was "
                        "offered.",
                        i + 1, kind_word(t->kind), t->mid);
        if (m->port == 0 && !m->bundle_only)
            continue;
        if (!in_bundle(answer, m->mid))
            return fail(err, -EINVAL, "sdp_not_bundled",
                        "The answer's section with mid %s is not in its a=group:BUNDLE.", m->mid);
        if (!m->rtcp_mux)
            return fail(err, -EINVAL, "sdp_no_rtcp_mux",
                        "The answer's section with mid %s has no a=rtcp-mux.", m->mid);
        struct sdp_choice ours = our_choice(t);
        const struct sdp_codec *c = sdp_media_codec(m, ours.pt);
        if (!c || !codec_named(c, codec_name(t->codec), t->kind == SDP_AUDIO ? 48000 : 90000))
            return fail(err, -EINVAL, "sdp_no_common_codec",
                        "The answer's section with mid %s does not take the offered codec.",
                        m->mid);
        struct sdp_choice *ch = &nm->codecs[0];
        *ch = ours;
        ch->feedback &= c->feedback;
        if (ours.rtx_pt >= 0 && rtx_for(m, ours.pt) != ours.rtx_pt)
            ch->rtx_pt = -1;
        nm->codec_count = 1;
        nm->accepted = true;
        bool receives = m->direction == SDP_RECVONLY || m->direction == SDP_SENDRECV;
        nm->direction = t->active && receives ? SDP_SENDONLY : SDP_INACTIVE;
        /* only the extensions offered, at the ids offered */
        uint8_t twcc = sdp_media_extmap_id(m, SDP_URI_TWCC);
        nm->ext_id[SDP_EXT_TWCC] = twcc == SDP_ID_TWCC ? twcc : 0;
        if (t->kind == SDP_AUDIO) {
            uint8_t level = sdp_media_extmap_id(m, SDP_URI_AUDIO_LEVEL);
            nm->ext_id[SDP_EXT_AUDIO_LEVEL] = level == SDP_ID_AUDIO_LEVEL ? level : 0;
        }
        if (!transport)
            transport = m;
    }
    if (!transport && count)
        transport = &answer->media[0];
    if (!transport || !transport->ice_ufrag || !transport->ice_pwd)
        return fail(err, -EINVAL, "sdp_no_ice_credentials",
                    "The answer has no a=ice-ufrag and a=ice-pwd.");
    if (!transport->fingerprint)
        return fail(err, -EINVAL, "sdp_no_fingerprint",
                    "The answer has no a=fingerprint for DTLS.");
    if (strcmp(transport->fingerprint_alg, "sha-256") &&
        strcmp(transport->fingerprint_alg, "sha-384") &&
        strcmp(transport->fingerprint_alg, "sha-512"))
        return fail(err, -EINVAL, "sdp_unsupported_fingerprint",
                    "The answer's fingerprint uses %s; this server checks sha-256, sha-384 "
                    "or sha-512.",
                    transport->fingerprint_alg);
    if (transport->setup != SDP_SETUP_ACTIVE && transport->setup != SDP_SETUP_NONE)
        return fail(err, -EINVAL, "sdp_setup_conflict",
                    "The answer must say a=setup:active: this server is the DTLS server.");
    neg->remote_ufrag = transport->ice_ufrag;
    neg->remote_pwd = transport->ice_pwd;
    neg->remote_fingerprint_alg = transport->fingerprint_alg;
    neg->remote_fingerprint = transport->fingerprint;
    *negp = neg;
    return 0;
}
