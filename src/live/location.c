/* location: the client's answer to "Where are you right now?" (location.h). */
#include "live/location.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/utf8.h"

/* C0 controls, DEL, and C1 controls (U+0080–U+009F, 0xC2 0x80–0x9F in UTF-8) */
static int has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return 1;
    return 0;
}

/* A string field: 1 with *text; 0 when missing or null; -1 when something else. */
static int string_field(const json_t *msg, const char *key, const char **text)
{
    const json_t *v = json_object_get(msg, key);
    *text = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return -1; /* not a string, or one with a NUL inside */
    *text = json_string_value(v);
    return 1;
}

int live_location_parse(const json_t *msg, struct live_location *out, const char **message)
{
    memset(out, 0, sizeof *out);
    out->place = CLIENT_LOCATION_UNKNOWN;
    const char *text;
    int has = string_field(msg, "jurisdiction", &text);
    if (has < 0 || (has > 0 && *text && jurisdiction_normalise(text, out->jurisdiction) < 0)) {
        *message = "Please choose where you are from the list, or leave it empty.";
        return -EINVAL;
    }
    has = string_field(msg, "place", &text);
    int place = has > 0 ? client_location_parse(text) : has == 0 ? CLIENT_LOCATION_UNKNOWN : -1;
    if (place < 0) {
        *message = "Please say whether you are at home, or leave it empty.";
        return -EINVAL;
    }
    out->place = (enum client_location)place;
    has = string_field(msg, "emergency", &text);
    if (has < 0 || (has > 0 && !text_length_ok(text, 0, LOCATION_EMERGENCY_MAX))) {
        *message = "The address is at most " LIMIT_TEXT(LOCATION_EMERGENCY_MAX) " characters.";
        return -EINVAL;
    }
    if (has > 0 && has_control(text)) {
        *message = "Please write the address on one line, without special characters.";
        return -EINVAL;
    }
    if (has > 0)
        utf8_clean_name(text, out->emergency, sizeof out->emergency);
    assert(strlen(out->emergency) < sizeof out->emergency);
    return 0;
}

const char *live_location_warning(const char *jurisdiction, const char *name, int flagged,
                                  char *buf, size_t cap)
{
    if (!flagged)
        return NULL;
    const struct jurisdiction *j =
        jurisdiction && *jurisdiction ? jurisdiction_find(jurisdiction) : NULL;
    if (j)
        snprintf(buf, cap, "No licence recorded for %s on this date.", j->name);
    else
        snprintf(buf, cap, "%s did not say where they are.", name && *name ? name : "The client");
    return buf;
}
