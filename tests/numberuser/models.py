from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models


class NumberUserManager(BaseUserManager):
    def create_user(self, number: int, password: str) -> "NumberUser":
        user = self.model(number=number)
        user.set_password(password)
        user.save()
        return user


class NumberUser(AbstractBaseUser):
    """Logs in with a member number (an ``IntegerField``) and a password."""

    number = models.IntegerField(unique=True)
    is_active = models.BooleanField(default=True)

    USERNAME_FIELD = "number"
    objects = NumberUserManager()

    def get_all_permissions(self, obj: object = None) -> set[str]:
        return set()
