/* charging: the charges occurrences bring (charging.h). */
#include "practice/charging.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/calendar.h"
#include "core/log.h"
#include "core/utf8.h"
#include "practice/codes.h"
#include "practice/money.h"
#include "practice/schedule.h"

/* ---- the settings ---- */

int charging_tax_id_valid(const char *text)
{
    if (!text || strlen(text) != 10 || text[2] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 2 && (text[i] < '0' || text[i] > '9'))
            return 0;
    return 1;
}

static int url_ok(const char *url)
{
    if (strncmp(url, "https://", 8) != 0 || url[8] == '\0' || url[8] == '/')
        return 0;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>')
            return 0;
    return 1;
}

int charging_config_finish(struct config *c, struct buf *err)
{
    if (!money_currency_valid(c->billing_currency)) {
        buf_printf(err, "billing_currency must be the three capital letters of an ISO 4217 "
                        "currency code, e.g. USD, EUR or GBP");
        return -1;
    }
    int64_t late = 0, no_show = 0;
    if (money_parse(c->late_cancel_fee, &late) < 0) {
        buf_printf(err, "late_cancel_fee must be an amount such as 50 or 50.00, without a "
                        "currency sign or thousands separators");
        return -1;
    }
    if (money_parse(c->no_show_fee, &no_show) < 0) {
        buf_printf(err, "no_show_fee must be an amount such as 75 or 75.00, without a "
                        "currency sign or thousands separators");
        return -1;
    }
    if (c->practice_npi[0] && !npi_valid(c->practice_npi)) {
        buf_printf(err, "practice_npi must be the practice's National Provider Identifier: "
                        "ten digits whose last is its check digit; check it for a typing "
                        "mistake");
        return -1;
    }
    if (c->practice_tax_id[0] && !charging_tax_id_valid(c->practice_tax_id)) {
        buf_printf(err, "practice_tax_id must be written as two digits, a dash and seven "
                        "digits, e.g. 12-3456789");
        return -1;
    }
    if (!utf8_valid(c->practice_address) ||
        utf8_length(c->practice_address, strlen(c->practice_address)) >
            CHARGING_PRACTICE_ADDRESS_MAX) {
        buf_printf(err, "practice_address must be text of at most %d characters",
                   CHARGING_PRACTICE_ADDRESS_MAX);
        return -1;
    }
    if (c->pay_online_url[0] && !url_ok(c->pay_online_url)) {
        buf_printf(err, "pay_online_url must be the https:// address of the practice's "
                        "payment page, without spaces");
        return -1;
    }
    c->late_cancel_cents = late;
    c->no_show_cents = no_show;
    return 0;
}

struct fee_policy charging_policy(const struct config *c)
{
    return (struct fee_policy){.late_cancel_window_hours = (int)c->late_cancel_hours,
                               .late_cancel_cents = c->late_cancel_cents,
                               .no_show_cents = c->no_show_cents};
}

int charging_seed_services(struct store *s, int64_t now, int *seeded)
{
    *seeded = 0;
    int rc = store_begin(s);
    if (rc < 0)
        return rc;
    int64_t count = 0;
    rc = store_service_count(s, &count);
    size_t n = 0;
    const struct cpt_service *seed = cpt_seed_services(&n);
    for (size_t i = 0; rc == 0 && count == 0 && i < n; i++) {
        struct store_service sv = {.cpt = (char *)seed[i].code,
                                   .description = (char *)seed[i].description,
                                   .fee_cents = 0,
                                   .duration_minutes = seed[i].minutes,
                                   .created_at = now};
        int64_t id;
        rc = store_service_insert(s, &sv, &id);
        if (rc == 0)
            (*seeded)++;
    }
    if (rc == 0)
        rc = store_commit(s);
    if (rc < 0) {
        store_rollback(s);
        *seeded = 0;
    }
    return rc;
}

/* ---- who is expected, and how they came ---- */

int64_t occurrence_began(const struct store_occurrence *o)
{
    return o->ended_at && o->ended_at < o->starts_at ? o->ended_at : o->starts_at;
}

int occurrence_expects_member(const struct store_occurrence *o, const struct store_membership *m)
{
    return m->added_at <= occurrence_began(o);
}

