/* licences: where a practitioner is licensed on a day, and the expiry reminders
 * (licences.h). */
#include "practice/licences.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "core/calendar.h"

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int civil_date_make(int year, int month, int day, int32_t *out)
{
    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > calendar_days_in_month(year, month))
        return -EINVAL;
    *out = (int32_t)calendar_days_from_civil(year, month, day);
    return 0;
}

int civil_date_parse(const char *text, int32_t *out)
{
    if (!text || strlen(text) != CIVIL_DATE_LEN - 1 || text[4] != '-' || text[7] != '-')
        return -EINVAL;
    int y = digits(text, 4), m = digits(text + 5, 2), d = digits(text + 8, 2);
    if (y < 0 || m < 0 || d < 0)
        return -EINVAL;
    return civil_date_make(y, m, d, out);
}

/* v's last n decimal digits, zero-padded (v >= 0) */
static void put_digits(char *out, int v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
}

void civil_date_format(int32_t day, char out[CIVIL_DATE_LEN])
{
    int64_t y;
    int m, d;
    calendar_civil_from_days(day, &y, &m, &d);
    assert(y >= 0 && y <= 9999);
    put_digits(out, (int)y, 4);
    out[4] = '-';
    put_digits(out + 5, m, 2);
    out[7] = '-';
    put_digits(out + 8, d, 2);
    out[10] = '\0';
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The first licence valid on day in jurisdiction, or -1. */
static ptrdiff_t valid_licence(const struct licence *licences, size_t nl, const char *jurisdiction,
                               int32_t day)
{
    for (size_t i = 0; i < nl; i++)
        if (day <= licences[i].expires && same(licences[i].jurisdiction, jurisdiction))
            return (ptrdiff_t)i;
    return -1;
}

static bool member(const struct licence_compact *c, const char *jurisdiction)
{
    for (size_t i = 0; i < c->n_members; i++)
        if (same(c->members[i], jurisdiction))
            return true;
    return false;
}

/* A licence valid on day in a member of the compact: the home licence the compact's
 * privilege stands on (one in the client's own jurisdiction was already direct). */
static bool home_licence(const struct licence_compact *c, const struct licence *licences, size_t nl,
                         int32_t day)
{
    for (size_t i = 0; i < c->n_members; i++)
        if (valid_licence(licences, nl, c->members[i], day) >= 0)
            return true;
    return false;
}

enum licence_cover licensed_in(const struct licence *licences, size_t nl,
                               const struct licence_compact *compacts, size_t nc,
                               const char *jurisdiction, int32_t day, size_t *which)
{
    assert(licences || nl == 0);
    assert(compacts || nc == 0);
    if (!jurisdiction || !*jurisdiction)
        return LICENCE_NOT_COVERED;
    ptrdiff_t direct = valid_licence(licences, nl, jurisdiction, day);
    if (direct >= 0) {
        if (which)
            *which = (size_t)direct;
        return LICENCE_DIRECT;
    }
    for (size_t i = 0; i < nc; i++) {
        const struct licence_compact *c = &compacts[i];
        assert(c->valid_from <= c->valid_until);
        if (day < c->valid_from || day > c->valid_until || !member(c, jurisdiction))
            continue;
        if (home_licence(c, licences, nl, day)) {
            if (which)
                *which = i;
            return LICENCE_THROUGH_COMPACT;
        }
    }
    return LICENCE_NOT_COVERED;
}

bool licence_occurrence_flagged(const struct licence *licences, size_t nl,
                                const struct licence_compact *compacts, size_t nc,
                                const char *jurisdiction, int32_t day)
{
    return licensed_in(licences, nl, compacts, nc, jurisdiction, day, NULL) == LICENCE_NOT_COVERED;
}

enum licence_reminder licence_reminder_due(int32_t expires, int32_t today, unsigned sent)
{
    int64_t left = (int64_t)expires - today;
    if (left < 0 || left > LICENCE_REMIND_FIRST_DAYS)
        return LICENCE_REMIND_NONE;
    if (left <= LICENCE_REMIND_LAST_DAYS)
        return sent & LICENCE_SENT_14 ? LICENCE_REMIND_NONE : LICENCE_REMIND_14;
    return sent & (LICENCE_SENT_60 | LICENCE_SENT_14) ? LICENCE_REMIND_NONE : LICENCE_REMIND_60;
}
