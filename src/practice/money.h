/* money: amounts as people write and read them. Sans I/O. An amount is integer cents in
 * the practice's one currency (billing_currency, an ISO 4217 code); nothing is ever a
 * fraction of a cent.
 *
 *  - money_parse reads what a form or the settings file says: digits, optionally a dot and
 *    one or two digits ("75", "75.5", "75.50"); thousands separators, signs, spaces inside
 *    and a third decimal are refused. Spaces before and after are dropped. At most
 *    FEE_MAX_CENTS (practice/fees.h).
 *  - money_format writes cents for a statement: the sign, the currency's symbol where it has
 *    a common one (USD, CAD, AUD, NZD "$", EUR "€", GBP "£"), a comma every three digits
 *    and two decimals: "$1,234.50", "-$5.00"; other currencies as "1,234.50 CHF". */
#ifndef CONFIDE_PRACTICE_MONEY_H
#define CONFIDE_PRACTICE_MONEY_H
#include <stdbool.h>
#include <stdint.h>

/* "-$9,223,372,036,854,775.80 XXX" fits */
#define MONEY_TEXT_MAX 40

/* 0, or -EINVAL (out untouched). */
int money_parse(const char *text, int64_t *out);
/* Three upper-case ASCII letters. */
bool money_currency_valid(const char *code);
void money_format(int64_t cents, const char *currency, char out[MONEY_TEXT_MAX]);
/* cents as "1234.50" (no symbol, no separators, "-" when negative): CSV and forms. */
void money_plain(int64_t cents, char out[MONEY_TEXT_MAX]);

#endif
