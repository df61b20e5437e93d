/* Where clients said they were at each session (store.h). The emergency address is sealed
 * for its row; an answer given again for the same occurrence replaces the first in place.
 * The licences and compacts it is checked against are licences.c's. */
#include <assert.h>
#include <errno.h>

#include "store/internal.h"

int store_session_location_put(struct store *s, struct store_session_location *l)
{
    assert(l->occurrence_id > 0 && l->client_id > 0 && l->place && l->jurisdiction);
    int64_t row = 0;
    struct store_value key[] = {P_INT(l->occurrence_id), P_INT(l->client_id)};
    int rc = store_run(s, Q_LOCATION_ID, key, NPARAMS(key), store_first_int, &row, NULL);
    int existing = row > 0;
    if (rc == 0 && !existing)
        rc = store_next_id(s, Q_LOCATION_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf emergency = {0};
    if (l->emergency && l->emergency[0])
        store_seal_text(s, "session_locations.emergency", row, l->emergency, &emergency);
    if (existing) {
        struct store_value p[] = {P_INT(row), P_TEXT(l->place), P_TEXT(l->jurisdiction),
                                  P_BUF(emergency), P_INT(l->answered_at)};
        rc = store_run_change(s, Q_LOCATION_UPDATE, p, NPARAMS(p));
    } else {
        struct store_value p[] = {P_INT(row),           P_INT(l->occurrence_id),
                                  P_INT(l->client_id),  P_TEXT(l->place),
                                  P_TEXT(l->jurisdiction), P_BUF(emergency),
                                  P_INT(l->answered_at)};
        rc = store_run(s, Q_LOCATION_INSERT, p, NPARAMS(p), NULL, NULL, NULL);
    }
    buf_free(&emergency);
    if (rc == 0)
        l->id = row;
    return rc;
}

static int read_location(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 7);
    struct store_session_location *l = item;
    l->id = col_int(&c[0]);
    l->occurrence_id = col_int(&c[1]);
    l->client_id = col_int(&c[2]);
    l->place = col_text(r->a, &c[3]);
    l->jurisdiction = col_text(r->a, &c[4]);
    l->emergency =
        store_col_unseal(r->s, r->a, "session_locations.emergency", l->id, &c[5], &r->bad);
    l->answered_at = col_int(&c[6]);
    return 0;
}

int store_session_location_get(struct store *s, struct arena *a, int64_t occurrence_id,
                               int64_t client_id, struct store_session_location *out)
{
    struct store_value p[] = {P_INT(occurrence_id), P_INT(client_id)};
    return store_run_one(s, a, Q_LOCATION_GET, p, NPARAMS(p), sizeof *out, read_location, out);
}

int store_session_location_last(struct store *s, struct arena *a, int64_t client_id,
                                struct store_session_location *out)
{
    struct store_value p[] = {P_INT(client_id)};
    return store_run_one(s, a, Q_LOCATION_LAST, p, NPARAMS(p), sizeof *out, read_location, out);
}
