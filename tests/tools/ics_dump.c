/* ics_dump FILE: parses an iCalendar file with libical and prints what the tests check,
 * as JSON: {"method", "events": [{"uid", "sequence", "status", "dtstart", "tzid",
 * "dtend", "rrule", "exdates": [...], "recurrence_id", "attendee", "organizer"}],
 * "timezones": [...]}. Exits 1 when libical cannot parse the file. */
#include <jansson.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

static const char *param_tzid(icalproperty *p)
{
    icalparameter *tz = p ? icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER) : NULL;
    return tz ? icalparameter_get_tzid(tz) : NULL;
}

static json_t *time_json(icalproperty *p)
{
    if (!p)
        return json_null();
    return json_string(icalproperty_get_value_as_string(p));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ics_dump FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    icalcomponent *cal = icalparser_parse_string(text);
    if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
        fprintf(stderr, "not a VCALENDAR\n");
        return 1;
    }
    json_t *out = json_object();
    icalproperty *method = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
    json_object_set_new(out, "method",
                        method ? json_string(icalproperty_get_value_as_string(method))
                               : json_null());
    json_t *events = json_array(), *zones = json_array();
    for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
        if (icalcomponent_isa(c) == ICAL_VTIMEZONE_COMPONENT) {
            icalproperty *id = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
            json_array_append_new(zones, json_string(id ? icalproperty_get_tzid(id) : ""));
            continue;
        }
        if (icalcomponent_isa(c) != ICAL_VEVENT_COMPONENT)
            continue;
        icalproperty *start = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
        icalproperty *end = icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY);
        icalproperty *rrule = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
        icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
        icalproperty *status = icalcomponent_get_first_property(c, ICAL_STATUS_PROPERTY);
        icalproperty *seq = icalcomponent_get_first_property(c, ICAL_SEQUENCE_PROPERTY);
        icalproperty *att = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY);
        icalproperty *org = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY);
        json_t *exdates = json_array();
        for (icalproperty *x = icalcomponent_get_first_property(c, ICAL_EXDATE_PROPERTY); x;
             x = icalcomponent_get_next_property(c, ICAL_EXDATE_PROPERTY))
            json_array_append_new(exdates, json_string(icalproperty_get_value_as_string(x)));
        json_t *ev = json_pack(
            "{s:s,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "uid", icalcomponent_get_uid(c),
            "sequence", seq ? icalproperty_get_sequence(seq) : 0, "status",
            status ? json_string(icalproperty_get_value_as_string(status)) : json_null(),
            "dtstart", time_json(start), "tzid",
            param_tzid(start) ? json_string(param_tzid(start)) : json_null(), "dtend",
            time_json(end), "rrule",
            rrule ? json_string(icalproperty_get_value_as_string(rrule)) : json_null(),
            "exdates", exdates, "recurrence_id", time_json(rid), "attendee",
            att ? json_string(icalproperty_get_attendee(att)) : json_null(), "organizer",
            org ? json_string(icalproperty_get_organizer(org)) : json_null());
        json_array_append_new(events, ev);
    }
    json_object_set_new(out, "events", events);
    json_object_set_new(out, "timezones", zones);
    char *s = json_dumps(out, JSON_COMPACT);
    puts(s);
    free(s);
    json_decref(out);
    icalcomponent_free(cal);
    return 0;
}
