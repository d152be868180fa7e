"""What is measured: djwto and DRF + simplejwt side by side, through public APIs only.

djwto is driven through its views, mixins, settings and dotted paths: tokens are minted by
POSTing to its ``LoginView`` (untimed), settings change with ``override_settings``, and the
denylist store is the class ``DJWTO_DENYLIST_BACKEND`` names. Every scenario is a zero-argument
callable; "request" scenarios are ``WSGIHandler`` calls compared with the plain view.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from benchmarks import denylist_tables as tables
from benchmarks.runner import Scenario
from benchmarks.wsgi import Client, base_environ, get, json_body, pooled, post

PASSWORD = "correct horse battery staple"
PLAIN = "plain View + JsonResponse"
ALGORITHMS = ("RS256", "ES256", "EdDSA")
DATABASE_DENYLIST = "djwto.denylist.DatabaseDenylist"
CACHE_DENYLIST = "djwto.denylist.CacheDenylist"


@dataclass
class Kit:
    """What the scenarios share: the client, users, keys and tokens, the run's services."""

    args: Any
    info: dict[str, Any]
    client: Client
    user: Any
    keys: dict[str, Any] = field(default_factory=dict)
    access: dict[str, str] = field(default_factory=dict)
    refresh: str = ""
    sj_access: str = ""

    def get(self, path: str, **extra: str):
        return get(self.client, path, **extra)

    def post(self, path: str, data: dict[str, Any]):
        return post(self.client, path, data)

    def request(self, name: str, op, group: str, **kw: Any) -> Scenario:
        return Scenario(name, op, group, client=self.client, **kw)

    def bearer(self, alg: str = "HS256") -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.access[alg]}"}


def login(client: Client, username: str = "alice", password: str = PASSWORD) -> dict[str, str]:
    """Tokens from djwto's ``LoginView`` (JSON mode): ``{"refresh": ..., "access": ...}``."""
    headers, body = json_body({"username": username, "password": password})
    content = client.request(base_environ("POST", "/login/", **headers), body)
    if not client.last_status.startswith("2"):
        raise SystemExit(f"minting tokens: the login answered {client.last_status}: {content!r}")
    return json.loads(content)


def alg_settings(kit: Kit, alg: str, **extra: Any):
    from django.test import override_settings

    return lambda: override_settings(DJWTO_ALGORITHM=alg, DJWTO_SIGNING_KEY=kit.keys[alg], **extra)


def combined(*contexts):
    @contextlib.contextmanager
    def context():
        with contextlib.ExitStack() as stack:
            for make in contexts:
                stack.enter_context(make())
            yield

    return context


def sj_settings(**overrides: Any):
    """simplejwt binds its settings at import (override_settings does not reach
    ``serializers.api_settings``): swap the object its serializers read, untimed."""
    from rest_framework_simplejwt import serializers as sj_serializers
    from rest_framework_simplejwt.settings import DEFAULTS, IMPORT_STRINGS, APISettings

    from benchmarks import bench_settings

    @contextlib.contextmanager
    def context():
        saved = sj_serializers.api_settings
        sj_serializers.api_settings = APISettings(
            {**bench_settings.SIMPLE_JWT, **overrides}, DEFAULTS, IMPORT_STRINGS
        )
        try:
            yield
        finally:
            sj_serializers.api_settings = saved

    return context


def pbkdf2():
    """Django's default hashers (PBKDF2 first): the realistic cost of a login."""
    from django.conf import global_settings
    from django.test import override_settings

    return override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS)


# --- the kit -------------------------------------------------------------------------------


