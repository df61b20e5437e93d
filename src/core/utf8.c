#include "core/utf8.h"

#include <assert.h>
#include <string.h>

bool utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s;
        if (c < 0x80) {
            s++;
            continue;
        }
        int n;
        unsigned min, cp;
        if ((c & 0xe0) == 0xc0) {
            n = 1, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        for (int i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        s += n + 1;
    }
    return true;
}

size_t utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* The next code point of valid UTF-8 and its length in bytes. */
static uint32_t next_code_point(const unsigned char *s, size_t *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    size_t n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : 4;
    uint32_t cp = s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3f);
    *len = n;
    return cp;
}

static bool invisible(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x61c ||
           (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff;
}

static bool space(uint32_t cp)
{
    return cp == ' ' || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
           (cp >= 0x09 && cp <= 0x0d);
}

size_t utf8_clean_name(const char *in, char *out, size_t cap)
{
    assert(in && out && cap > 0 && utf8_valid(in));
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    bool pending_space = false;
    while (*s) {
        size_t len;
        uint32_t cp = next_code_point(s, &len);
        if (space(cp)) {
            pending_space = o > 0;
        } else if (!invisible(cp)) {
            size_t need = len + (pending_space ? 1 : 0);
            if (o + need >= cap)
                break;
            if (pending_space)
                out[o++] = ' ';
            memcpy(out + o, s, len);
            o += len;
            pending_space = false;
        }
        s += len;
    }
    out[o] = 0;
    assert(utf8_valid(out));
    return o;
}

bool utf8_same_name(const char *a, const char *b)
{
    char x[1024], y[1024];
    size_t n = utf8_clean_name(a, x, sizeof x), m = utf8_clean_name(b, y, sizeof y);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++) {
        char p = x[i] >= 'A' && x[i] <= 'Z' ? (char)(x[i] + 32) : x[i];
        char q = y[i] >= 'A' && y[i] <= 'Z' ? (char)(y[i] + 32) : y[i];
        if (p != q)
            return false;
    }
    return true;
}
