"""People and API keys of the simulated PlaceOS tenant (catalog §2.1, §5.7)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
import hmac

from .clock import SimClock
from .placeos_buildings import text_matches
from .placeos_model import ApiKey, IdFactory, Permission, User


class KeyProblem(Enum):
    """Why a presented key was refused."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"


@dataclass
class Caller:
    """The authenticated user behind a request and the scopes of the key used."""

    user: User
    scopes: list[str]

    def can(self, write: bool) -> bool:
        """Token scope ``public`` with read access for GET, write access otherwise (§2.1)."""
        for scope in self.scopes:
            name, _, access = scope.partition(".")
            if name != "public":
                continue
            if access in ("", "all") or access == ("write" if write else "read"):
                return True
        return False


class Directory:
    """Users of the tenant and their API keys."""

    def __init__(self, ids: IdFactory, clock: SimClock, authority_id: str) -> None:
        self._ids = ids
        self._clock = clock
        self._authority_id = authority_id
        self.users: dict[str, User] = {}
        self.keys: dict[str, ApiKey] = {}

    def add_user(
        self,
        name: str,
        email: str,
        *,
        permissions: str = "user",
        department: str | None = None,
    ) -> User:
        user = User(
            id=self._ids.make("user"),
            name=name,
            email=email.strip().lower(),
            authority_id=self._authority_id,
            permissions=Permission(permissions),
            created_at=self._clock.now_int(),
            department=department,
        )
        self.users[user.id] = user
        return user

    def user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((user for user in self.users.values() if user.email == wanted), None)

    def search_users(self, query: str | None) -> list[User]:
        """REST users index: every word of ``q`` a prefix of a word of name or email.

        The server's search vector also splits emails on ``@._``, as ``text_matches`` does.
        """
        found = [
            user for user in self.users.values() if text_matches(query, (user.name, user.email))
        ]
        return sorted(found, key=lambda user: (user.name, user.id))

    def issue_key(
        self, user_id: str, *, scopes: list[str] | None = None, expires_at: float | None = None
    ) -> str:
        if user_id not in self.users:
            raise KeyError(f"no user {user_id}")
        key = ApiKey(
            id=self._ids.make("keys", 8),
            secret=self._ids.secret(),
            user_id=user_id,
            scopes=list(scopes) if scopes is not None else ["public"],
            expires_at=expires_at,
        )
        self.keys[key.id] = key
        return key.token

    def revoke_key(self, token: str) -> None:
        key_id, _, _ = token.partition(".")
        self.keys.pop(key_id, None)

    def authenticate(self, token: str) -> Caller | KeyProblem:
        """Split on the first ``.``, find the key by id and check the secret (§2.1)."""
        key_id, _, secret = token.partition(".")
        key = self.keys.get(key_id)
        if key is None or not hmac.compare_digest(key.secret.encode(), secret.encode()):
            return KeyProblem.UNKNOWN
        user = self.users.get(key.user_id)
        if user is None:
            return KeyProblem.UNKNOWN
        if key.expires_at is not None and key.expires_at <= self._clock.now():
            return KeyProblem.EXPIRED
        return Caller(user=user, scopes=list(key.scopes))
