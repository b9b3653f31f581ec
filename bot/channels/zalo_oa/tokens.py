"""Zalo OA access tokens: kept in SQLite, refreshed before expiry or when Zalo rejects one.

Zalo's refresh token is single-use: once the OAuth server answers, the old one is dead.
So the new pair is written to SQLite in one transaction BEFORE the new access token is
used: a crash after that point loses nothing, and the table never holds half a pair.
Concurrent senders that all see an expired token wait on one lock and share one refresh.
The configured tokens only seed the table (again when an admin configures a new refresh
token after authorising the app anew); after that the table is the truth. A pasted access
token's age is unknown, so no lifetime is invented for it: it is used until Zalo rejects
it (-216 or -220), then refreshed; only tokens from a refresh carry a known expiry.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

import aiohttp
import sqlite_utils

from bot.channels.http import PlatformMaybeSent, PlatformUnreachable, post_json
from foundations.clock import Clock
from foundations.database import migrate
from foundations.settings import ConfigError

log = logging.getLogger(__name__)

COMPONENT = "zalo_oa"
DOCUMENTED_LIFETIME = 25 * 3600  # when a refresh answer lacks `expires_in`
UNKNOWN_EXPIRY = 0.0  # a pasted access token: used until Zalo rejects it


class TokenRefreshFailed(Exception):
    """The OAuth server refused the refresh token: the OA must be authorised again."""


def _v1_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE zalo_oa_tokens (app_id TEXT PRIMARY KEY, access_token TEXT NOT NULL,
                                        refresh_token TEXT NOT NULL, expires_at REAL NOT NULL,
                                        seed TEXT NOT NULL)"""
    )


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str
    expires_at: float  # Unix seconds, or UNKNOWN_EXPIRY


class TokenStore:
    """The current token pair of one app in SQLite."""

    def __init__(self, db: sqlite_utils.Database, app_id: str) -> None:
        self.db = db
        self.app_id = app_id
        migrate(db, COMPONENT, [_v1_tables])

    def load(self) -> tuple[Tokens, str] | None:
        """The stored pair and the fingerprint of the configured token it was seeded from."""
        row = self.db.execute(
            """SELECT access_token, refresh_token, expires_at, seed FROM zalo_oa_tokens
               WHERE app_id = ?""",
            [self.app_id],
        ).fetchone()
        return (Tokens(row[0], row[1], row[2]), row[3]) if row else None

    def save(self, tokens: Tokens, seed: str | None = None) -> None:
        """Replace the pair in one transaction (the seed fingerprint is kept unless given)."""
        with self.db.conn:
            self.db.execute(
                """INSERT INTO zalo_oa_tokens (app_id, access_token, refresh_token, expires_at,
                                               seed) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (app_id) DO UPDATE SET access_token = excluded.access_token,
                     refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
                     seed = COALESCE(?, seed)""",
                [self.app_id, tokens.access, tokens.refresh, tokens.expires_at, seed or "",
                 seed],
            )


def fingerprint(token: str) -> str:
    """A one-way mark of a configured refresh token, to notice when an admin changes it."""
    return hashlib.sha256(token.encode()).hexdigest()


class OAuthTokens:
    """Hands out a valid access token, refreshing (once, under a lock) when needed."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        store: TokenStore,
        oauth_url: str,
        app_secret: str,
        clock: Clock,
        margin: float,
    ) -> None:
        self._session = session
        self._store = store
        self._oauth_url = oauth_url
        self._app_secret = app_secret
        self._clock = clock
        self._margin = margin
        self._lock = asyncio.Lock()
        loaded = store.load()
        self._current = loaded[0] if loaded else None

    def seed(self, access_token: str | None, refresh_token: str | None) -> None:
        """Start from the configured tokens unless the table already holds their successor."""
        if not refresh_token:
            if self._current is None:
                raise ConfigError(
                    "zalo_oa.refresh_token (TROLY06_ZALO_OA_REFRESH_TOKEN) chưa được đặt và cơ sở "
                    "dữ liệu chưa lưu mã nào: uỷ quyền OA rồi đặt mã làm mới (refresh token) đó"
                )
            return
        mark = fingerprint(refresh_token)
        loaded = self._store.load()
        if loaded is not None and loaded[1] == mark:
            return
        tokens = Tokens(access_token or "", refresh_token, UNKNOWN_EXPIRY)
        self._store.save(tokens, seed=mark)
        self._current = tokens
        log.info("zalo oa tokens seeded from the configuration")

    async def access_token(self) -> str:
        """A token that is not about to expire."""
        current = self._require()
        if self._expiring(current):
            current = await self.refresh(current.access)
        return current.access

    async def refresh(self, stale_access: str) -> Tokens:
        """New tokens, unless another caller already replaced `stale_access` meanwhile."""
        async with self._lock:
            current = self._require()
            if current.access != stale_access and not self._expiring(current):
                return current
            fresh = await self._request(current.refresh)
            self._store.save(fresh)  # durable before anyone uses fresh.access
            self._current = fresh
            log.info("zalo oa access token refreshed")
            return fresh

    async def _request(self, refresh_token: str) -> Tokens:
        form = {
            "refresh_token": refresh_token,
            "app_id": self._store.app_id,
            "grant_type": "refresh_token",
        }
        try:
            _, body = await post_json(self._session, self._oauth_url, "token refresh", 30,
                                      data=form, headers={"secret_key": self._app_secret})
        except PlatformMaybeSent as exc:  # a lost refresh answer; the message has not left
            raise PlatformUnreachable(str(exc)) from None
        if body is None:
            raise PlatformUnreachable("token refresh: answer is not JSON")
        if not isinstance(body, dict) or not body.get("access_token") or not body.get(
            "refresh_token"
        ):
            code = body.get("error") if isinstance(body, dict) else None
            log.error("zalo oa refresh token refused (error %s): authorise the OA again and "
                      "set zalo_oa.refresh_token", code)
            raise TokenRefreshFailed(f"refresh refused (error {code})")
        lifetime = float(body.get("expires_in") or DOCUMENTED_LIFETIME)
        return Tokens(str(body["access_token"]), str(body["refresh_token"]),
                      self._now() + lifetime)

    def _require(self) -> Tokens:
        if self._current is None:
            raise TokenRefreshFailed("no zalo oa tokens configured")
        return self._current

    def _expiring(self, tokens: Tokens) -> bool:
        """No token, or a known expiry within the margin (an unknown one is not guessed)."""
        if not tokens.access:
            return True
        return tokens.expires_at != UNKNOWN_EXPIRY and (
            tokens.expires_at - self._margin <= self._now()
        )

    def _now(self) -> float:
        return self._clock.now().timestamp()
