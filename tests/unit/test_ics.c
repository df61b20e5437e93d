/* ics: invitations built, then parsed back with libical; escaping, folding, zones,
 * refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libical/ical.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/rand.h"
#include "mail/ics.h"

#define MIN_MS (60 * 1000LL)
#define T_START 1774026000000LL    /* 2026-03-20T17:00Z = 18:00 in Berlin (CET) */
#define T_EX1 1774630800000LL      /* 2026-03-27T17:00Z = 18:00 CET */
#define T_EX2 1775836800000LL      /* 2026-04-10T16:00Z = 18:00 CEST */
#define T_OV_RID 1776441600000LL   /* 2026-04-17T16:00Z = 18:00 CEST */
#define T_OV_START 1776499200000LL /* 2026-04-18T08:00Z = 10:00 CEST */
#define T_STAMP 1772366400000LL    /* 2026-03-01T12:00Z */

static const int64_t exdates[] = {T_EX1, T_EX2};
static const struct ics_override overrides[] = {
    {T_OV_RID, T_OV_START, T_OV_START + 50 * MIN_MS},
};

static struct ics_event series(void)
{
    return (struct ics_event){
        .uid = "7f3a9c41e2@confide",
        .sequence = 3,
        .dtstamp_utc = T_STAMP,
        .tz = "Europe/Berlin",
        .start_utc = T_START,
        .end_utc = T_START + 50 * MIN_MS,
        .rrule = "FREQ=WEEKLY;INTERVAL=1;COUNT=10",
        .exdates_utc = exdates,
        .exdate_count = 2,
        .overrides = overrides,
        .override_count = 1,
        .summary = "Appointment with Harbour Counselling",
        .description = "Join from your browser:\nhttps://care.example/j/abc\n\nSee you then.",
        .location = "https://care.example/j/abc",
        .organizer_name = "Harbour Counselling",
        .organizer_email = "no-reply@care.example",
        .attendee_name = "Ada Lovelace",
        .attendee_email = "ada@example.org",
    };
}

/* Every line CRLF-terminated and at most 75 octets, no bare CR or LF, and each physical
 * line valid UTF-8 by itself (folding never splits a character). */
static void assert_lines_ok(const struct buf *b)
{
    assert_true(b->len >= 2);
    assert_memory_equal(b->data + b->len - 2, "\r\n", 2);
    size_t start = 0;
    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == '\r') {
            assert_true(i + 1 < b->len && b->data[i + 1] == '\n');
            size_t n = i - start;
            if (n > 75)
                fail_msg("line of %zu octets: %.*s", n, (int)n, b->data + start);
            /* a continuation never starts inside a multi-byte character */
            if (start > 0 && b->data[start] == ' ')
                assert_true(((unsigned char)b->data[start + 1] & 0xc0) != 0x80);
            assert_true(((unsigned char)b->data[i - 1] & 0x80) == 0 ||
                        ((unsigned char)b->data[i - 1] & 0xc0) == 0x80);
            start = i + 2;
            i++;
        } else {
            assert_true(b->data[i] != '\n');
        }
    }
}

static icalcomponent *parse(const struct buf *b)
{
    icalcomponent *cal = icalparser_parse_string(b->data);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
    return cal;
}

/* The decoded CN (icalproperty_get_parameter_as_string would give the RFC 6868 form). */
static const char *cn(icalproperty *p)
{
    icalparameter *par = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
    assert_non_null(par);
    return icalparameter_get_cn(par);
}

static const char *param(icalproperty *p, icalparameter_kind kind)
{
    icalparameter *par = icalproperty_get_first_parameter(p, kind);
    assert_non_null(par);
    return icalparameter_as_ical_string(par);
}

/* A date-time property: its TZID parameter and its value as written. */
static void assert_local(icalcomponent *c, icalproperty_kind kind, const char *tzid,
                         const char *value)
{
    icalproperty *p = icalcomponent_get_first_property(c, kind);
    assert_non_null(p);
    icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    assert_non_null(tz);
    assert_string_equal(icalparameter_get_tzid(tz), tzid);
    assert_string_equal(icalproperty_get_value_as_string(p), value);
}

static icalcomponent *find_event(icalcomponent *cal, bool override)
{
    for (icalcomponent *e = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); e;
         e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        bool has_rid = icalcomponent_get_first_property(e, ICAL_RECURRENCEID_PROPERTY) != NULL;
        if (has_rid == override)
            return e;
    }
    return NULL;
}

