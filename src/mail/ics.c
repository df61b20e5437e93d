#include "mail/ics.h"

#include <errno.h>
#include <libical/ical.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/email.h"
#include "core/tz.h"
#include "core/utf8.h"
#include "core/xalloc.h"

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* A name or id: present or not, but if present valid UTF-8 without controls. */
static bool field_ok(const char *s)
{
    return !s || (utf8_valid(s) && !has_control(s));
}

/* Free text for a TEXT property: CRLF and CR become LF, other controls except TAB go.
 * libical escapes the rest (\\ \; \, \n) when it writes. NULL for invalid UTF-8. */
static char *clean_text(const char *s)
{
    if (!utf8_valid(s))
        return NULL;
    char *out = xmalloc(strlen(s) + 1), *o = out;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\r') {
            *o++ = '\n';
            if (p[1] == '\n')
                p++;
        } else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f)) {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

static bool rrule_chars_ok(const char *r)
{
    if (!*r || strlen(r) > 512)
        return false;
    for (const char *p = r; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("=;,+-", *p)))
            return false;
    return true;
}

static time_t ms_to_seconds(int64_t ms)
{
    int64_t s = ms / 1000;
    if (ms % 1000 < 0)
        s--;
    return (time_t)s;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

struct ctx {
    const struct ics_event *ev;
    icaltimezone *zone; /* the utc zone when writing UTC */
    bool utc;
    char *summary, *description, *location;
};

/* Local wall-clock time in the event's zone. (icaltime_from_timet_with_zone with a
 * non-UTC zone returns the local time still marked UTC in libical 3.0, so convert.) */
static struct icaltimetype local_time(const struct ctx *c, int64_t ms)
{
    struct icaltimetype u =
        icaltime_from_timet_with_zone(ms_to_seconds(ms), 0, icaltimezone_get_utc_timezone());
    return c->utc ? u : icaltime_convert_to_zone(u, c->zone);
}

/* libical writes no TZID parameter of its own: the name is the IANA one we were given. */
static void add_timed(const struct ctx *c, icalcomponent *comp, icalproperty *p)
{
    if (!c->utc)
        icalproperty_add_parameter(p, icalparameter_new_tzid(c->ev->tz));
    icalcomponent_add_property(comp, p);
}

static icalproperty *person(icalproperty *p, const char *name)
{
    if (name && *name)
        icalproperty_add_parameter(p, icalparameter_new_cn(name));
    return p;
}

static icalcomponent *vevent(const struct ctx *c, enum ics_method method,
                             const struct ics_override *ov)
{
    const struct ics_event *ev = c->ev;
    icalcomponent *e = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(e, icalproperty_new_uid(ev->uid));
    icalcomponent_add_property(e, icalproperty_new_sequence(ev->sequence));
    icalcomponent_add_property(
        e, icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
               ms_to_seconds(ev->dtstamp_utc), 0, icaltimezone_get_utc_timezone())));
    if (ov)
        add_timed(c, e, icalproperty_new_recurrenceid(local_time(c, ov->recurrence_id_utc)));
    add_timed(c, e, icalproperty_new_dtstart(local_time(c, ov ? ov->start_utc : ev->start_utc)));
    add_timed(c, e, icalproperty_new_dtend(local_time(c, ov ? ov->end_utc : ev->end_utc)));
    if (!ov && ev->rrule) {
        icalcomponent_add_property(
            e, icalproperty_new_rrule(icalrecurrencetype_from_string(ev->rrule)));
        for (size_t i = 0; i < ev->exdate_count; i++)
            add_timed(c, e, icalproperty_new_exdate(local_time(c, ev->exdates_utc[i])));
    }
    if (c->summary)
        icalcomponent_add_property(e, icalproperty_new_summary(c->summary));
    if (c->description)
        icalcomponent_add_property(e, icalproperty_new_description(c->description));
    if (c->location)
        icalcomponent_add_property(e, icalproperty_new_location(c->location));

    char addr[sizeof "mailto:" + LIMIT_EMAIL];
    snprintf(addr, sizeof addr, "mailto:%s", ev->organizer_email);
    icalcomponent_add_property(e, person(icalproperty_new_organizer(addr), ev->organizer_name));
    snprintf(addr, sizeof addr, "mailto:%s", ev->attendee_email);
    icalproperty *att = person(icalproperty_new_attendee(addr), ev->attendee_name);
    icalproperty_add_parameter(att, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
    icalproperty_add_parameter(att, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
    icalproperty_add_parameter(att, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
    icalcomponent_add_property(e, att);

    icalcomponent_add_property(e, icalproperty_new_status(method == ICS_CANCEL
                                                              ? ICAL_STATUS_CANCELLED
                                                              : ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(e, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
    return e;
}

static int validate(const struct ics_event *ev, enum ics_method method)
{
    if (method != ICS_REQUEST && method != ICS_CANCEL)
        return -EINVAL;
    if (!ev->uid || !*ev->uid || !field_ok(ev->uid) || ev->sequence < 0)
        return -EINVAL;
    if (!ev->tz || ev->end_utc <= ev->start_utc)
        return -EINVAL;
    if (!field_ok(ev->organizer_name) || !field_ok(ev->attendee_name) ||
        email_check(ev->organizer_email) || email_check(ev->attendee_email))
        return -EINVAL;
    if ((ev->exdate_count && !ev->exdates_utc) || (ev->override_count && !ev->overrides))
        return -EINVAL;
    if (!ev->rrule) {
        if (ev->exdate_count || ev->override_count)
            return -EINVAL;
    } else {
        if (!rrule_chars_ok(ev->rrule))
            return -EINVAL;
        icalerror_clear_errno();
        struct icalrecurrencetype r = icalrecurrencetype_from_string(ev->rrule);
        bool bad = r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR;
        /* DTSTART is a date-time, so UNTIL must be one too, in UTC (RFC 5545 3.3.10) */
        if (!icaltime_is_null_time(r.until) && (r.until.is_date || !icaltime_is_utc(r.until)))
            bad = true;
        icalerror_clear_errno();
        if (bad)
            return -EINVAL;
    }
    for (size_t i = 0; i < ev->override_count; i++)
        if (ev->overrides[i].end_utc <= ev->overrides[i].start_utc)
            return -EINVAL;
    return 0;
}

/* The zone's VTIMEZONE, a copy we own: libical's builtin component belongs to the zone.
 * Trimmed to the observances in force from `from` on (ms_compatible keeps each rule's
 * original DTSTART, as Outlook and Google write them), with the TZID renamed from
 * libical's "/freeassociation.sourceforge.net/Europe/Berlin" to the IANA name. */
static icalcomponent *vtimezone(const struct ctx *c, int64_t from)
{
    icalcomponent *src = icaltimezone_get_component(c->zone);
    if (!src)
        return NULL;
    icalcomponent *vtz = icalcomponent_new_clone(src);
    icaltimezone_truncate_vtimezone(
        vtz, icaltime_from_timet_with_zone(ms_to_seconds(from), 0, icaltimezone_get_utc_timezone()),
        icaltime_null_time(), 1);
    icalproperty *tzid = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
    if (tzid)
        icalproperty_set_tzid(tzid, c->ev->tz);
    else
        icalcomponent_add_property(vtz, icalproperty_new_tzid(c->ev->tz));
    return vtz;
}

/* The VCALENDAR for a validated event whose texts are cleaned, appended to out. */
static int build(const struct ctx *c, enum ics_method method, struct buf *out)
{
    const struct ics_event *ev = c->ev;
    int64_t from = ev->start_utc;
    for (size_t i = 0; i < ev->exdate_count; i++)
        from = min64(from, ev->exdates_utc[i]);
    for (size_t i = 0; i < ev->override_count; i++)
        from = min64(from, min64(ev->overrides[i].recurrence_id_utc, ev->overrides[i].start_utc));
    icalcomponent *vtz = NULL;
    if (!c->utc && !(vtz = vtimezone(c, from)))
        return -EINVAL;

    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//confide//confide//EN"));
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(
        cal,
        icalproperty_new_method(method == ICS_CANCEL ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST));
    if (vtz)
        icalcomponent_add_component(cal, vtz); /* cal owns it now */
    icalcomponent_add_component(cal, vevent(c, method, NULL));
    if (method == ICS_REQUEST)
        for (size_t i = 0; i < ev->override_count; i++)
            icalcomponent_add_component(cal, vevent(c, method, &ev->overrides[i]));

    /* _r: a malloc'ed copy for us; the plain variant lives in libical's ring buffer. */
    char *text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    if (!text)
        return -EINVAL;
    buf_puts(out, text);
    icalmemory_free_buffer(text);
    return 0;
}

int ics_build(const struct ics_event *ev, enum ics_method method, struct buf *out)
{
    if (!ev || !out)
        return -EINVAL;
    int rc = validate(ev, method);
    if (rc < 0)
        return rc;

    struct ctx c = {.ev = ev};
    /* through core/tz, which checks the name and serialises libical's zone cache */
    c.zone = tz_ical_zone(ev->tz);
    if (!c.zone)
        return -EINVAL;
    c.utc = c.zone == icaltimezone_get_utc_timezone();

    if ((ev->summary && !(c.summary = clean_text(ev->summary))) ||
        (ev->description && !(c.description = clean_text(ev->description))) ||
        (ev->location && !(c.location = clean_text(ev->location))))
        rc = -EINVAL;
    else
        rc = build(&c, method, out);
    free(c.summary);
    free(c.description);
    free(c.location);
    return rc;
}
