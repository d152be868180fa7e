"""Drop djwto 0.0.4's ``JWTBlacklist``: its ``token`` column holds raw refresh tokens, and
0003 has copied what is still needed (the ``jti`` values) into ``DeniedToken``.

A database of a development version of djwto 1.x never had the table: nothing is dropped.
Reversing recreates the table (empty, then refilled by 0003's reverse).
"""

from django.db import migrations


class DeleteModelIfPresent(migrations.DeleteModel):
    """``DeleteModel`` that does nothing where the table does not exist."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.name)
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            existing = connection.introspection.table_names(cursor)
        if model._meta.db_table not in existing:
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ("djwto", "0003_copy_jwtblacklist"),
    ]

    operations = [
        DeleteModelIfPresent(
            name="JWTBlacklist",
        ),
    ]