def make_kit(args: Any, info: dict[str, Any]) -> Kit:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.core.handlers.wsgi import WSGIHandler
    from joserfc.jwk import ECKey, OKPKey, RSAKey

    from benchmarks import bench_settings

    users = get_user_model().objects
    user = users.create_user("alice", "alice@example.com", PASSWORD)
    user.user_permissions.add(
        Permission.objects.get(codename="view_user", content_type__app_label="auth")
    )
    with pbkdf2():
        users.create_user("bob", "bob@example.com", PASSWORD)
    kit = Kit(args, info, Client(WSGIHandler()), users.get(pk=user.pk))
    kit.keys = {
        "HS256": bench_settings.HS_KEY,
        "RS256": RSAKey.generate_key(2048).as_pem(private=True),
        "ES256": ECKey.generate_key("P-256").as_pem(private=True),
        "EdDSA": OKPKey.generate_key("Ed25519").as_pem(private=True),
    }
    for alg in kit.keys:
        with alg_settings(kit, alg)():
            kit.access[alg] = login(kit.client)["access"]
    kit.refresh = login(kit.client)["refresh"]
    kit.sj_access = str(_sj_refresh(kit).access_token)
    return kit


# --- scenarios, by group -------------------------------------------------------------------


def baselines(kit: Kit) -> list[Scenario]:
    bearer = kit.bearer()
    return [
        kit.request(PLAIN, kit.get("/plain/"), "baseline"),
        kit.request("floor: stdlib HS256 check", kit.get("/floor/stdlib/", **bearer), "baseline"),
        kit.request("floor: joserfc HS256 check", kit.get("/floor/joserfc/", **bearer), "baseline"),
    ]


def protected(kit: Kit) -> list[Scenario]:
    """djwto's protected views (each algorithm under override_settings), and DRF's."""
    bearer = kit.bearer()
    scenarios = [kit.request("djwto HS256 (JSON)", kit.get("/djwto/json/", **bearer), "protected")]
    for alg in ALGORITHMS:
        scenarios.append(
            kit.request(
                f"djwto {alg} (JSON)",
                kit.get("/djwto/json/", **kit.bearer(alg)),
                "protected",
                context=alg_settings(kit, alg),
            )
        )
    cookies = two_cookies_header(kit.access["HS256"])
    return [
        *scenarios,
        kit.request(
            "djwto HS256 (TWO-COOKIES)",
            kit.get("/djwto/two-cookies/", HTTP_COOKIE=cookies),
            "protected",
        ),
        kit.request("djwto JWTPermissionMixin", kit.get("/djwto/perm/", **bearer), "protected"),
        kit.request("djwto request.user (DB)", kit.get("/djwto/db-user/", **bearer), "protected"),
        kit.request(
            "simplejwt stateless", kit.get("/sj/stateless/", **sj_bearer(kit)), "protected"
        ),
        kit.request("simplejwt DB user", kit.get("/sj/db-user/", **sj_bearer(kit)), "protected"),
    ]


def uncached(kit: Kit) -> list[Scenario]:
    """The protected view with the verified-token cache off: the signature checked each time."""
    return [
        kit.request(
            f"djwto {alg} uncached (TOKEN_CACHE_SIZE=0)",
            kit.get("/djwto/json/", **kit.bearer(alg)),
            "token",
            context=alg_settings(kit, alg, DJWTO_TOKEN_CACHE_SIZE=0),
        )
        for alg in ("HS256", *ALGORITHMS)
    ]


def sj_bearer(kit: Kit) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {kit.sj_access}"}


def two_cookies_header(access: str) -> str:
    """The cookies a TWO-COOKIES browser sends: the HttpOnly token, the JS payload, csrftoken."""
    payload = access.split(".")[1]
    return (
        f"csrftoken={secrets.token_urlsafe(24)}; jwt_access_payload={payload}; "
        f"jwt_access_token={access}"
    )