enum attendance_status occurrence_status_of(const struct store_occurrence *o, int64_t client_id,
                                            const struct store_attendance *records, size_t nrec,
                                            struct attendance_record *scratch)
{
    size_t k = 0;
    for (size_t i = 0; i < nrec; i++) {
        if (records[i].occurrence_id != o->id || records[i].client_id != client_id)
            continue;
        int ev = attendance_event_parse(records[i].event);
        if (ev >= 0)
            scratch[k++] = (struct attendance_record){(enum attendance_event)ev, records[i].at};
    }
    return attendance_classify(scratch, k, o->starts_at, o->ends_at, o->ended_at);
}

int occurrence_over(const struct store_occurrence *o, int64_t now)
{
    return o->ended_at != 0 || o->ends_at <= now;
}

/* ---- one client's terms ---- */

int charging_terms(struct arena *a, const struct store_client_fee *fees, size_t nfees,
                   const struct store_client_billing *billing, struct fee_terms *out)
{
    struct fee_override *ov = arena_alloc(a, (nfees ? nfees : 1) * sizeof *ov);
    for (size_t i = 0; i < nfees; i++)
        ov[i] = (struct fee_override){fees[i].service_id, fees[i].fee_cents};
    *out = (struct fee_terms){.overrides = ov, .n_overrides = nfees};
    if (billing && billing->scale_kind && strcmp(billing->scale_kind, "percent") == 0) {
        if (billing->scale_value < 0 || billing->scale_value > 100)
            return -EINVAL;
        out->scale =
            (struct fee_scale){.kind = FEE_SCALE_PERCENT, .percent = (int)billing->scale_value};
    } else if (billing && billing->scale_kind && strcmp(billing->scale_kind, "fixed") == 0) {
        out->scale =
            (struct fee_scale){.kind = FEE_SCALE_FIXED, .fixed_cents = billing->scale_value};
    }
    return fee_terms_check(out);
}

/* ---- one occurrence ---- */

/* The service the occurrence bills (rules in charging.h) into *sv. */
static int service_for(struct store *s, struct arena *a, const struct store_series *se,
                       const struct store_occurrence *o, struct store_service *sv)
{
    int64_t service_id = 0;
    int rc = store_series_service_get(s, se->id, &service_id);
    if (rc < 0)
        return rc;
    if (service_id) {
        rc = store_service_get(s, a, service_id, sv);
        if (rc != -ENOENT)
            return rc;
    }
    int minutes = (int)((o->ends_at - o->starts_at) / 60000);
    const char *cpt = cpt_by_rule(se->group_id != 0, minutes);
    struct store_service *list;
    size_t n;
    rc = store_service_list(s, a, &list, &n);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!list[i].archived_at && strcmp(list[i].cpt, cpt) == 0) {
            *sv = list[i];
            return 0;
        }
    }
    const struct cpt_service *seed = cpt_seed_lookup(cpt);
    assert(seed); /* cpt_by_rule names seed codes only */
    *sv = (struct store_service){.id = 0,
                                 .cpt = (char *)seed->code,
                                 .description = (char *)seed->description,
                                 .fee_cents = 0,
                                 .duration_minutes = seed->minutes};
    return 0;
}

static const char *charge_kind(enum fee_charge c)
{
    switch (c) {
    case FEE_CHARGE_SESSION:
        return "session";
    case FEE_CHARGE_NO_SHOW:
        return "no_show";
    case FEE_CHARGE_LATE_CANCEL:
        return "late_cancel";
    default:
        return NULL;
    }
}

