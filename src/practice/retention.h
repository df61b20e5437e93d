/* retention: how long records about a client are kept after the client asked to be erased.
 * Sans I/O: times in, times out. A clinical record is held for the practice's retention
 * period (retention_years) counted from its own date, in whole calendar days: the hold ends
 * at the first midnight (UTC) after the same date that many years later, so a record is
 * never let go early. A date that year does not have (29 February) counts as 28 February. */
#ifndef CONFIDE_PRACTICE_RETENTION_H
#define CONFIDE_PRACTICE_RETENTION_H
#include <stdint.h>

#define RETENTION_YEARS_MAX 100

/* When the hold on a record dated record_ms ends (ms since the epoch, UTC). */
int64_t retention_held_until(int64_t record_ms, int years);
/* Whether the hold on a record dated record_ms has ended at now_ms. */
int retention_due(int64_t record_ms, int years, int64_t now_ms);
/* The first record date still held at now_ms: a record is due exactly when its date is
 * before this (what the purge's SQL compares with). */
int64_t retention_cutoff(int64_t now_ms, int years);

#endif
