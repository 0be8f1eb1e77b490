# Sourced by bench/poll.sh and bench/smtp.sh: building casewatch and loading
# a synthetic council (bench/gen_cases.py) into SQLite or PostgreSQL.
# Expects `set -euo pipefail` and the working directory at the repository root.

# casewatch_binary: prints the path of the release binary, building it unless
# CASEWATCH names one.
casewatch_binary() {
    if [ -n "${CASEWATCH:-}" ]; then
        echo "$CASEWATCH"
        return
    fi
    echo "building casewatch (release)" >&2
    cargo build --quiet --release --bin casewatch
    local target_dir
    target_dir="$(cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    echo "$target_dir/release/casewatch"
}

# load_council CASEWATCH SETTINGS DIR BACKEND TARGET: creates the schema
# through `casewatch migrate`, imports DIR/staff.csv through `casewatch import
# staff`, and loads DIR/{cases,case_stages,delay_reasons}.csv into TARGET: the
# SQLite file (a path or sqlite://PATH), or the PostgreSQL URL.
load_council() {
    local casewatch="$1" settings="$2" dir="$3" backend="$4" target="$5"
    "$casewatch" --config "$settings" migrate > /dev/null
    "$casewatch" --config "$settings" import staff "$dir/staff.csv" > /dev/null
    case "$backend" in
        sqlite)
            # .import stores empty cells as '' where the schema wants NULL:
            # go through staging tables of text. Columns are named, so
            # columns later migrations add take their defaults (a stage with
            # no procedure is read under its kind's earlier one).
            sqlite3 -bail "${target#sqlite://}" <<EOF
CREATE TABLE cases_in (id, reference, kind, category, team, manager_email, created_at, updated_at);
CREATE TABLE stages_in (id, case_id, stage, received_on, working_days_allowed, extension_reason,
                        agreed_response_on, responded_on, outcome, learning, created_at, updated_at);
CREATE TABLE reasons_in (id, stage_id, category, text, expected_response_on, given_by, given_at, via);
.import --csv --skip 1 $dir/cases.csv cases_in
.import --csv --skip 1 $dir/case_stages.csv stages_in
.import --csv --skip 1 $dir/delay_reasons.csv reasons_in
BEGIN;
INSERT INTO cases (id, reference, kind, category, team, manager_email, created_at, updated_at)
    SELECT id, reference, kind, NULLIF(category, ''), team, manager_email,
                         created_at, updated_at FROM cases_in;
INSERT INTO case_stages (id, case_id, stage, received_on, working_days_allowed,
                         extension_reason, agreed_response_on, responded_on, outcome,
                         learning, created_at, updated_at)
    SELECT id, case_id, stage, received_on, NULLIF(working_days_allowed, ''),
           NULLIF(extension_reason, ''), NULLIF(agreed_response_on, ''),
           NULLIF(responded_on, ''), NULLIF(outcome, ''), NULLIF(learning, ''),
           created_at, updated_at FROM stages_in;
INSERT INTO delay_reasons (id, stage_id, category, text, expected_response_on, given_by,
                           given_at, via)
    SELECT id, stage_id, category, text, NULLIF(expected_response_on, ''),
           NULLIF(given_by, ''), given_at, via FROM reasons_in;
DROP TABLE cases_in;
DROP TABLE stages_in;
DROP TABLE reasons_in;
COMMIT;
VACUUM;
EOF
            if [ -n "$(sqlite3 "${target#sqlite://}" 'PRAGMA foreign_key_check')" ]; then
                echo "the generated council breaks a foreign key" >&2
                return 1
            fi
            ;;
        postgres)
            # COPY's CSV format reads an empty unquoted cell as NULL.
            psql -X -q -v ON_ERROR_STOP=1 -d "$target" > /dev/null <<EOF
\copy cases (id, reference, kind, category, team, manager_email, created_at, updated_at) FROM '$dir/cases.csv' WITH (FORMAT csv, HEADER true)
\copy case_stages (id, case_id, stage, received_on, working_days_allowed, extension_reason, agreed_response_on, responded_on, outcome, learning, created_at, updated_at) FROM '$dir/case_stages.csv' WITH (FORMAT csv, HEADER true)
\copy delay_reasons (id, stage_id, category, text, expected_response_on, given_by, given_at, via) FROM '$dir/delay_reasons.csv' WITH (FORMAT csv, HEADER true)
-- The ids were given explicitly: move the identity sequences past them.
SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases));
SELECT setval(pg_get_serial_sequence('case_stages', 'id'), (SELECT max(id) FROM case_stages));
SELECT setval(pg_get_serial_sequence('delay_reasons', 'id'), (SELECT max(id) FROM delay_reasons));
-- What autovacuum would have done by the time a real database got this big.
VACUUM ANALYZE;
EOF
            ;;
        *)
            echo "unknown backend $backend (sqlite or postgres)" >&2
            return 2
            ;;
    esac
}
