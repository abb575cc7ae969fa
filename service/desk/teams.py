"""Teams and roles: whose glossaries and memory a key reaches, and whether it may change them.

* A key listed in ``THAIMT_KEY_TEAMS`` (``{"KEY": "team:role"}``, role ``read`` or ``write``;
  ``"team"`` alone is ``write``) belongs to that team.
* Any other accepted key (``THAIMT_API_KEYS``, as before teams existed) is a team of its own
  with write access; the team's name is derived from the key (``key-`` + 12 hex digits of its
  SHA-256), so it never shows the key itself.
* A server without keys is one shared team, ``public``, with the role ``THAIMT_OPEN_ROLE``
  (``write`` by default: a server on a desk's own machine; ``read`` keeps an open server's
  glossaries and memory unchangeable from outside).

Nothing crosses teams: every store call names the team, and a glossary or unit of another team
is simply not found.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import regex

Role = Literal["read", "write"]
ROLES: tuple[Role, ...] = ("read", "write")
OPEN_TEAM = "public"
TEAM_NAME = regex.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class Access:
    """What a caller reaches on the desk: one team, read or read-write."""

    team: str
    role: Role = "write"

    @property
    def can_write(self) -> bool:
        return self.role == "write"


def parse_membership(value: str) -> Access:
    """``"team:role"`` or ``"team"`` (write); ValueError saying what to write instead."""
    team, _, role = value.partition(":")
    team, role = team.strip(), (role.strip() or "write")
    if not TEAM_NAME.fullmatch(team):
        raise ValueError(
            f"team {team!r}: use 1-64 letters, digits, '_', '.' or '-' (starting with a letter "
            "or digit), e.g. 'newsroom:write'"
        )
    if role not in ROLES:
        raise ValueError(f"role {role!r} of team {team!r}: use 'read' or 'write'")
    return Access(team, role)


def own_team(key: str) -> str:
    """The team of a key that no ``THAIMT_KEY_TEAMS`` entry names: its own (not the key)."""
    return "key-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def access_for(key: str | None, memberships: dict[str, Access], open_role: Role) -> Access:
    """The access of an already accepted ``key``, or of anyone on a server without keys
    (``key`` None)."""
    if key is None:
        return Access(OPEN_TEAM, open_role)
    return memberships.get(key) or Access(own_team(key), "write")
