"""Teams and roles: THAIMT_KEY_TEAMS beside THAIMT_API_KEYS, and the open server's team."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.desk.teams import OPEN_TEAM, Access, access_for, own_team, parse_membership
from service.settings import Settings


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("newsroom:write", Access("newsroom", "write")),
        ("newsroom:read", Access("newsroom", "read")),
        ("newsroom", Access("newsroom", "write")),
        (" desk.2 : read ", Access("desk.2", "read")),
    ],
)
def test_memberships_parse(value: str, expected: Access) -> None:
    assert parse_membership(value) == expected


@pytest.mark.parametrize(("value", "words"), [("news:admin", "role"), ("-x:read", "team"),
                                               ("", "team"), ("a b:read", "team")])  # fmt: skip
def test_a_bad_membership_says_what_to_write(value: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_membership(value)


def test_keys_of_teams_are_accepted_keys_and_others_keep_their_own_team() -> None:
    settings = Settings(api_keys=["solo"], key_teams={"ed": "news:write", "rd": "news:read"})
    assert settings.api_keys == ["solo", "ed", "rd"]
    memberships = settings.memberships()
    assert access_for("rd", memberships, "write") == Access("news", "read")
    solo = access_for("solo", memberships, "write")
    assert solo.can_write and solo.team == own_team("solo") and "solo" not in solo.team
    assert access_for(None, memberships, "read") == Access(OPEN_TEAM, "read")


def test_a_bad_role_is_refused_without_printing_the_key() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(key_teams={"secret-key-123": "news:owner"})
    assert "secret-key-123" not in str(caught.value) and "role" in str(caught.value)