static int count_components(icalcomponent *c, icalcomponent_kind kind)
{
    return icalcomponent_count_components(c, kind);
}

/* The parsed DTSTART, resolved through the VTIMEZONE we sent, as ms since the epoch. */
static int64_t resolved_ms(icalcomponent *e, icalproperty_kind kind)
{
    icalproperty *p = icalcomponent_get_first_property(e, kind);
    struct icaltimetype t = icalproperty_get_datetime_with_component(p, e);
    assert_non_null(t.zone);
    return (int64_t)icaltime_as_timet_with_zone(t, t.zone) * 1000;
}

static void request_round_trips(void **state)
{
    struct ics_event ev = series();
    struct buf b = {0};
    assert_int_equal(ics_build(&ev, ICS_REQUEST, &b), 0);
    assert_lines_ok(&b);
    assert_memory_equal(b.data, "BEGIN:VCALENDAR\r\n", 17);
    assert_non_null(strstr(b.data, "\r\nDTSTART;TZID=Europe/Berlin:20260320T180000\r\n"));
    assert_non_null(strstr(b.data, "\r\nMETHOD:REQUEST\r\n"));
    assert_null(strstr(b.data, "freeassociation"));

    icalcomponent *cal = parse(&b);
    assert_int_equal(icalcomponent_get_method(cal), ICAL_METHOD_REQUEST);
    assert_string_equal(
        icalproperty_get_prodid(icalcomponent_get_first_property(cal, ICAL_PRODID_PROPERTY)),
        "-//confide//confide//EN");
    assert_string_equal(
        icalproperty_get_version(icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY)),
        "2.0");

    /* the zone: named as given, with summer and winter rules, trimmed of history */
    assert_int_equal(count_components(cal, ICAL_VTIMEZONE_COMPONENT), 1);
    icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
    assert_string_equal(
        icalproperty_get_tzid(icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)),
        "Europe/Berlin");
    assert_true(count_components(vtz, ICAL_XSTANDARD_COMPONENT) >= 1);
    assert_true(count_components(vtz, ICAL_XDAYLIGHT_COMPONENT) >= 1);
    assert_null(strstr(b.data, "DTSTART:1893"));
    assert_true(b.len < 4000);

    assert_int_equal(count_components(cal, ICAL_VEVENT_COMPONENT), 2);
    icalcomponent *m = find_event(cal, false);
    assert_non_null(m);
    assert_string_equal(icalcomponent_get_uid(m), ev.uid);
    assert_int_equal(icalcomponent_get_sequence(m), 3);
    assert_int_equal(icalcomponent_get_status(m), ICAL_STATUS_CONFIRMED);
    assert_string_equal(icalproperty_get_value_as_string(
                            icalcomponent_get_first_property(m, ICAL_DTSTAMP_PROPERTY)),
                        "20260301T120000Z");
    assert_local(m, ICAL_DTSTART_PROPERTY, "Europe/Berlin", "20260320T180000");
    assert_local(m, ICAL_DTEND_PROPERTY, "Europe/Berlin", "20260320T185000");
    assert_true(resolved_ms(m, ICAL_DTSTART_PROPERTY) == T_START);
    assert_true(resolved_ms(m, ICAL_DTEND_PROPERTY) == T_START + 50 * MIN_MS);

    struct icalrecurrencetype r =
        icalproperty_get_rrule(icalcomponent_get_first_property(m, ICAL_RRULE_PROPERTY));
    assert_int_equal(r.freq, ICAL_WEEKLY_RECURRENCE);
    assert_int_equal(r.count, 10);
    assert_int_equal(r.interval, 1);

    /* EXDATEs as local times, the second one after the switch to summer time */
    icalproperty *x = icalcomponent_get_first_property(m, ICAL_EXDATE_PROPERTY);
    const char *want_ex[] = {"20260327T180000", "20260410T180000"};
    const int64_t want_ex_ms[] = {T_EX1, T_EX2};
    for (int i = 0; i < 2; i++) {
        assert_non_null(x);
        assert_string_equal(param(x, ICAL_TZID_PARAMETER), "TZID=Europe/Berlin");
        assert_string_equal(icalproperty_get_value_as_string(x), want_ex[i]);
        struct icaltimetype t = icalproperty_get_datetime_with_component(x, m);
        assert_true((int64_t)icaltime_as_timet_with_zone(t, t.zone) * 1000 == want_ex_ms[i]);
        x = icalcomponent_get_next_property(m, ICAL_EXDATE_PROPERTY);
    }
    assert_null(x);

    icalproperty *org = icalcomponent_get_first_property(m, ICAL_ORGANIZER_PROPERTY);
    assert_string_equal(icalproperty_get_organizer(org), "mailto:no-reply@care.example");
    assert_string_equal(cn(org), "Harbour Counselling");
    icalproperty *att = icalcomponent_get_first_property(m, ICAL_ATTENDEE_PROPERTY);
    assert_string_equal(icalproperty_get_attendee(att), "mailto:ada@example.org");
    assert_string_equal(cn(att), "Ada Lovelace");
    assert_string_equal(icalproperty_get_parameter_as_string(att, "ROLE"), "REQ-PARTICIPANT");
    assert_string_equal(icalproperty_get_parameter_as_string(att, "PARTSTAT"), "NEEDS-ACTION");
    assert_string_equal(icalproperty_get_parameter_as_string(att, "RSVP"), "FALSE");
    assert_string_equal(icalcomponent_get_summary(m), ev.summary);
    assert_string_equal(icalcomponent_get_description(m), ev.description);
    assert_string_equal(icalcomponent_get_location(m), ev.location);

    /* the moved occurrence */
    icalcomponent *o = find_event(cal, true);
    assert_non_null(o);
    assert_string_equal(icalcomponent_get_uid(o), ev.uid);
    assert_int_equal(icalcomponent_get_sequence(o), 3);
    assert_local(o, ICAL_RECURRENCEID_PROPERTY, "Europe/Berlin", "20260417T180000");
    assert_local(o, ICAL_DTSTART_PROPERTY, "Europe/Berlin", "20260418T100000");
    assert_local(o, ICAL_DTEND_PROPERTY, "Europe/Berlin", "20260418T105000");
    assert_true(resolved_ms(o, ICAL_RECURRENCEID_PROPERTY) == T_OV_RID);
    assert_true(resolved_ms(o, ICAL_DTSTART_PROPERTY) == T_OV_START);
    assert_null(icalcomponent_get_first_property(o, ICAL_RRULE_PROPERTY));
    assert_non_null(icalcomponent_get_first_property(o, ICAL_ORGANIZER_PROPERTY));
    assert_non_null(icalcomponent_get_first_property(o, ICAL_ATTENDEE_PROPERTY));

    icalcomponent_free(cal);
    buf_free(&b);
}

