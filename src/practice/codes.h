/* codes: the codes a claim is written in. Sans I/O: strings in, checked and normalised
 * strings out, and const tables the storage seeds from and the pages pick from.
 *
 * ICD-10-CM diagnosis codes (icd10_normalise) have this shape, checked and nothing more
 * (a code of the right shape may still not exist):
 *   - a letter, a digit, then a letter or a digit: the category ("F32", "F43");
 *   - then, optionally, a dot and 1 to 4 letters or digits ("F43.10", "T74.11XA"); the
 *     dot may be left out ("f4310" is "F43.10"); a dot with nothing after it, a second
 *     dot, or a dot anywhere else is refused;
 *   - spaces and tabs before and after are dropped, letters are made upper case; nothing
 *     else is accepted (no inner spaces, no other punctuation).
 * So a code is 3 to 8 characters as stored ("F43.1234" at most).
 *
 * CPT service codes (cpt_valid): exactly five ASCII digits. (Category II and III codes,
 * four digits and a letter, are not services this practice bills.)
 *
 * Telehealth place of service and modifier (telehealth_coding), from where the client said
 * they were for that session:
 *   - at home: POS "10" (telehealth provided in the patient's home);
 *   - not at home: POS "02" (telehealth provided other than in the patient's home);
 *   - did not say: POS "02" — claiming the home setting asserts something the client did
 *     not tell us, and "02" is the code that makes no claim about a home;
 * and modifier "95" (synchronous telemedicine by real-time audio and video) always, as
 * every confide session is one. */
#ifndef CONFIDE_PRACTICE_CODES_H
#define CONFIDE_PRACTICE_CODES_H
#include <stddef.h>

/* "F43.1234" and its NUL */
#define ICD10_CODE_MAX 9
#define CPT_CODE_LEN 5

struct icd10_entry {
    const char *code;  /* normalised: "F43.10" */
    const char *title; /* the ICD-10-CM title */
};

struct cpt_service {
    const char *code;        /* "90834" */
    const char *description; /* what the statement prints */
    int minutes;             /* the default duration */
};

enum client_location {
    CLIENT_AT_HOME,
    CLIENT_NOT_AT_HOME,
    CLIENT_LOCATION_UNKNOWN,
};

struct telehealth_coding {
    const char *place_of_service; /* "10" or "02" */
    const char *modifier;         /* "95" */
};

/* The code in its stored form into out: 0, or -EINVAL (out left untouched) when the text
 * does not have the shape above. */
int icd10_normalise(const char *text, char out[ICD10_CODE_MAX]);

/* The built-in list of common mental-health codes, in code order. */
const struct icd10_entry *icd10_common(size_t *n);
/* The entry of the built-in list a code names (in any form icd10_normalise takes); NULL
 * when the code is not in it. */
const struct icd10_entry *icd10_lookup(const char *code);
/* For a picker: the entries of the built-in list whose code or title contains every word
 * of the query (words split on spaces, compared ignoring ASCII case), in list order; at
 * most max of them into out. Returns how many matched in all (may exceed max). An empty
 * query matches every entry. */
size_t icd10_search(const char *query, const struct icd10_entry **out, size_t max);

/* Whether text is a CPT code: exactly five digits. */
int cpt_valid(const char *text);
/* The psychotherapy services a new practice starts with, in code order. */
const struct cpt_service *cpt_seed_services(size_t *n);
/* The seed service a code names; NULL when none. */
const struct cpt_service *cpt_seed_lookup(const char *code);

/* The place of service and modifier for a session from where the client said they were. */
struct telehealth_coding telehealth_coding(enum client_location where);
/* "home", "not_home", "unknown" — and back; -1 for a name that is none. */
const char *client_location_name(enum client_location where);
int client_location_parse(const char *name);

/* The CPT code a session is billed under when its series names no service: a group's
 * sessions 90853 (group psychotherapy); a one-to-one session's by its length in minutes, as
 * the psychotherapy codes' time rule has it: up to 37 minutes 90832, 38 to 52 90834, 53 and
 * more 90837. */
const char *cpt_by_rule(int group, int minutes);
/* Whether text is a National Provider Identifier: exactly ten digits, the last the Luhn
 * check digit of the first nine with the prefix 80840 before them (as the NPI standard
 * computes it). */
int npi_valid(const char *text);

#endif
