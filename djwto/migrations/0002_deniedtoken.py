"""Create the denylist table of djwto 1.x next to 0.0.4's ``JWTBlacklist``.

``0001_initial`` is djwto 0.0.4's own migration, unchanged, so a database made by 0.0.4 and a
fresh one follow the same path: 0002 creates ``DeniedToken``, 0003 copies the unexpired 0.0.4
blacklist into it (by ``jti``), 0004 drops ``JWTBlacklist`` and its raw tokens.

A database made by an unreleased development version of djwto 1.x already has the
``djwto_deniedtoken`` table (its ``0001_initial`` created it): the table is then kept as it is.
"""

from django.db import migrations, models


class CreateModelIfMissing(migrations.CreateModel):
    """``CreateModel`` that leaves an existing table of the same name alone."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.name)
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            existing = connection.introspection.table_names(cursor)
        if model._meta.db_table in existing:
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ("djwto", "0001_initial"),
    ]

    operations = [
        CreateModelIfMissing(
            name='DeniedToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('jti', models.CharField(help_text="The token's jti, or 'sid:<family>' / 'user:<id>' for wider revocations.", max_length=255, unique=True, verbose_name='key')),
                ('token_type', models.CharField(choices=[('refresh', 'refresh token'), ('access', 'access token'), ('session', 'session (token family)'), ('user', 'all sessions of a user')], max_length=16, verbose_name='kind')),
                ('reason', models.CharField(choices=[('rotated', 'rotated'), ('logout', 'logged out'), ('reused', 'reuse detected'), ('revoked', 'revoked')], max_length=16, verbose_name='reason')),
                ('user_id', models.CharField(blank=True, db_index=True, max_length=255, verbose_name='user id')),
                ('expires_at', models.DateTimeField(db_index=True, verbose_name='expires at')),
                ('created_at', models.DateTimeField(verbose_name='revoked at')),
            ],
            options={
                'verbose_name': 'denied token',
                'verbose_name_plural': 'denied tokens',
                'ordering': ['-created_at'],
            },
        ),
    ]