static void cancel_cancels_series(void **state)
{
    struct ics_event ev = series();
    ev.sequence = 4;
    struct buf b = {0};
    buf_puts(&b, "prefix"); /* appends, never replaces */
    assert_int_equal(ics_build(&ev, ICS_CANCEL, &b), 0);
    assert_memory_equal(b.data, "prefixBEGIN:VCALENDAR\r\n", 23);
    struct buf only = {0};
    buf_puts(&only, b.data + 6);
    assert_lines_ok(&only);
    assert_non_null(strstr(only.data, "\r\nMETHOD:CANCEL\r\n"));
    assert_non_null(strstr(only.data, "\r\nSTATUS:CANCELLED\r\n"));

    icalcomponent *cal = parse(&only);
    assert_int_equal(icalcomponent_get_method(cal), ICAL_METHOD_CANCEL);
    assert_int_equal(count_components(cal, ICAL_VEVENT_COMPONENT), 1);
    icalcomponent *m = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    assert_string_equal(icalcomponent_get_uid(m), ev.uid);
    assert_int_equal(icalcomponent_get_sequence(m), 4);
    assert_int_equal(icalcomponent_get_status(m), ICAL_STATUS_CANCELLED);
    assert_null(icalcomponent_get_first_property(m, ICAL_RECURRENCEID_PROPERTY));
    assert_non_null(icalcomponent_get_first_property(m, ICAL_ATTENDEE_PROPERTY));
    icalcomponent_free(cal);
    buf_free(&only);
    buf_free(&b);
}

