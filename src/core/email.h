/* email: the one rule for an email address. The API checks what people enter with it, and
 * the composer, the invitation writer and the SMTP client check what they are given with the
 * same function, so an address the API accepts is one confide can send to.
 *
 * The rule: plain ASCII (confide does not speak SMTPUTF8, RFC 6531: neither its MIME
 * headers nor the mailto: URIs of invitations could carry other characters), at most 254
 * characters; a local part of at most 64 characters that is a dot-atom (RFC 5322 3.2.3) of
 * letters, digits and ! $ & ' * + - / = ^ _ ` { | } ~ (not % ? #, which mean something in a
 * mailto: URI), with single dots between runs; "@"; a host name with at least one dot, of
 * labels of letters, digits and inner hyphens (at most 63 each). No quoted local parts, no
 * address literals ("[192.0.2.1]"), no spaces, no comments, no display names. */
#ifndef CONFIDE_CORE_EMAIL_H
#define CONFIDE_CORE_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/limits.h"

enum email_problem {
    EMAIL_OK = 0,
    EMAIL_EMPTY,      /* NULL or "" */
    EMAIL_TOO_LONG,   /* over LIMIT_EMAIL characters, or over 64 before the "@" */
    EMAIL_NOT_ASCII,  /* a byte from 0x80 up: "zoë@example.org" */
    EMAIL_NO_AT,      /* not exactly one "@" */
    EMAIL_LOCAL_PART, /* before the "@": empty, a space or other character not allowed, ".." */
    EMAIL_DOMAIN,     /* after the "@": empty, no dot, not a host name */
};

/* 0 (EMAIL_OK) if s follows the rule above, else the first problem found. */
enum email_problem email_check(const char *s);

/* The pieces, for what else names a host or an atom (Message-IDs in mail/compose): a
 * dot-atom of s[0..n) (mailto: without % ? #, as in an address), and a DNS host name (labels
 * of letters, digits and inner hyphens, at most 253 characters; no dot needed). */
bool email_dot_atom_ok(const char *s, size_t n, bool mailto);
bool email_host_ok(const char *s, size_t n);

/* A sentence for a person about the problem, starting "Please give a valid email address." */
const char *email_problem_message(enum email_problem problem);

/* The form addresses are compared in (an account's sign-in look-up, throttle keys): white
 * space around it dropped, ASCII letters in lower case. Replaces out's contents. */
void email_normalise(const char *s, struct buf *out);

#endif
