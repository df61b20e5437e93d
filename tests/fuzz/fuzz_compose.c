/* Fuzzes mail composition with every field from the input (split on NUL bytes): whatever
 * the fields, the composer either refuses (and appends nothing) or writes a message whose
 * header cannot be injected into: CRLF line ends only, no line over 998 octets, exactly the
 * header fields it writes and each once, and a blank line before the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/compose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next NUL-terminated field of the input, or NULL when it ran out. */
static const char *field(const char **p, const char *end)
{
    if (*p >= end)
        return NULL;
    const char *f = *p;
    const char *nul = memchr(f, 0, (size_t)(end - f));
    *p = nul ? nul + 1 : end;
    return f;
}

static size_t count_header(const char *msg, size_t header_len, const char *name)
{
    size_t n = 0, len = strlen(name);
    for (size_t i = 0; i + len <= header_len; i++)
        if ((i == 0 || msg[i - 1] == '\n') && strncmp(msg + i, name, len) == 0)
            n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the input as text with a final NUL, so the last field ends too */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    const char *p = text, *end = text + size + 1;
    const char *f[9];
    for (int i = 0; i < 9; i++)
        f[i] = field(&p, end);
    struct mail_attachment cal = {
        .filename = f[7], .content_type = f[8], .data = "BEGIN:VCALENDAR", .len = 15};
    struct mail_message m = {
        .from_name = f[0],
        .from_email = f[1] ? f[1] : "no-reply@care.example",
        .to_name = f[2],
        .to_email = f[3] ? f[3] : "sam@mail.example",
        .subject = f[4],
        .message_id = f[5] ? f[5] : "abc@care.example",
        .date_utc = size > 2 ? (int64_t)data[0] << 40 | (int64_t)data[1] << 24 : 0,
        .text = f[6],
        .calendar = f[8] ? &cal : NULL,
    };
    struct buf out = {0};
    buf_puts(&out, "");
    int rc = mail_compose(&m, &out);
    if (rc < 0) {
        if (out.len != 0)
            abort(); /* a refusal appends nothing */
    } else {
        const char *msg = out.data;
        const char *blank = strstr(msg, "\r\n\r\n");
        if (!blank)
            abort();
        size_t header_len = (size_t)(blank - msg) + 2;
        size_t line = 0;
        for (size_t i = 0; i < out.len; i++) {
            if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
                abort(); /* a bare LF */
            if (msg[i] == '\r' && (i + 1 >= out.len || msg[i + 1] != '\n'))
                abort(); /* a bare CR */
            line = msg[i] == '\n' ? 0 : line + 1;
            if (line > 998)
                abort();
        }
        static const char *const once[] = {
            "From:", "To:", "Subject:", "Message-ID:", "Date:", "MIME-Version:"};
        for (size_t i = 0; i < sizeof once / sizeof once[0]; i++)
            if (count_header(msg, header_len, once[i]) > 1)
                abort(); /* a second one was smuggled in */
        if (count_header(msg, header_len, "Bcc:") || count_header(msg, header_len, "Cc:"))
            abort();
    }
    buf_free(&out);
    free(text);
    return 0;
}