static void text_is_escaped(void **state)
{
    struct ics_event ev = series();
    ev.summary = "a, b; c\nd";
    ev.description = "back\\slash, \"quotes\"; windows\r\nline\rold mac\x01 bell";
    ev.location = "https://care.example/j/a;b,c";
    ev.organizer_name = "Praxis M\xc3\xbcller, Dr. \"Hans\"; Team:Nord";
    struct buf b = {0};
    assert_int_equal(ics_build(&ev, ICS_REQUEST, &b), 0);
    assert_lines_ok(&b);
    assert_non_null(strstr(b.data, "\r\nSUMMARY:a\\, b\\; c\\nd\r\n"));

    icalcomponent *cal = parse(&b);
    icalcomponent *m = find_event(cal, false);
    assert_string_equal(icalcomponent_get_summary(m), "a, b; c\nd");
    assert_string_equal(icalcomponent_get_description(m),
                        "back\\slash, \"quotes\"; windows\nline\nold mac bell");
    assert_string_equal(icalcomponent_get_location(m), ev.location);
    icalproperty *org = icalcomponent_get_first_property(m, ICAL_ORGANIZER_PROPERTY);
    assert_string_equal(cn(org), ev.organizer_name);
    icalcomponent_free(cal);
    buf_free(&b);
}

/* Long values of every length, mixing 1- to 4-byte characters: folded to 75 octets,
 * never inside a character, and read back unchanged. (They start and end with a letter:
 * libical's parser drops a value's leading and trailing spaces.) */
static void long_lines_fold(void **state)
{
    static const char *pieces[] = {"a", "\xc3\xbc", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " ",
                                   ",", ";"};
    for (int len = 1; len < 160; len++) {
        char text[160 * 4 + 3] = "x", name[160 * 4 + 3] = "y";
        for (int i = 0; i < len; i++) {
            strcat(text, pieces[(i * 3 + len) % 7]);
            strcat(name, pieces[(i * 3 + len) % 4]);
        }
        strcat(text, "x");
        struct ics_event ev = series();
        ev.summary = text;
        ev.description = text;
        ev.attendee_name = name;
        struct buf b = {0};
        assert_int_equal(ics_build(&ev, ICS_REQUEST, &b), 0);
        assert_lines_ok(&b);
        icalcomponent *cal = parse(&b);
        icalcomponent *m = find_event(cal, false);
        assert_string_equal(icalcomponent_get_summary(m), text);
        assert_string_equal(icalcomponent_get_description(m), text);
        icalproperty *att = icalcomponent_get_first_property(m, ICAL_ATTENDEE_PROPERTY);
        assert_string_equal(cn(att), name);
        icalcomponent_free(cal);
        buf_free(&b);
    }
}

static void other_zones(void **state)
{
    struct ics_event ev = series();
    ev.tz = "America/New_York"; /* EDT since 2026-03-08: 17:00Z is 13:00 */
    struct buf b = {0};
    assert_int_equal(ics_build(&ev, ICS_REQUEST, &b), 0);
    assert_lines_ok(&b);
    assert_non_null(strstr(b.data, "\r\nDTSTART;TZID=America/New_York:20260320T130000\r\n"));
    assert_non_null(strstr(b.data, "\r\nTZID:America/New_York\r\n"));
    icalcomponent *cal = parse(&b);
    assert_true(resolved_ms(find_event(cal, false), ICAL_DTSTART_PROPERTY) == T_START);
    icalcomponent_free(cal);
    buf_reset(&b);

    /* a zone without daylight saving */
    ev.tz = "Asia/Tokyo";
    assert_int_equal(ics_build(&ev, ICS_REQUEST, &b), 0);
    assert_non_null(strstr(b.data, "\r\nDTSTART;TZID=Asia/Tokyo:20260321T020000\r\n"));
    cal = parse(&b);
    assert_true(resolved_ms(find_event(cal, false), ICAL_DTSTART_PROPERTY) == T_START);
    icalcomponent_free(cal);
    buf_reset(&b);

    /* UTC: plain UTC times, no TZID, no VTIMEZONE */
    ev.tz = "UTC";
    assert_int_equal(ics_build(&ev, ICS_REQUEST, &b), 0);
    assert_lines_ok(&b);
    assert_non_null(strstr(b.data, "\r\nDTSTART:20260320T170000Z\r\n"));
    assert_non_null(strstr(b.data, "\r\nEXDATE:20260327T170000Z\r\n"));
    assert_non_null(strstr(b.data, "\r\nRECURRENCE-ID:20260417T160000Z\r\n"));
    assert_null(strstr(b.data, "TZID"));
    assert_null(strstr(b.data, "VTIMEZONE"));
    buf_free(&b);

    ev = series();
    ev.rrule = "FREQ=WEEKLY;UNTIL=20260601T000000Z";
    assert_int_equal(ics_build(&ev, ICS_REQUEST, &b), 0);
    assert_non_null(strstr(b.data, "\r\nRRULE:FREQ=WEEKLY;UNTIL=20260601T000000Z\r\n"));
    buf_free(&b);

    /* no recurrence at all */
    ev = series();
    ev.rrule = NULL;
    ev.exdate_count = 0;
    ev.override_count = 0;
    assert_int_equal(ics_build(&ev, ICS_REQUEST, &b), 0);
    assert_null(strstr(b.data, "\r\nRRULE:FREQ=WEEKLY"));
    assert_null(strstr(b.data, "EXDATE"));
    cal = parse(&b);
    assert_int_equal(count_components(cal, ICAL_VEVENT_COMPONENT), 1);
    icalcomponent_free(cal);
    buf_free(&b);
}

