"""Log in with several member numbers, through Django's ``authenticate()`` and through djwto.

Run as ``python -m tests.numberuser.probe`` with ``DJANGO_SETTINGS_MODULE=
tests.numberuser.settings``; prints one JSON object: for each value, what each answered and how
many ``user_login_failed`` / ``jwt_login_fail`` signals it sent.
"""

import json
import sys

import django


def main(values: list[str]) -> dict:
    django.setup()
    from django.contrib.auth import authenticate, get_user_model
    from django.contrib.auth.signals import user_login_failed
    from django.core.management import call_command
    from django.test import Client

    from djwto.signals import jwt_login_fail
    from tests.support import decode_unverified

    def user_id(body):
        if not body or "access" not in body:
            return None
        return decode_unverified(body["access"])["user"]["id"]

    call_command("migrate", run_syncdb=True, verbosity=0)
    get_user_model().objects.create_user(7, "pw")
    sent: list[str] = []

    def on_django_failure(sender, **kwargs):
        sent.append("user_login_failed")

    def on_djwto_failure(sender, **kwargs):
        sent.append("jwt_login_fail")

    user_login_failed.connect(on_django_failure)
    jwt_login_fail.connect(on_djwto_failure)
    answers = {}
    for value in values:
        sent.clear()
        try:
            django_answer = getattr(authenticate(None, number=value, password="pw"), "pk", None)
        except Exception as exc:  # what Django raises is part of the answer
            django_answer = type(exc).__name__
        django_sent = list(sent)
        sent.clear()
        client = Client(raise_request_exception=False)
        response = client.post("/login/", {"number": value, "password": "pw"})
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        body = response.json() if is_json else None
        answers[value] = {
            "django": django_answer,
            "django_sent": django_sent,
            "status": response.status_code,
            "user_id": user_id(body),
            "error": body and body.get("code"),
            "djwto_sent": list(sent),
        }
    return answers


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
