from django.db import models


class Perm1Holder(models.Model):
    """Exists only to own the demo permission ``testapp.perm1`` (see ``demo_users``)."""

    class Meta:
        default_permissions = ()
        permissions = [("perm1", "Demo permission 1")]

    def __str__(self) -> str:
        return f"{self.__class__.__name__} {self.pk}"
