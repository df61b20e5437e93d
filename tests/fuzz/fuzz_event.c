/* Fuzzes the reading of events between nodes (store/events.c): their text arrives from the
 * database (PostgreSQL's NOTIFY), which any node, or anyone able to NOTIFY on it, writes.
 * What is accepted must format back to text that reads as the same event. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct store_event *a, const struct store_event *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case STORE_EVENT_REVOKED:
        return a->client_id == b->client_id && a->user_id == b->user_id;
    case STORE_EVENT_WAITING:
        return a->occurrence_id == b->occurrence_id && a->series_id == b->series_id &&
               a->count == b->count && a->staff_count == b->staff_count &&
               memcmp(a->staff, b->staff, (size_t)a->staff_count * sizeof a->staff[0]) == 0;
    case STORE_EVENT_WAITING_ASKED:
        return 1;
    case STORE_EVENT_THROTTLE:
        return strcmp(a->node, b->node) == 0 && strcmp(a->throttle, b->throttle) == 0 &&
               a->failed == b->failed && memcmp(a->digest, b->digest, sizeof a->digest) == 0;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[STORE_EVENT_MAX + 64];
    if (size >= sizeof text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct store_event e, again;
    if (store_event_parse(text, &e) < 0)
        return 0;
    char formatted[STORE_EVENT_MAX + 1];
    store_event_format(&e, formatted);
    if (store_event_parse(formatted, &again) < 0 || !same(&e, &again))
        abort();
    return 0;
}
