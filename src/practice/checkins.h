/* checkins: which measures (practice/measures.h) a client is asked before a session. Sans
 * I/O: the practitioner's choices and what was answered in, a set of measures out.
 *
 * A set is a bit mask, one bit per enum measure_kind. The choice is kept as a comma list
 * of measure names ("phq9,gad7,mood"; "" for none).
 *
 * Which choice applies: in a one-to-one session, the client's own; in a group session, the
 * group's (a client in several groups has one choice per group, so the session says
 * which). A client's choice never reaches their group sessions, and a group's never their
 * one-to-one sessions. Each measure is asked once per occurrence: what the client answered
 * for it already is not asked again (a rejoin, a second window). */
#ifndef CONFIDE_PRACTICE_CHECKINS_H
#define CONFIDE_PRACTICE_CHECKINS_H
#include <stddef.h>

#include "practice/measures.h"

#define CHECKINS_ALL ((1u << MEASURE_KINDS) - 1)

/* Parses a comma list of names into *set: 0, or -EINVAL for an unknown name or a repeat. */
int checkins_parse(const char *list, unsigned *set);
/* Writes the set as a comma list into out (cap >= 16 always fits); returns out. */
char *checkins_format(unsigned set, char *out, size_t cap);
/* What the client is asked before this occurrence: the choice that applies, less what they
 * answered for it already. */
unsigned checkins_due(int group_session, unsigned client_choice, unsigned group_choice,
                      unsigned answered);

#endif