static void refusals(void **state)
{
    struct buf b = {0};
    struct ics_event ev;
#define REFUSED(change)                                                                            \
    do {                                                                                           \
        ev = series();                                                                             \
        change;                                                                                    \
        assert_int_equal(ics_build(&ev, ICS_REQUEST, &b), -EINVAL);                                \
        assert_int_equal(b.len, 0);                                                                \
    } while (0)
    REFUSED(ev.tz = "Mars/Olympus_Mons");
    REFUSED(ev.tz = "");
    REFUSED(ev.tz = NULL);
    REFUSED(ev.tz = "Europe/Berlin\n");
    REFUSED(ev.tz = "../../../../etc/passwd");
    REFUSED(ev.tz = "Europe/../Europe/Berlin");
    REFUSED(ev.tz = "/usr/share/zoneinfo/Europe/Berlin");
    REFUSED(ev.tz = "posixrules");
    REFUSED(ev.uid = NULL);
    REFUSED(ev.uid = "");
    REFUSED(ev.uid = "abc\r\nX-INJECT:1");
    REFUSED(ev.sequence = -1);
    REFUSED(ev.end_utc = ev.start_utc);
    REFUSED(ev.end_utc = ev.start_utc - 1);
    REFUSED(ev.rrule = "FREQ=SOMETIMES");
    REFUSED(ev.rrule = "FREQ=WEEKLY;COUNT=3;UNTIL=20260101T000000Z");
    REFUSED(ev.rrule = "FREQ=WEEKLY;COUNT=10\r\nX-INJECT:1");
    REFUSED(ev.rrule = "");
    REFUSED(ev.rrule = "FREQ=WEEKLY;UNTIL=20260601");        /* UNTIL must be a UTC */
    REFUSED(ev.rrule = "FREQ=WEEKLY;UNTIL=20260601T000000"); /* date-time */
    REFUSED(ev.rrule = NULL);                   /* EXDATEs and overrides need a series */
    REFUSED(ev.exdates_utc = NULL);             /* with a count */
    REFUSED(ev.overrides = NULL);               /* with a count */
    REFUSED(ev.summary = "bad \xc3\x28 utf-8"); /* invalid UTF-8 */
    REFUSED(ev.description = "\xed\xa0\x80");   /* a surrogate */
    REFUSED(ev.organizer_email = NULL);
    REFUSED(ev.organizer_email = "no-reply@care.example\r\nX: y");
    REFUSED(ev.attendee_email = "ada@example.org?subject=x");
    REFUSED(ev.attendee_email = "ada");
    REFUSED(ev.attendee_email = "a b@example.org");
    REFUSED(ev.attendee_name = "Ada\nLovelace");
    REFUSED(ev.organizer_name = "Harbour\r\nCounselling");
    static const struct ics_override backwards[] = {{T_OV_RID, T_OV_START, T_OV_START}};
    REFUSED(ev.overrides = backwards);
#undef REFUSED
    ev = series();
    assert_int_equal(ics_build(&ev, (enum ics_method)7, &b), -EINVAL);
    assert_int_equal(ics_build(NULL, ICS_REQUEST, &b), -EINVAL);
    assert_int_equal(ics_build(&ev, ICS_REQUEST, NULL), -EINVAL);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

int main(void)
{
    rand_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_round_trips), cmocka_unit_test(cancel_cancels_series),
        cmocka_unit_test(text_is_escaped),     cmocka_unit_test(long_lines_fold),
        cmocka_unit_test(other_zones),         cmocka_unit_test(refusals),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    icaltimezone_free_builtin_timezones();
    return rc;
}
