/* limits: every length limit on text a person types, named once. Lengths are in characters
 * (Unicode code points), never bytes: "Zoë" is 3. The server checks them with
 * text_length_ok; the web pages carry the same numbers as maxlength, and a unit test
 * (tests/unit/test_rules.c) reads the pages in web/ and fails when a maxlength differs from the
 * constant named for its field here. (A browser counts maxlength in UTF-16 code units, so
 * it can only be stricter than the server, for characters outside the BMP such as emoji.) */
#ifndef CONFIDE_CORE_LIMITS_H
#define CONFIDE_CORE_LIMITS_H
#include <stdbool.h>
#include <stddef.h>

#define LIMIT_DISPLAY_NAME 100    /* the name a person joins a meeting under (join page) */
#define LIMIT_NAME 200            /* a practitioner's, client's or group's name */
#define LIMIT_TITLE 200           /* a session's or poll's title */
#define LIMIT_DESCRIPTION 2000    /* a group's description */
#define LIMIT_AGREEMENT 10000     /* a group's agreement */
#define LIMIT_CHAT 2000           /* one chat message in a meeting */
#define LIMIT_WAITING_MESSAGE 500 /* the host's message to someone in the waiting room */
#define LIMIT_EMAIL 254           /* an email address (RFC 5321 4.5.3.1.3); see core/email.h */
#define LIMIT_PHONE 40            /* a client's (or emergency contact's) phone number */
#define LIMIT_RELATIONSHIP 100    /* how an emergency contact is related ("partner") */
#define LIMIT_REASON 1000         /* why an administrator used emergency access */
#define LIMIT_MESSAGE 4000        /* one secure message between sessions, either way */
#define LIMIT_AVAILABILITY 300    /* a practitioner's availability note ("I reply within…") */
#define LIMIT_MOOD_WORD 40        /* the word for a feeling, in a mood check-in */
#define LIMIT_MFA_CODE 20         /* a code typed at two-step sign-in (6 digits, or a recovery code) */
/* group intake (api/intake.c): a screening question, an answer to one, preferred times */
#define LIMIT_INTAKE_QUESTION 300
#define LIMIT_INTAKE_ANSWER 2000
#define LIMIT_INTAKE_TIMES 500

/* A limit as a string literal, for messages: LIMIT_TEXT(LIMIT_NAME) is "200". */
#define LIMIT_TEXT(n) LIMIT_TEXT_(n)
#define LIMIT_TEXT_(n) #n

/* s is valid UTF-8 of min to max characters (NULL is not). */
bool text_length_ok(const char *s, size_t min, size_t max);

#endif
