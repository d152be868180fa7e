"""Clients get djwto's messages in their language (``LANGUAGE_CODE``, or ``Accept-Language``
through Django's ``LocaleMiddleware``); the ``code`` never changes."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support import ACCESS_COOKIE, PROTECTED, P, assert_error, bearer

LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"

#: (language, the login's failure, a protected view's "no token", a login's success)
EXPECTED = {
    "de": (
        "Ungültiger Benutzername oder ungültiges Passwort.",
        "Es wurden keine Anmeldedaten übermittelt.",
        "Tokens erfolgreich erstellt.",
    ),
    "fr": (
        "Nom d'utilisateur ou mot de passe invalide.",
        "Les informations d'authentification n'ont pas été fournies.",
        "Jetons créés avec succès.",
    ),
    "es": (
        "Nombre de usuario o contraseña no válidos.",
        "No se proporcionaron las credenciales de autenticación.",
        "Tokens creados correctamente.",
    ),
    "pt-br": (
        "Nome de usuário ou senha inválidos.",
        "As credenciais de autenticação não foram fornecidas.",
        "Tokens criados com sucesso.",
    ),
}


#: A cookie-mode request over plain HTTP: the Secure access cookie never came, and the
#: client is told why, in its language, with the cookie's name untouched.
SECURE_COOKIE_HINT = {
    "de": (
        "Es wurden keine Anmeldedaten übermittelt: Das Cookie %s ist Secure, und Browser "
        "senden Secure-Cookies nicht über unverschlüsseltes HTTP. Verwenden Sie HTTPS."
    ),
    "fr": (
        "Les informations d'authentification n'ont pas été fournies : le cookie %s est "
        "Secure, et les navigateurs n'envoient pas les cookies Secure en HTTP non chiffré. "
        "Utilisez HTTPS."
    ),
    "es": (
        "No se proporcionaron las credenciales de autenticación: la cookie %s es Secure y "
        "los navegadores no envían cookies Secure por HTTP sin cifrar. Use HTTPS."
    ),
    "pt-br": (
        "As credenciais de autenticação não foram fornecidas: o cookie %s é Secure, e os "
        "navegadores não enviam cookies Secure por HTTP sem criptografia. Use HTTPS."
    ),
}


@pytest.fixture
def locale_middleware(settings):
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.middleware.common.CommonMiddleware"), LOCALE_MIDDLEWARE
    )
    settings.MIDDLEWARE = middleware


@pytest.mark.parametrize("language", EXPECTED)
def test_language_code_translates_the_errors(settings, alice, language):
    settings.LANGUAGE_CODE = language
    bad_login, no_token, _ = EXPECTED[language]
    client = Client()

    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert_error(response, 401, "invalid_credentials")
    assert response.json()["error"] == bad_login

    for path in PROTECTED:
        response = client.get(path)
        assert_error(response, 401, "token_missing")
        assert response.json()["error"] == no_token


@pytest.mark.parametrize("language", EXPECTED)
def test_accept_language_translates_errors_and_successes(
    locale_middleware, mode, alice, password, language
):
    bad_login, no_token, created = EXPECTED[language]
    client = Client(headers={"Accept-Language": f"{language},en;q=0.5"})

    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert_error(response, 401, "invalid_credentials")
    assert response.json()["error"] == bad_login
    assert response["Content-Language"] == language

    # Over HTTPS nothing explains the missing token but its absence.
    response = client.get("/protected/", secure=True)
    assert_error(response, 401, "token_missing")
    assert response.json()["error"] == no_token

    response = client.get("/protected/")
    assert_error(response, 401, "token_missing")
    if mode == "JSON":
        assert response.json()["error"] == no_token
    else:  # the Secure access cookie cannot come over plain HTTP: the hint says so
        assert response.json()["error"] == SECURE_COOKIE_HINT[language] % ACCESS_COOKIE[mode]

    response = client.post("/login/", {"username": "alice", "password": password})
    assert response.status_code == 200
    if mode != "JSON":  # the JSON mode answers with the tokens only
        assert response.json()["msg"] == created


def test_a_refused_token_is_translated_with_its_code(locale_middleware, alice, password):
    client = Client(headers={"Accept-Language": "fr"})
    response = client.post(f"{P}/refresh_access/", **bearer("not.a.token"))
    assert_error(response, 401, "token_invalid")
    assert response.json()["error"] == "Le jeton est invalide."

    response = client.get("/protected/", HTTP_AUTHORIZATION="Basic abc")
    assert_error(response, 401, "token_missing")
    assert response.json()["error"] == "L'en-tête Authorization doit être 'Bearer <token>'."


def test_english_stays_the_default(alice):
    response = Client(headers={"Accept-Language": "de"}).post(
        "/login/", {"username": "alice", "password": "wrong"}
    )
    # Without LocaleMiddleware the request's language is LANGUAGE_CODE's.
    assert response.json() == {
        "error": "Invalid username or password.",
        "code": "invalid_credentials",
    }


@pytest.mark.parametrize("language", ["de", "es", "fr", "pt_BR"])
def test_the_simplejwt_endpoints_answer_in_simplejwt_s_own_words(settings, alice, language):
    """A drop-in for simplejwt answers what simplejwt (and DRF, for field errors) would say in
    the same language, word for word."""
    import gettext
    from pathlib import Path

    import rest_framework
    import rest_framework_simplejwt

    def upstream(package, message):
        directory = Path(package.__file__).parent / "locale"
        return gettext.translation("django", directory, [language]).gettext(message)

    settings.ROOT_URLCONF = "tests.contrib.urls"
    settings.LANGUAGE_CODE = language.replace("_", "-").lower()
    client = Client()
    response = client.post(
        "/sj/api/token/",
        {"username": "alice", "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 401
    expected = upstream(
        rest_framework_simplejwt, "No active account found with the given credentials"
    )
    assert response.json() == {"detail": expected}

    response = client.post("/sj/api/token/", {"username": "alice"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"password": [upstream(rest_framework, "This field is required.")]}


def test_a_message_is_translated_when_the_answer_is_built_not_when_raised():
    import json

    from django.utils import translation

    from djwto.exceptions import InvalidToken
    from djwto.responses import error_response

    with translation.override("de"):
        exc = InvalidToken()
    with translation.override("fr"):
        body = json.loads(error_response(exc).content)
    assert body == {"error": "Le jeton est invalide.", "code": "token_invalid"}
    assert json.loads(error_response(exc).content)["error"] == "Token is invalid."