/* One client's charge at the occurrence, if one is due: 1 made, 0 none, < 0 failure. */
static int charge_client(struct store *s, struct arena *a, const struct store_occurrence *o,
                         const struct store_service *sv, const struct fee_occurrence *occ,
                         const struct fee_policy *policy, int64_t client_id,
                         enum attendance_status status, int64_t now)
{
    int already = store_charge_exists(s, o->id, client_id);
    if (already < 0)
        return already;
    if (already)
        return 0;
    struct store_client_fee *fees;
    size_t nfees;
    struct store_client_billing billing;
    int rc = store_client_fees(s, a, client_id, &fees, &nfees);
    if (rc < 0)
        return rc;
    int have_billing = 0;
    rc = store_client_billing_get(s, a, client_id, &billing);
    if (rc == 0)
        have_billing = 1;
    else if (rc != -ENOENT)
        return rc;
    struct fee_terms terms;
    struct fee_quote quote;
    /* a service the store lacks matches no client's own fee for one service, only theirs
     * for every service */
    struct fee_service service = {.id = sv->id ? sv->id : INT64_MAX,
                                  .fee_cents = sv->fee_cents,
                                  .duration_min = sv->duration_minutes};
    struct fee_decision d;
    if (charging_terms(a, fees, nfees, have_billing ? &billing : NULL, &terms) < 0 ||
        fee_for(&service, &terms, &quote) < 0 ||
        fees_charge_for(occ, status, policy, quote.fee_cents, false, &d) < 0) {
        log_warn("billing", "occurrence %lld: a client's fee terms are out of range; no charge",
                 (long long)o->id);
        return 0;
    }
    const char *kind = charge_kind(d.charge);
    if (!kind)
        return 0;
    struct store_session_location loc;
    enum client_location where = CLIENT_LOCATION_UNKNOWN;
    rc = store_session_location_get(s, a, o->id, client_id, &loc);
    if (rc == 0) {
        int w = client_location_parse(loc.place);
        if (w >= 0)
            where = (enum client_location)w;
    } else if (rc != -ENOENT) {
        return rc;
    }
    struct telehealth_coding coding = telehealth_coding(where);
    struct store_charge ch = {.client_id = client_id,
                              .occurrence_id = o->id,
                              .therapist_id = o->therapist_id,
                              .service_id = sv->id,
                              .kind = (char *)kind,
                              .service_at = o->starts_at,
                              .cpt = sv->cpt,
                              .description = sv->description,
                              .modifier = (char *)coding.modifier,
                              .place_of_service = (char *)coding.place_of_service,
                              .units = 1,
                              .amount_cents = d.amount_cents,
                              .created_at = now};
    int64_t id;
    rc = store_charge_insert(s, &ch, &id);
    return rc == -EEXIST ? 0 : rc < 0 ? rc : 1;
}

int charging_occurrence(struct store *s, struct arena *a, const struct config *cfg,
                        const struct store_occurrence *o, int64_t now, int *made)
{
    *made = 0;
    int by_client = 0;
    if (o->cancelled_at) {
        int rc = store_occurrence_cancelled_by_client(s, o->id, &by_client);
        if (rc < 0 || !by_client)
            return rc; /* the practice cancelled: nothing */
    } else if (!occurrence_over(o, now)) {
        return 0; /* decided when it is over */
    }
    struct store_series se;
    int rc = store_series_get(s, a, o->series_id, &se);
    if (rc < 0)
        return rc;
    /* the practice cancelled the series before this occurrence began: nothing */
    if (!o->cancelled_at && se.cancelled_at && se.cancelled_at <= o->starts_at)
        return 0;
    int64_t *clients;
    size_t nclients = 0;
    if (se.client_id) {
        clients = arena_alloc(a, sizeof *clients);
        clients[nclients++] = se.client_id;
    } else {
        struct store_membership *members;
        size_t nm;
        rc = store_memberships_of_group(s, a, se.group_id, &members, &nm);
        if (rc < 0)
            return rc;
        clients = arena_alloc(a, (nm ? nm : 1) * sizeof *clients);
        for (size_t i = 0; i < nm; i++)
            if (occurrence_expects_member(o, &members[i]))
                clients[nclients++] = members[i].client_id;
    }
    if (nclients == 0)
        return 0;
    struct store_attendance *records;
    size_t nrec;
    rc = store_attendance_list(s, a, se.id, &records, &nrec);
    if (rc < 0)
        return rc;
    struct attendance_record *scratch = arena_alloc(a, (nrec ? nrec : 1) * sizeof *scratch);
    struct store_service sv;
    rc = service_for(s, a, &se, o, &sv);
    if (rc < 0)
        return rc;
    struct fee_policy policy = charging_policy(cfg);
    struct fee_occurrence occ = {
        .starts_at = o->starts_at,
        .cancelled_by = !o->cancelled_at ? FEE_NOT_CANCELLED
                        : by_client      ? FEE_CANCELLED_BY_CLIENT
                                         : FEE_CANCELLED_BY_PRACTICE,
        .cancelled_at = o->cancelled_at,
        .ended = occurrence_over(o, now) != 0,
    };
    for (size_t i = 0; i < nclients; i++) {
        enum attendance_status status = occurrence_status_of(o, clients[i], records, nrec, scratch);
        rc = charge_client(s, a, o, &sv, &occ, &policy, clients[i], status, now);
        if (rc < 0)
            return rc;
        *made += rc;
    }
    return 0;
}

