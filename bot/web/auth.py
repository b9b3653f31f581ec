"""Who may use the console: password hashes, sessions, CSRF tokens, login throttling.

Passwords are kept only as salted scrypt hashes (hashlib's, in the standard library: a
memory-hard KDF, so a stolen config file does not give the passwords away cheaply).
Sessions live in the bot's SQLite database, so restarting `troly06 run` (a reload of the
service, an upgrade) does not log every admin out; only a SHA-256 of each cookie's token is
stored, so a copy of the database does not hold a usable session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlite_utils

from foundations.database import migrate

ADMIN, VIEWER = "admin", "viewer"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5  # failed logins per IP address, and per name, ...
FAILURE_WINDOW = 15 * 60  # ... within this many seconds before further tries are refused


def hash_password(password: str, salt: bytes | None = None) -> str:
    """'scrypt$N$r$p$salt$hash' (base64), the form `web.admins` keeps."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P),
                     _b64(salt), _b64(digest)])  # fmt: skip


def verify_password(password: str, hashed: str) -> bool:
    """Whether `password` gives `hashed`; a malformed hash never matches."""
    try:
        _, n, r, p, salt, digest = hashed.split("$")
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32,
                          maxmem=64 * 1024 * 1024)  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    hashed: str


def accounts(lines: Iterable[str]) -> dict[str, Account]:
    """`web.admins` lines ("name:role:scrypt$…", checked by the config) by name."""
    found = {}
    for line in lines:
        name, role, hashed = line.split(":", 2)
        found[name] = Account(name, role, hashed)
    return found


@dataclass
class Session:
    name: str
    role: str
    csrf: str
    expires: float

    @property
    def may_change(self) -> bool:
        return self.role == ADMIN


def _v1_sessions(db: sqlite_utils.Database) -> None:
    db["web_sessions"].create(
        {"token_hash": str, "name": str, "role": str, "csrf": str, "expires": float},
        pk="token_hash", not_null={"name", "role", "csrf", "expires"},
    )  # fmt: skip


class Sessions:
    """Logged-in admins by the random token in their cookie, kept in SQLite.

    Expiry is on the wall clock (it has to mean the same after a restart).
    """

    def __init__(
        self, db: sqlite_utils.Database, lifetime: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.db, self.lifetime, self.clock = db, lifetime, clock
        migrate(db, "web_sessions", [_v1_sessions])

    def open(self, account: Account) -> str:
        token = secrets.token_urlsafe(32)
        with self.db.conn:
            self.db.execute("DELETE FROM web_sessions WHERE expires <= ?", [self.clock()])
            self.db["web_sessions"].insert({
                "token_hash": _digest(token), "name": account.name, "role": account.role,
                "csrf": secrets.token_urlsafe(32), "expires": self.clock() + self.lifetime,
            })  # fmt: skip
        return token

    def get(self, token: str | None) -> Session | None:
        """The live session of a cookie; an expired one is forgotten."""
        if not token:
            return None
        row = self.db.execute("SELECT name, role, csrf, expires FROM web_sessions "
                              "WHERE token_hash = ?", [_digest(token)]).fetchone()  # fmt: skip
        if row is not None and row[3] <= self.clock():
            self.close(token)
            return None
        return Session(*row) if row is not None else None

    def close(self, token: str | None) -> None:
        with self.db.conn:
            self.db.execute("DELETE FROM web_sessions WHERE token_hash = ?", [_digest(token or "")])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class LoginThrottle:
    """Refuses logins from an address, or for a name, after MAX_FAILURES recent failures.

    Per address stops one machine guessing many names; per name stops many machines
    guessing one password. A refused try is not checked at all, so guessing stays slow.
    """

    clock: Callable[[], float] = time.monotonic
    max_failures: int = MAX_FAILURES
    window: float = FAILURE_WINDOW
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def allowed(self, address: str, name: str) -> bool:
        return all(len(self._recent(key)) < self.max_failures
                   for key in self._keys(address, name))  # fmt: skip

    def failed(self, address: str, name: str) -> None:
        for key in self._keys(address, name):
            self._recent(key).append(self.clock())

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= self.clock() - self.window:
            times.popleft()
        return times

    @staticmethod
    def _keys(address: str, name: str) -> tuple[str, str]:
        return f"ip:{address}", f"name:{name.lower()}"
