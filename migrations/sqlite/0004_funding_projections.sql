-- The funding projections: balances with the movements that trace them, settlement checks,
-- beneficiary history. The same shape as migrations/postgres/0004_funding_projections.sql;
-- see the comments there.

-- One row per fiscal year x unit x source x category x district ("" = the line's own row).
CREATE TABLE funding_balances (
    year                  INTEGER NOT NULL,
    unit                  TEXT    NOT NULL,
    source                TEXT    NOT NULL,
    category              TEXT    NOT NULL,
    district              TEXT    NOT NULL,
    line                  TEXT    NOT NULL,
    estimate              INTEGER NOT NULL,
    allocated             INTEGER NOT NULL,
    approved              INTEGER NOT NULL,
    committed             INTEGER NOT NULL,
    advanced              INTEGER NOT NULL,
    advance_outstanding   INTEGER NOT NULL,
    advance_overdue       INTEGER NOT NULL,
    paid                  INTEGER NOT NULL,
    returned              INTEGER NOT NULL,
    available             INTEGER NOT NULL,
    adjustment_period_end TEXT    NOT NULL,
    entries               INTEGER NOT NULL,
    last_position         INTEGER NOT NULL,
    PRIMARY KEY (year, unit, source, category, district)
);
CREATE INDEX funding_balances_by_district ON funding_balances (district, year);

-- One row per money movement and balance row it moves: the trace of every balance.
CREATE TABLE funding_movements (
    position              INTEGER NOT NULL,
    leg                   INTEGER NOT NULL,
    line                  TEXT    NOT NULL,
    year                  INTEGER NOT NULL,
    unit                  TEXT    NOT NULL,
    source                TEXT    NOT NULL,
    category              TEXT    NOT NULL,
    district              TEXT    NOT NULL,
    entry                 INTEGER,
    kind                  TEXT    NOT NULL,
    purpose               TEXT,
    beneficiary           TEXT,
    amount                INTEGER NOT NULL,
    against_position      INTEGER,
    effective_date        TEXT    NOT NULL,
    adjustment_period     INTEGER NOT NULL,
    actor                 TEXT    NOT NULL,
    reversed_by           INTEGER,
    d_estimate            INTEGER NOT NULL,
    d_allocated           INTEGER NOT NULL,
    d_approved            INTEGER NOT NULL,
    d_committed           INTEGER NOT NULL,
    d_advanced            INTEGER NOT NULL,
    d_advance_outstanding INTEGER NOT NULL,
    d_paid                INTEGER NOT NULL,
    d_returned            INTEGER NOT NULL,
    d_available           INTEGER NOT NULL,
    PRIMARY KEY (position, leg)
);
CREATE INDEX funding_movements_by_row ON funding_movements (year, unit, source, category, district);
CREATE INDEX funding_movements_by_line_entry ON funding_movements (line, entry);

-- The date the balances are as of (advance_overdue is evaluated against it).
CREATE TABLE funding_as_of (
    projection TEXT    NOT NULL,
    as_of      TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (projection)
);

-- One row per budget unit x fiscal year x rule.
CREATE TABLE settlement_checks (
    unit          TEXT    NOT NULL,
    year          INTEGER NOT NULL,
    rule          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    finding       TEXT,
    summary       TEXT    NOT NULL,
    legal_basis   TEXT    NOT NULL,
    positions     TEXT    NOT NULL,
    checked       INTEGER NOT NULL,
    as_of         TEXT,
    last_position INTEGER NOT NULL,
    PRIMARY KEY (unit, year, rule)
);
CREATE INDEX settlement_checks_by_status ON settlement_checks (status, year);

-- Internal: each unit-year's facts as JSON, so the checks resume from the tables.
CREATE TABLE settlement_check_state (
    unit  TEXT    NOT NULL,
    year  INTEGER NOT NULL,
    state TEXT    NOT NULL,
    PRIMARY KEY (unit, year)
);

-- One row per cooperative x support case.
CREATE TABLE beneficiary_history (
    cooperative         TEXT    NOT NULL,
    case_id             TEXT    NOT NULL,
    year                INTEGER NOT NULL,
    unit                TEXT    NOT NULL,
    source              TEXT    NOT NULL,
    category            TEXT    NOT NULL,
    line                TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    description         TEXT    NOT NULL,
    requested           INTEGER NOT NULL,
    approved            INTEGER NOT NULL,
    cap                 INTEGER,
    rule_set            TEXT,
    rule_set_version    INTEGER,
    approved_by         TEXT,
    recipient           TEXT,
    committed           INTEGER NOT NULL,
    advanced            INTEGER NOT NULL,
    advance_outstanding INTEGER NOT NULL,
    paid                INTEGER NOT NULL,
    returned            INTEGER NOT NULL,
    received_on         TEXT    NOT NULL,
    decided_on          TEXT,
    first_paid_on       TEXT,
    last_paid_on        TEXT,
    last_effective_date TEXT    NOT NULL,
    positions           TEXT    NOT NULL,
    entries             TEXT    NOT NULL,
    PRIMARY KEY (cooperative, case_id)
);
CREATE INDEX beneficiary_history_by_year ON beneficiary_history (year, source);
