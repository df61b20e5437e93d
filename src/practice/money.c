/* money: parsing and formatting amounts (money.h). */
#include "practice/money.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "practice/fees.h"

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int money_parse(const char *text, int64_t *out)
{
    if (!text)
        return -EINVAL;
    const char *p = skip_blanks(text);
    int64_t units = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        units = units * 10 + (*p - '0');
        if (units > FEE_MAX_CENTS / 100)
            return -EINVAL;
    }
    if (digits == 0)
        return -EINVAL;
    int64_t cents = 0;
    if (*p == '.') {
        p++;
        int decimals = 0;
        for (; *p >= '0' && *p <= '9'; p++, decimals++) {
            if (decimals == 2)
                return -EINVAL;
            cents = cents * 10 + (*p - '0');
        }
        if (decimals == 0)
            return -EINVAL;
        if (decimals == 1)
            cents *= 10;
    }
    if (*skip_blanks(p) != '\0')
        return -EINVAL;
    int64_t total = units * 100 + cents;
    if (total > FEE_MAX_CENTS)
        return -EINVAL;
    *out = total;
    return 0;
}

bool money_currency_valid(const char *code)
{
    if (!code || strlen(code) != 3)
        return false;
    for (int i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z')
            return false;
    return true;
}

static const char *symbol_of(const char *currency)
{
    static const struct {
        const char *code, *symbol;
    } symbols[] = {{"USD", "$"}, {"CAD", "$"}, {"AUD", "$"}, {"NZD", "$"},
                   {"EUR", "\u20ac"}, {"GBP", "\u00a3"}};
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (currency && strcmp(currency, symbols[i].code) == 0)
            return symbols[i].symbol;
    return NULL;
}

/* |cents| as "1,234.50" */
static void grouped(uint64_t magnitude, char *out, size_t cap)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)(magnitude / 100));
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    assert(o + 4 <= cap);
    snprintf(out + o, cap - o, ".%02u", (unsigned)(magnitude % 100));
}

void money_format(int64_t cents, const char *currency, char out[MONEY_TEXT_MAX])
{
    /* the magnitude of INT64_MIN is one more than INT64_MAX: unsigned arithmetic */
    uint64_t magnitude = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    char number[32];
    grouped(magnitude, number, sizeof number);
    const char *symbol = symbol_of(currency);
    const char *sign = cents < 0 ? "-" : "";
    if (symbol)
        snprintf(out, MONEY_TEXT_MAX, "%s%s%s", sign, symbol, number);
    else if (money_currency_valid(currency))
        snprintf(out, MONEY_TEXT_MAX, "%s%s %s", sign, number, currency);
    else
        snprintf(out, MONEY_TEXT_MAX, "%s%s", sign, number);
}

void money_plain(int64_t cents, char out[MONEY_TEXT_MAX])
{
    uint64_t magnitude = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    snprintf(out, MONEY_TEXT_MAX, "%s%llu.%02u", cents < 0 ? "-" : "",
             (unsigned long long)(magnitude / 100), (unsigned)(magnitude % 100));
}
