"""A logged-in Django test client in one transport mode, knowing where its tokens live."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client


@dataclass
class Session:
    """A logged-in client in one mode: knows where its tokens live."""

    client: Client
    mode: str
    refresh: str | None = None
    access: str | None = None
    login_response: object = None
    extra: dict = field(default_factory=dict)

    @property
    def cookie_mode(self) -> bool:
        return self.mode != "JSON"

    def csrf_headers(self) -> dict:
        token = self.client.cookies.get("csrftoken")
        return {"HTTP_X_CSRFTOKEN": token.value} if token is not None else {}

    def access_headers(self) -> dict:
        if self.cookie_mode:
            return self.csrf_headers()
        return {"HTTP_AUTHORIZATION": f"Bearer {self.access}"}

    def refresh_headers(self) -> dict:
        if self.cookie_mode:
            return self.csrf_headers()
        return {"HTTP_AUTHORIZATION": f"Bearer {self.refresh}"}

    def get(self, path, **extra):
        return self.client.get(path, **{**self.access_headers(), **extra})

    def post(self, path, data=None, **extra):
        return self.client.post(path, data or {}, **{**self.access_headers(), **extra})

    def post_refresh(self, path, **extra):
        response = self.client.post(path, **{**self.refresh_headers(), **extra})
        self._remember(response)
        return response

    def _remember(self, response):
        if response.status_code != 200:
            return
        if self.cookie_mode:
            for name in ("jwt_refresh", "jwt_access", "jwt_access_token"):
                morsel = response.cookies.get(name)
                if morsel is not None and morsel.value:
                    if name == "jwt_refresh":
                        self.refresh = morsel.value
                    else:
                        self.access = morsel.value
        else:
            body = response.json()
            self.refresh = body.get("refresh", self.refresh)
            self.access = body.get("access", self.access)


def login(client: Client, mode: str, username: str, password: str) -> Session:
    session = Session(client, mode)
    response = client.post("/login/", {"username": username, "password": password})
    session.login_response = response
    session._remember(response)
    return session
