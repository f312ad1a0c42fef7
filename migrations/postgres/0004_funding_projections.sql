-- The funding projections: balances with the movements that trace them, settlement checks,
-- beneficiary history. Derived data, rebuilt from the log by `htx-ledger replay`;
-- docs/projections.md describes every column. Money columns are whole đồng; dates are
-- YYYY-MM-DD text; lists of positions are JSON text.

-- One row per fiscal year x unit x source x category x district ("" = the line's own row).
CREATE TABLE funding_balances (
    year                  bigint  NOT NULL,
    unit                  text    NOT NULL,
    source                text    NOT NULL,
    category              text    NOT NULL,
    district              text    NOT NULL,
    line                  text    NOT NULL,
    estimate              bigint  NOT NULL,
    allocated             bigint  NOT NULL,
    approved              bigint  NOT NULL,
    committed             bigint  NOT NULL,
    advanced              bigint  NOT NULL,
    advance_outstanding   bigint  NOT NULL,
    advance_overdue       bigint  NOT NULL,
    paid                  bigint  NOT NULL,
    returned              bigint  NOT NULL,
    available             bigint  NOT NULL,
    adjustment_period_end text    NOT NULL,
    entries               bigint  NOT NULL,
    last_position         bigint  NOT NULL,
    PRIMARY KEY (year, unit, source, category, district)
);
CREATE INDEX funding_balances_by_district ON funding_balances (district, year);

-- One row per money movement and balance row it moves: the trace of every balance.
CREATE TABLE funding_movements (
    position              bigint  NOT NULL,
    leg                   bigint  NOT NULL,
    line                  text    NOT NULL,
    year                  bigint  NOT NULL,
    unit                  text    NOT NULL,
    source                text    NOT NULL,
    category              text    NOT NULL,
    district              text    NOT NULL,
    entry                 bigint,
    kind                  text    NOT NULL,
    purpose               text,
    beneficiary           text,
    amount                bigint  NOT NULL,
    against_position      bigint,
    effective_date        text    NOT NULL,
    adjustment_period     boolean NOT NULL,
    actor                 text    NOT NULL,
    reversed_by           bigint,
    d_estimate            bigint  NOT NULL,
    d_allocated           bigint  NOT NULL,
    d_approved            bigint  NOT NULL,
    d_committed           bigint  NOT NULL,
    d_advanced            bigint  NOT NULL,
    d_advance_outstanding bigint  NOT NULL,
    d_paid                bigint  NOT NULL,
    d_returned            bigint  NOT NULL,
    d_available           bigint  NOT NULL,
    PRIMARY KEY (position, leg)
);
CREATE INDEX funding_movements_by_row ON funding_movements (year, unit, source, category, district);
CREATE INDEX funding_movements_by_line_entry ON funding_movements (line, entry);

-- The date the balances are as of (advance_overdue is evaluated against it).
CREATE TABLE funding_as_of (
    projection text    NOT NULL,
    as_of      text    NOT NULL,
    position   bigint  NOT NULL,
    PRIMARY KEY (projection)
);

-- One row per budget unit x fiscal year x rule.
CREATE TABLE settlement_checks (
    unit          text    NOT NULL,
    year          bigint  NOT NULL,
    rule          text    NOT NULL,
    name          text    NOT NULL,
    status        text    NOT NULL,
    finding       text,
    summary       text    NOT NULL,
    legal_basis   text    NOT NULL,
    positions     text    NOT NULL,
    checked       bigint  NOT NULL,
    as_of         text,
    last_position bigint  NOT NULL,
    PRIMARY KEY (unit, year, rule)
);
CREATE INDEX settlement_checks_by_status ON settlement_checks (status, year);

-- Internal: each unit-year's facts as JSON, so the checks resume from the tables.
CREATE TABLE settlement_check_state (
    unit  text    NOT NULL,
    year  bigint  NOT NULL,
    state text    NOT NULL,
    PRIMARY KEY (unit, year)
);

-- One row per cooperative x support case.
CREATE TABLE beneficiary_history (
    cooperative         text    NOT NULL,
    case_id             text    NOT NULL,
    year                bigint  NOT NULL,
    unit                text    NOT NULL,
    source              text    NOT NULL,
    category            text    NOT NULL,
    line                text    NOT NULL,
    status              text    NOT NULL,
    description         text    NOT NULL,
    requested           bigint  NOT NULL,
    approved            bigint  NOT NULL,
    cap                 bigint,
    rule_set            text,
    rule_set_version    bigint,
    approved_by         text,
    recipient           text,
    committed           bigint  NOT NULL,
    advanced            bigint  NOT NULL,
    advance_outstanding bigint  NOT NULL,
    paid                bigint  NOT NULL,
    returned            bigint  NOT NULL,
    received_on         text    NOT NULL,
    decided_on          text,
    first_paid_on       text,
    last_paid_on        text,
    last_effective_date text    NOT NULL,
    positions           text    NOT NULL,
    entries             text    NOT NULL,
    PRIMARY KEY (cooperative, case_id)
);
CREATE INDEX beneficiary_history_by_year ON beneficiary_history (year, source);

GRANT SELECT, INSERT, UPDATE, DELETE ON funding_balances, funding_movements, funding_as_of,
    settlement_checks, settlement_check_state, beneficiary_history TO htx_ledger_app;
