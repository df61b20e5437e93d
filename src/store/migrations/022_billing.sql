-- Billing (docs/BILLING.md): the practice's services, each client's fee terms and
-- insurance details, the charges sessions bring and the payments the practice records;
-- practitioners' licences and the interstate compacts the practice relies on; and where
-- each client said they were at each session. Money is integer cents in the practice's one
-- currency (practice/money.h). Dates of licences, compacts and payments are civil day
-- numbers (days since 1970-01-01, core/calendar.h).

-- The services the practice bills. A new practice is seeded from practice/codes.c
-- (cpt_seed_services) by the server, once, when this table is empty: services are
-- archived, never deleted, so it is empty only before the first seeding.
CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    cpt TEXT NOT NULL,
    description TEXT NOT NULL,
    fee_cents INTEGER NOT NULL CHECK (fee_cents >= 0),
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
    created_at INTEGER NOT NULL,
    archived_at INTEGER
);

-- The service a series bills; NULL: chosen by rule when a charge is made (a group's
-- sessions 90853, a one-to-one session's by its length).
ALTER TABLE series ADD COLUMN service_id INTEGER REFERENCES services(id);

-- Who cancelled an occurrence: 'practice' or 'client' (a late cancellation by the client
-- may bring a fee). NULL on occurrences cancelled before this column: the practice.
ALTER TABLE occurrences ADD COLUMN cancelled_by TEXT
    CHECK (cancelled_by IS NULL OR cancelled_by IN ('practice', 'client'));

-- A client's own fee for one service, or for every service (service_id 0,
-- FEE_ALL_SERVICES in practice/fees.h, so it references no service).
CREATE TABLE client_fees (
    client_id INTEGER NOT NULL REFERENCES clients(id),
    service_id INTEGER NOT NULL,
    fee_cents INTEGER NOT NULL CHECK (fee_cents >= 0),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, service_id)
);

-- A client's sliding scale and insurance details. insurance_sealed: JSON {payer,
-- member_id, group_id, subscriber, relationship}; diagnoses_sealed: JSON array of
-- ICD-10-CM codes in their order on a claim. Both sealed for the client's row.
CREATE TABLE client_billing (
    client_id INTEGER PRIMARY KEY REFERENCES clients(id),
    scale_kind TEXT NOT NULL CHECK (scale_kind IN ('none', 'percent', 'fixed')),
    scale_value INTEGER NOT NULL CHECK (scale_value >= 0),
    insurance_sealed BLOB,
    diagnoses_sealed BLOB,
    updated_at INTEGER NOT NULL
);

-- What one client was charged for one occurrence: at most one charge per (occurrence,
-- client), so a rejoined meeting or a second look never charges twice. The coding is
-- kept as it was billed (a service edited later changes no charge made). A waived charge
-- keeps its amount (waived_at set; what it owes is 0).
CREATE TABLE charges (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    therapist_id INTEGER NOT NULL REFERENCES users(id),
    service_id INTEGER REFERENCES services(id),
    kind TEXT NOT NULL CHECK (kind IN ('session', 'no_show', 'late_cancel')),
    service_at INTEGER NOT NULL,
    cpt TEXT NOT NULL,
    description TEXT NOT NULL,
    modifier TEXT NOT NULL,
    place_of_service TEXT NOT NULL,
    units INTEGER NOT NULL CHECK (units BETWEEN 1 AND 99),
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    created_at INTEGER NOT NULL,
    waived_at INTEGER,
    waived_by INTEGER REFERENCES users(id),
    waived_reason_sealed BLOB,
    CHECK ((waived_at IS NULL) = (waived_reason_sealed IS NULL)),
    UNIQUE (occurrence_id, client_id)
);
CREATE INDEX charges_client ON charges(client_id, service_at);
CREATE INDEX charges_service_at ON charges(service_at);

-- A payment the practice recorded (never card details). Allocation to charges is worked
-- out from the charges and payments each time (practice/ledger.h), so it is never stored.
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    method TEXT NOT NULL CHECK (method IN ('cash', 'cheque', 'card_terminal', 'bank_transfer',
                                           'insurance')),
    reference_sealed BLOB,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    received_on INTEGER NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX payments_client ON payments(client_id, received_on);
CREATE INDEX payments_received ON payments(received_on);

-- A practitioner's licence: where (a jurisdictions.h key: "US-CA", "GB"), what, its
-- number, and the last day it is valid. reminders_sent: LICENCE_SENT_* or-ed
-- (practice/licences.h), cleared when the expiry date changes.
CREATE TABLE licences (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    jurisdiction TEXT NOT NULL,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    expires_on INTEGER NOT NULL,
    reminders_sent INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    removed_at INTEGER
);
CREATE INDEX licences_user ON licences(user_id);

-- An interstate compact the practice relies on (e.g. PSYPACT): its member jurisdictions
-- (keys, comma-separated) and the days it is relied on, both included (until NULL: open).
CREATE TABLE compacts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    members TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_until INTEGER,
    created_at INTEGER NOT NULL,
    removed_at INTEGER
);

-- Where a client said they were for one occurrence, asked on the join page each time
-- (the latest answer for the occurrence wins): at home or not (the place of service),
-- the jurisdiction (licences), and an optional address for emergencies, sealed for the
-- row.
CREATE TABLE session_locations (
    id INTEGER PRIMARY KEY,
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    client_id INTEGER NOT NULL REFERENCES clients(id),
    place TEXT NOT NULL CHECK (place IN ('home', 'not_home', 'unknown')),
    jurisdiction TEXT NOT NULL,
    emergency_sealed BLOB,
    answered_at INTEGER NOT NULL,
    UNIQUE (occurrence_id, client_id)
);
CREATE INDEX session_locations_client ON session_locations(client_id, answered_at);
