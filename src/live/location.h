/* location: "Where are you right now?", the client's answer on the meeting socket. Sans I/O:
 * a message in, the answer checked and in its stored form out (docs/PROTOCOL.md,
 * "Where the client is"; docs/BILLING.md).
 *
 *   {"type":"location","jurisdiction":"US-CA","place":"home","emergency":"12 Oak St"}
 *
 * - jurisdiction: a key of practice/jurisdictions.h in any case, kept as stored ("US-CA");
 *   missing, null or "" is "did not say";
 * - place: "home", "not_home" or "unknown" (practice/codes.h); missing or null is "unknown";
 * - emergency: an address where help could reach them, at most LOCATION_EMERGENCY_MAX
 *   characters of UTF-8 without control characters; bidi controls and invisible
 *   formatting are dropped and runs of white space made one space (core/utf8.h,
 *   utf8_clean_name), so what the host reads is what was typed; missing, null or only
 *   spaces is none. */
#ifndef CONFIDE_LIVE_LOCATION_H
#define CONFIDE_LIVE_LOCATION_H
#include <jansson.h>

#include "practice/codes.h"
#include "practice/jurisdictions.h"

#define LOCATION_EMERGENCY_MAX 300 /* characters */

struct live_location {
    char jurisdiction[JURISDICTION_KEY_MAX]; /* "" when they did not say */
    enum client_location place;
    char emergency[LOCATION_EMERGENCY_MAX * 4 + 1]; /* "" when none */
};

/* 0 with *out, or -EINVAL with *message, a sentence for the client (out then undefined). */
int live_location_parse(const json_t *msg, struct live_location *out, const char **message);

/* The hosts' warning about a client's answer when the licence check flagged it: "You have
 * no licence recorded for Nevada on this date." or "<name> did not say where they are.";
 * NULL when not flagged. Written into buf (cap bytes). */
const char *live_location_warning(const char *jurisdiction, const char *name, int flagged,
                                  char *buf, size_t cap);

#endif
