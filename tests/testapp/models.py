from django.db import models


class Report(models.Model):
    """Only here to own the permissions the tests grant (``testapp.perm1``, ``testapp.perm2``)."""

    class Meta:
        permissions = [("perm1", "Test permission 1"), ("perm2", "Test permission 2")]

    def __str__(self) -> str:
        return f"{self.__class__.__name__} {self.pk}"
