/* notes: the rules of a practitioner's private notes about a session, sans I/O.
 *
 * A note is written for one occurrence of a session: about one client (a one-to-one
 * session's client, or a group member who attended) or, for a group, about the group
 * itself. It follows a template — a fixed set of named sections:
 *  - SOAP: Subjective, Objective, Assessment, Plan;
 *  - DAP: Data, Assessment, Plan;
 *  - free: one body of free text.
 * A note is a draft until it is signed. A draft changes only at the version its writer last
 * saw (two windows on the same draft cannot silently overwrite each other); signing locks
 * it for good, and after that only addenda are added — each one itself unchangeable. */
#ifndef CONFIDE_PRACTICE_NOTES_H
#define CONFIDE_PRACTICE_NOTES_H
#include <stddef.h>
#include <stdint.h>

#define NOTE_MAX_SECTIONS 4
/* characters (not bytes) in one section, and in one addendum: a page saves the sections
 * it changed, so one request stays under the default body limit (max_body_bytes) */
#define NOTE_SECTION_MAX 10000
#define NOTE_ADDENDUM_MAX 5000

enum note_template { NOTE_SOAP, NOTE_DAP, NOTE_FREE, NOTE_TEMPLATES };

struct note_section {
    const char *key;   /* in the API: "subjective", ... */
    const char *label; /* on the page: "Subjective", ... */
};

/* "soap", "dap", "free" */
const char *note_template_name(enum note_template t);
/* The template a name stands for; -1 when it is none. */
int note_template_from_name(const char *name);
/* The template's sections, in the order they are written; *n is how many. */
const struct note_section *note_template_sections(enum note_template t, size_t *n);
/* The index of section `key` in the template, or -1 when the template has none by that name. */
int note_section_index(enum note_template t, const char *key);

/* Is this text fit for a section (max NOTE_SECTION_MAX) or an addendum (NOTE_ADDENDUM_MAX)?
 * Valid UTF-8, at most max characters, and no control characters but line breaks and tabs.
 * 0 when it is; -EINVAL when not UTF-8 or with a control character; -E2BIG when too long. */
int note_text_check(const char *text, size_t len, size_t max);

/* What a note is now, as far as its rules go. */
struct note_state {
    int64_t version;   /* 1 at creation; every saved change and the signature add 1 */
    int64_t signed_at; /* 0: a draft */
    int nonempty;      /* some section holds more than white space */
};

enum note_verdict {
    NOTE_OK = 0,
    NOTE_LOCKED,   /* signed: nothing changes but addenda (409 note_signed) */
    NOTE_CONFLICT, /* changed since the version given (409 version_conflict) */
    NOTE_EMPTY,    /* nothing written: nothing to sign (409 note_empty) */
    NOTE_DRAFT,    /* an addendum is for a signed note; a draft is simply edited (409) */
};

/* May the draft be changed by someone who last saw `seen_version`? */
enum note_verdict note_may_edit(const struct note_state *s, int64_t seen_version);
/* May it be signed by someone who last saw `seen_version`? */
enum note_verdict note_may_sign(const struct note_state *s, int64_t seen_version);
/* May an addendum be added? */
enum note_verdict note_may_add_addendum(const struct note_state *s);

/* The state after a change that was allowed: the version moves on; a signature sets
 * signed_at (now, which is never 0). */
void note_after_edit(struct note_state *s);
void note_after_sign(struct note_state *s, int64_t now);

#endif