def revocation(kit: Kit) -> list[Scenario]:
    """The protected view with DJWTO_CHECK_ACCESS_REVOCATION on each denylist store."""
    from django.test import override_settings

    def check(backend: str, **extra: Any):
        return lambda: override_settings(
            DJWTO_CHECK_ACCESS_REVOCATION=True, DJWTO_DENYLIST_BACKEND=backend, **extra
        )

    stores = {"database": check(DATABASE_DENYLIST)}
    caches = {"redis": "denylist", "locmem": "denylist_locmem"}
    for label, alias in caches.items():
        if label != "redis" or kit.info["redis"]:
            stores[f"cache: {label}"] = check(CACHE_DENYLIST, DJWTO_DENYLIST_CACHE=alias)
    if kit.info["redis"]:
        stores["cache: redis + local cache"] = check(
            CACHE_DENYLIST, DJWTO_DENYLIST_CACHE="denylist", DJWTO_DENYLIST_LOCAL_CACHE=10_000
        )
    op = kit.get("/djwto/json/", **kit.bearer())
    scenarios = [
        kit.request(f"djwto + revocation ({label})", op, "revocation", context=context)
        for label, context in stores.items()
    ]
    if kit.info["redis"]:
        import redis

        raw = redis.Redis.from_url(kit.info["redis"])
        keys = ["djwto-bench:1:djwto:deny:user:1", "djwto-bench:1:djwto:deny:sid:0"]
        scenarios.append(
            Scenario(
                "floor: redis-py MGET round trip", lambda: raw.mget(keys), "revocation", "direct"
            )
        )
    return scenarios


def logins(kit: Kit) -> list[Scenario]:
    """Django's default hasher (PBKDF2, what a deployment pays) and MD5 (for information).

    The like-for-like baseline is Django's own ``authenticate()`` plus the ``user_logged_in``
    signal (which updates ``last_login``), what ``django.contrib.auth.login()`` does without a
    session: djwto's login does the same and signs two tokens.
    """
    bob = {"username": "bob", "password": PASSWORD}
    alice = {"username": "alice", "password": PASSWORD}
    last_login = sj_settings(UPDATE_LAST_LOGIN=True)
    rows = [
        ("Django authenticate() + last_login, PBKDF2", "/django/login/", bob, [pbkdf2]),
        ("djwto login, PBKDF2", "/login/", bob, [pbkdf2]),
        ("simplejwt login + UPDATE_LAST_LOGIN, PBKDF2", "/sj/login/", bob, [pbkdf2, last_login]),
        ("Django authenticate() + last_login, MD5", "/django/login/", alice, []),
        ("djwto login, MD5", "/login/", alice, []),
        ("simplejwt login, MD5", "/sj/login/", alice, []),
        ("simplejwt login + UPDATE_LAST_LOGIN, MD5", "/sj/login/", alice, [last_login]),
    ]
    return [
        kit.request(
            name,
            kit.post(path, data),
            "login" if "PBKDF2" in name else "login (MD5, information)",
            context=combined(*contexts),
        )
        for name, path, data, contexts in rows
    ]


def refreshes(kit: Kit) -> list[Scenario]:
    return [
        kit.request(
            "djwto refresh_access",
            kit.post("/api/token/refresh/refresh_access/", {"refresh": kit.refresh}),
            "refresh",
        ),
        kit.request(
            "simplejwt refresh (blacklist check)",
            kit.post("/sj/refresh/", {"refresh": str(_sj_refresh(kit))}),
            "refresh",
        ),
    ]


def _sj_refresh(kit: Kit):
    from rest_framework_simplejwt.tokens import RefreshToken

    return RefreshToken.for_user(kit.user)


def rotations(kit: Kit) -> list[Scenario]:
    """Rotation consumes its refresh token: a pool of fresh ones is minted before each timed
    loop (djwto: through its login; simplejwt: ``RefreshToken.for_user``, which records the
    OutstandingToken row as its login does), so minting is in neither side's numbers."""
    djwto_pool: list[tuple[dict[str, Any], bytes]] = []
    sj_pool: list[tuple[dict[str, Any], bytes]] = []

    def fill(pool, path: str, mint):
        def prepare(n: int) -> None:
            pool.clear()
            for _ in range(n):
                headers, body = json_body({"refresh": mint()})
                pool.append((base_environ("POST", path, **headers), body))

        return prepare

    mint_djwto = fill(
        djwto_pool, "/api/token/refresh/update_refresh/", lambda: login(kit.client)["refresh"]
    )
    mint_sj = fill(sj_pool, "/sj/refresh/", lambda: str(_sj_refresh(kit)))
    return [
        kit.request(
            "djwto update_refresh (rotation)",
            pooled(kit.client, djwto_pool),
            "rotation",
            prepare=mint_djwto,
            note="pool of refresh tokens minted before the timed loop",
        ),
        kit.request(
            "simplejwt rotate + blacklist",
            pooled(kit.client, sj_pool),
            "rotation",
            prepare=mint_sj,
            context=sj_settings(ROTATE_REFRESH_TOKENS=True, BLACKLIST_AFTER_ROTATION=True),
            note="pool of RefreshToken.for_user tokens minted before the timed loop",
        ),
    ]


