/* jurisdictions: where a client can be and where a practitioner can be licensed. Sans I/O:
 * const tables and a lookup.
 *
 * A jurisdiction is named by its key:
 *  - a US state or the District of Columbia: "US-" and its two-letter code ("US-CA",
 *    "US-DC"; the ISO 3166-2 code), 51 in all;
 *  - a country: its ISO 3166-1 alpha-2 code ("GB", "DE"), all 249 of the standard with
 *    their English short names as Debian's iso-codes spells them (the common name where it
 *    gives one: "South Korea", not "Korea, Republic of"). The US territories (Puerto Rico,
 *    Guam...) are there as the countries ISO lists them as ("PR", "GU"); "US" is the
 *    United States without a state, which no state licence covers.
 *
 * Keys are compared as stored: ASCII upper case, as jurisdiction_normalise gives them. */
#ifndef CONFIDE_PRACTICE_JURISDICTIONS_H
#define CONFIDE_PRACTICE_JURISDICTIONS_H
#include <stdbool.h>
#include <stddef.h>

/* "US-CA" and its NUL */
#define JURISDICTION_KEY_MAX 6

struct jurisdiction {
    const char *key;  /* "US-CA", "GB" */
    const char *name; /* "California", "United Kingdom" (UTF-8) */
};

/* The US states and DC in key order, and the countries in key order. */
const struct jurisdiction *jurisdictions_us_states(size_t *n);
const struct jurisdiction *jurisdictions_countries(size_t *n);

/* The jurisdiction a key names, whatever its case ("us-ca", "gb"); NULL when none. */
const struct jurisdiction *jurisdiction_find(const char *key);
/* The key in its stored form into out: 0, or -EINVAL (out left untouched) when the key
 * names no jurisdiction in the tables. */
int jurisdiction_normalise(const char *key, char out[JURISDICTION_KEY_MAX]);
/* Whether a (stored) key is a US state or DC. */
bool jurisdiction_is_us_state(const char *key);

#endif
