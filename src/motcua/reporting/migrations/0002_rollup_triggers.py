"""On PostgreSQL, a change to a dossier, ticket or rating of a closed day moves its center's
rollup mark back to that day (docs/reports.md, "Rollup"): row triggers in PL/pgSQL (its plans
are kept per connection: about 10 µs a row, where statement triggers with transition tables
cost 250 µs a ticket), and an update that changes none of a figure's columns (a dossier's
next step) does not call them at all.

The mark row is updated, and so locked, whenever a statement touches a day before the
center's today, even when the mark is already earlier: a rollup running at the same moment
holds that lock while it reads, so either it sees the change or the change moves the mark
back after it."""

from django.db import migrations

# The columns each table's figures read: an update that changes none of them moves no mark.
TABLES = {
    "dossiers_dossier": (
        "reporting_dossier_stale",
        ("received_at", "processed_at"),
        (
            "center_id",
            "received_at",
            "processed_at",
            "channel",
            "timeliness",
            "supplements_during_processing",
        ),
    ),
    "queueing_ticket": (
        "reporting_ticket_stale",
        ("issued_at",),
        (
            "center_id",
            "issued_at",
            "status",
            "appointment_at",
            "called_at",
            "serving_at",
            "finished_at",
        ),
    ),
    "feedback_rating": (
        "reporting_rating_stale",
        ("created_at",),
        ("center_id", "created_at", "score"),
    ),
}

MARK_DAY = """
CREATE OR REPLACE FUNCTION reporting_mark_day(center bigint, moment timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF moment IS NULL THEN
        RETURN;
    END IF;
    UPDATE reporting_rollupmark
    SET complete_until = LEAST(complete_until, (moment AT TIME ZONE time_zone)::date)
    WHERE center_id = center
      AND (moment AT TIME ZONE time_zone)::date < (now() AT TIME ZONE time_zone)::date;
END
$$;
"""


def _function(name: str, moments: tuple[str, ...]) -> str:
    new = "\n".join(f"        PERFORM reporting_mark_day(NEW.center_id, NEW.{m});" for m in moments)
    old = "\n".join(f"        PERFORM reporting_mark_day(OLD.center_id, OLD.{m});" for m in moments)
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
{new}
    END IF;
    IF TG_OP <> 'INSERT' THEN
{old}
    END IF;
    RETURN NULL;
END
$$;
"""


def _create() -> str:
    statements = [MARK_DAY]
    for table, (function, moments, columns) in TABLES.items():
        statements.append(_function(function, moments))
        old = ", ".join(f"OLD.{c}" for c in columns)
        new = ", ".join(f"NEW.{c}" for c in columns)
        statements.append(
            f"DROP TRIGGER IF EXISTS {function}_write ON {table};\n"
            f"CREATE TRIGGER {function}_write AFTER INSERT OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {function}();\n"
            f"DROP TRIGGER IF EXISTS {function}_update ON {table};\n"
            f"CREATE TRIGGER {function}_update AFTER UPDATE ON {table} FOR EACH ROW"
            f" WHEN (({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION {function}();"
        )
    return "\n".join(statements)


def _drop() -> str:
    statements = []
    for table, (function, _moments, _columns) in TABLES.items():
        statements.append(f"DROP TRIGGER IF EXISTS {function}_write ON {table};")
        statements.append(f"DROP TRIGGER IF EXISTS {function}_update ON {table};")
        statements.append(f"DROP FUNCTION IF EXISTS {function}();")
    statements.append("DROP FUNCTION IF EXISTS reporting_mark_day(bigint, timestamptz);")
    return "\n".join(statements)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_create(), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_drop(), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("dossiers", "0003_report_indexes"),
        ("queueing", "0003_ticket_line_indexes"),
        ("feedback", "0002_default_survey_questions"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
