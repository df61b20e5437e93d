#include "core/limits.h"

#include <string.h>

#include "core/utf8.h"

bool text_length_ok(const char *s, size_t min, size_t max)
{
    if (!s || !utf8_valid(s))
        return false;
    size_t chars = utf8_length(s, strlen(s));
    return chars >= min && chars <= max;
}
