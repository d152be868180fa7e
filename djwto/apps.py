from django.apps import AppConfig


class DjwtoConfig(AppConfig):
    name = "djwto"
    verbose_name = "djwto"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
