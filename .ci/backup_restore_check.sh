#!/usr/bin/env bash
# Check that a backup restores whole. Migrates a fresh PostgreSQL database and
# loads the demo data, backs it up with crm_site/ops/backup.sh, restores it
# with crm_site/ops/restore.sh into a second fresh database, and compares the
# row count of every table. It also checks that restore.sh refuses to restore
# over a database with tables unless --force is given. Both databases are
# dropped at the end, whether the check passed or not.
#
# DATABASE_URL names a database on the server to use (.ci/run sets it), whose
# user may create databases. Run from anywhere, after .venv is installed.
set -euo pipefail

cd "$(dirname "$0")/.."

if [[ -z "${DATABASE_URL:-}" ]]; then
    echo "DATABASE_URL is missing. Set it to a PostgreSQL database whose user may" \
        "create databases, for example postgres://postgres@127.0.0.1:5432/postgres" >&2
    exit 2
fi
admin_url="$DATABASE_URL"
server_url="${DATABASE_URL%/*}"
source_db="legal_crm_backup_source_$$"
target_db="legal_crm_backup_target_$$"
source_url="$server_url/$source_db"
target_url="$server_url/$target_db"
work_dir="$(mktemp -d)"

sql() {
    psql --dbname="$1" --no-psqlrc --quiet --tuples-only --no-align \
        --set=ON_ERROR_STOP=1 --command="$2"
}

cleanup() {
    sql "$admin_url" "DROP DATABASE IF EXISTS $source_db WITH (FORCE)" || true
    sql "$admin_url" "DROP DATABASE IF EXISTS $target_db WITH (FORCE)" || true
    rm -rf "$work_dir"
}
trap cleanup EXIT

# One line per table of the public schema: its name and its exact row count.
row_counts() {
    sql "$1" "
        SELECT table_name || ' ' || (xpath('/row/n/text()', query_to_xml(
            format('SELECT count(*) AS n FROM public.%I', table_name),
            false, true, '')))[1]::text
        FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
        ORDER BY table_name"
}

echo "Backup check: loading the demo data into $source_db."
sql "$admin_url" "CREATE DATABASE $source_db"
DATABASE_URL="$source_url" .venv/bin/python manage.py migrate --no-input >/dev/null
DATABASE_URL="$source_url" DEBUG=true .venv/bin/python manage.py seed_demo >/dev/null

dump="$(DATABASE_URL="$source_url" crm_site/ops/backup.sh "$work_dir")"
echo "Backup check: backed up to $(basename "$dump"), restoring into $target_db."
sql "$admin_url" "CREATE DATABASE $target_db"
crm_site/ops/restore.sh "$dump" "$target_url" >/dev/null

if crm_site/ops/restore.sh "$dump" "$target_url" 2>"$work_dir/refusal.txt"; then
    echo "Backup check failed: restore.sh overwrote a database with tables" \
        "without --force." >&2
    exit 1
fi
grep -q -- "--force" "$work_dir/refusal.txt" || {
    echo "Backup check failed: restore.sh failed without naming --force:" >&2
    cat "$work_dir/refusal.txt" >&2
    exit 1
}
crm_site/ops/restore.sh --force "$dump" "$target_url" >/dev/null

row_counts "$source_url" >"$work_dir/source-counts.txt"
row_counts "$target_url" >"$work_dir/target-counts.txt"
if ! diff -u "$work_dir/source-counts.txt" "$work_dir/target-counts.txt"; then
    echo "Backup check failed: row counts differ (- backed up, + restored)." >&2
    exit 1
fi

tables=$(wc -l <"$work_dir/source-counts.txt")
rows=$(awk '{ total += $2 } END { print total + 0 }' "$work_dir/source-counts.txt")
if ((rows == 0)); then
    echo "Backup check failed: the demo data left every table empty." >&2
    exit 1
fi
echo "Backup check passed: $tables tables and $rows rows restored with equal counts."