int charging_occurrence_id(struct store *s, const struct config *cfg, int64_t occurrence_id,
                           int64_t now)
{
    struct arena a = {0};
    struct store_occurrence o;
    int made = 0;
    int rc = store_begin(s);
    if (rc == 0) {
        rc = store_occurrence_get(s, &a, occurrence_id, &o);
        if (rc == 0)
            rc = charging_occurrence(s, &a, cfg, &o, now, &made);
        if (rc == 0)
            rc = store_commit(s);
        if (rc < 0)
            store_rollback(s);
    }
    arena_free(&a);
    return rc < 0 ? rc : made;
}

int charging_tick(const struct config *cfg, struct store *s, struct arena *a, int64_t now)
{
    (void)a;
    struct arena list_arena = {0};
    struct store_occurrence *occ;
    size_t n;
    int64_t since = now - (int64_t)CHARGING_LOOKBACK_DAYS * 24 * 60 * 60 * 1000;
    int rc = store_occurrences_to_charge(s, &list_arena, now, since, &occ, &n);
    int total = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct arena one = {0};
        int made = 0;
        rc = store_begin(s);
        if (rc == 0) {
            rc = charging_occurrence(s, &one, cfg, &occ[i], now, &made);
            if (rc == 0)
                rc = store_commit(s);
            if (rc < 0)
                store_rollback(s);
        }
        arena_free(&one);
        total += made;
    }
    arena_free(&list_arena);
    return rc < 0 ? rc : total;
}

/* ---- a client's account ---- */

int charging_account(struct store *s, struct arena *a, int64_t client_id,
                     struct charging_account *out)
{
    memset(out, 0, sizeof *out);
    int rc = store_charges_of_client(s, a, client_id, &out->charges, &out->n_charges);
    if (rc == 0)
        rc = store_payments_of_client(s, a, client_id, &out->payments, &out->n_payments);
    if (rc < 0)
        return rc;
    size_t nc = out->n_charges, np = out->n_payments;
    out->ledger = arena_alloc(a, (nc ? nc : 1) * sizeof *out->ledger);
    out->state = arena_alloc(a, (nc ? nc : 1) * sizeof *out->state);
    out->payment_ledger = arena_alloc(a, (np ? np : 1) * sizeof *out->payment_ledger);
    out->allocs = arena_alloc(a, (nc + np ? nc + np : 1) * sizeof *out->allocs);
    for (size_t i = 0; i < nc; i++) {
        const struct store_charge *c = &out->charges[i];
        out->ledger[i] = (struct ledger_charge){
            .id = c->id,
            .service_date = c->service_at,
            .amount_cents = c->amount_cents,
            .waived_cents = c->waived_at ? c->amount_cents : 0,
            .waive_reason = c->waived_at ? (c->waived_reason ? c->waived_reason : "") : NULL,
        };
    }
    for (size_t j = 0; j < np; j++) {
        const struct store_payment *p = &out->payments[j];
        int m = ledger_method_parse(p->method);
        if (m < 0)
            return -EIO;
        out->payment_ledger[j] = (struct ledger_payment){
            .id = p->id,
            .received_at = p->received_on * CHARGING_DAY_MS,
            .method = (enum ledger_method)m,
            .reference = p->reference,
            .amount_cents = p->amount_cents,
        };
    }
    if (ledger_allocate(out->ledger, nc, out->payment_ledger, np, out->allocs, nc + np,
                        &out->n_allocs) < 0 ||
        ledger_balance(out->ledger, nc, out->payment_ledger, np, &out->balance) < 0)
        return -EIO;
    for (size_t i = 0; i < nc; i++)
        out->state[i] = ledger_state(&out->ledger[i]);
    return 0;
}

long charging_account_find(const struct charging_account *acct, int64_t charge_id)
{
    for (size_t i = 0; i < acct->n_charges; i++)
        if (acct->charges[i].id == charge_id)
            return (long)i;
    return -1;
}

int32_t charging_client_day(int64_t at_ms, const char *time_zone)
{
    int32_t day;
    if (time_zone && sched_civil_day(time_zone, at_ms, &day) == 0)
        return day;
    return (int32_t)calendar_floor_div(at_ms, CHARGING_DAY_MS);
}
