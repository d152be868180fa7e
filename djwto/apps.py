from django.apps import AppConfig


class DjwtoConfig(AppConfig):
    name = "djwto"
    verbose_name = "djwto"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (checks registers the system checks)

        receivers.connect()