# --- the denylist's size -------------------------------------------------------------------


def revocation_name(engine: str, rows: int) -> str:
    return f"djwto + revocation (database), {engine}, {human(rows)} rows"


def lookup_name(engine: str, rows: int, case: str) -> str:
    return f"denylist lookup, {engine}, {human(rows)} rows ({case})"


def human(rows: int) -> str:
    if rows >= 1_000_000 and rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows >= 1_000 and rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


def denylist_sources(kit: Kit) -> list[tuple[str, str, int, Any]]:
    """(engine, router, rows, keys_of_ids) for each prebuilt table; tables read into memory."""
    built = kit.info["denylist_tables"]
    small, large = kit.args.small_rows, kit.args.large_rows
    sources = [
        ("SQLite", "DenySmallRouter", small, tables.sqlite_keys(built["SQLite"]["small"]["path"])),
        ("SQLite", "DenyLargeRouter", large, tables.sqlite_keys(built["SQLite"]["large"]["path"])),
    ]
    tables.warm_sqlite("deny_small")
    tables.warm_sqlite("deny_large")
    if "PostgreSQL" in built:
        tables.warm_pg("deny_pg_small")
        tables.warm_pg("deny_pg_large")
        sources += [
            ("PostgreSQL", "DenyPgSmallRouter", small, tables.pg_keys("deny_pg_small")),
            ("PostgreSQL", "DenyPgLargeRouter", large, tables.pg_keys("deny_pg_large")),
        ]
    return sources


def denylist_size(kit: Kit) -> list[Scenario]:
    """The database revocation check of a protected view on each table (routed with
    DATABASE_ROUTERS), and the store's raw lookup of 3 keys shaped like a refresh check
    ([user:..., sid:..., jti]): all absent (a valid token) or with the jti present."""
    from django.test import override_settings
    from django.utils.module_loading import import_string

    store = import_string(DATABASE_DENYLIST)()
    scenarios = []
    for engine, router, rows, keys_of_ids in denylist_sources(kit):
        routers = [f"benchmarks.bench_views.{router}"]
        scenarios.append(
            kit.request(
                revocation_name(engine, rows),
                kit.get("/djwto/json/", **kit.bearer()),
                "denylist",
                context=lambda r=routers: override_settings(
                    DATABASE_ROUTERS=r,
                    DJWTO_CHECK_ACCESS_REVOCATION=True,
                    DJWTO_DENYLIST_BACKEND=DATABASE_DENYLIST,
                ),
            )
        )
        absent, present = tables.denylist_key_pools(keys_of_ids, rows)
        for case, pool in (("absent", absent), ("present", present)):
            keys = itertools.cycle(pool)
            scenarios.append(
                Scenario(
                    lookup_name(engine, rows, case),
                    lambda it=keys: store.lookup(next(it)),
                    "denylist",
                    "direct",
                    context=lambda r=routers: override_settings(DATABASE_ROUTERS=r),
                )
            )
    return scenarios


GROUPS = (baselines, protected, revocation, logins, refreshes, rotations, denylist_size, uncached)


def build_scenarios(args: Any, info: dict[str, Any]) -> tuple[Kit, list[Scenario]]:
    kit = make_kit(args, info)
    scenarios = [s for group in GROUPS for s in group(kit)]
    if args.only:
        wanted = [w.strip().lower() for w in args.only.split(",")]
        scenarios = [
            s for s in scenarios if s.name == PLAIN or any(w in s.name.lower() for w in wanted)
        ]
    return kit, scenarios
