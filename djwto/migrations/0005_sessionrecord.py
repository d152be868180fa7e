"""Session records (``DJWTO_SESSION_RECORDS``): one row per login its user can list and revoke.

A new table only; the denylist is untouched.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('djwto', '0004_delete_jwtblacklist'),
    ]

    operations = [
        migrations.CreateModel(
            name='SessionRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sid', models.CharField(max_length=255, unique=True, verbose_name='session id')),
                ('user_id', models.CharField(db_index=True, max_length=255, verbose_name='user id')),
                ('created_at', models.DateTimeField(verbose_name='started at')),
                ('last_refresh_at', models.DateTimeField(blank=True, null=True, verbose_name='last rotated at')),
                ('expires_at', models.DateTimeField(db_index=True, help_text="When the family's last refresh token expires; no token lives past it.", verbose_name='expires at')),
                ('user_agent', models.CharField(blank=True, max_length=255, verbose_name='user agent')),
                ('ip_hash', models.CharField(blank=True, help_text="A keyed hash (HMAC) of the client's address; the address is not kept.", max_length=64, verbose_name='IP address hash')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked at')),
            ],
            options={
                'verbose_name': 'session record',
                'verbose_name_plural': 'session records',
                'ordering': ['-created_at'],
            },
        ),
    ]
