"""API bearer tokens expire: 90 days by default, 1 to 365 days when asked, and tokens made
before expiry existed are given 90 days from the upgrade rather than kept for ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import insert

from anbu.adapters.storage import engine as storage
from anbu.adapters.storage.tables import api_tokens, officers
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.domain.wording import Message
from anbu.services.accounts import (
    AccountError,
    create_token,
    create_user,
    list_tokens,
    revoke_token,
    token_user,
)

from builders import at

MADE = at("2026-11-20 09:00")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def operator(anbu: Anbu) -> str:
    create_user(
        anbu, "ops.lee", role=Role.OPERATOR, centres=[], password=PASSWORD, now=MADE, actor="t"
    )
    return "ops.lee"


def test_a_token_works_until_the_end_of_its_days_and_not_a_moment_after(
    anbu: Anbu, operator: str
) -> None:
    token = create_token(anbu, operator, label="KT feed", now=MADE, actor="t", days=7)
    end = MADE + timedelta(days=7)
    assert token_user(anbu, token, end - timedelta(seconds=1)) is not None
    assert token_user(anbu, token, end) is None
    assert token_user(anbu, token, end + timedelta(days=300)) is None
    (listed,) = list_tokens(anbu)
    assert listed.expires_at == end
    assert listed.expired(end)
    assert not listed.expired(end - timedelta(seconds=1))


def test_a_token_lasts_ninety_days_unless_told_otherwise(anbu: Anbu, operator: str) -> None:
    token = create_token(anbu, operator, label="", now=MADE, actor="t")
    assert [row.expires_at for row in list_tokens(anbu)] == [MADE + timedelta(days=90)]
    assert token_user(anbu, token, MADE + timedelta(days=89, hours=23)) is not None
    assert token_user(anbu, token, MADE + timedelta(days=90)) is None


@pytest.mark.parametrize("days", [0, -1, 366, 10_000])
def test_a_token_of_no_days_or_more_than_a_year_is_refused(
    anbu: Anbu, operator: str, days: int
) -> None:
    with pytest.raises(AccountError) as refused:
        create_token(anbu, operator, label="", now=MADE, actor="t", days=days)
    assert refused.value.reason == Message("account.token_days", longest=365, days=days)
    assert list_tokens(anbu) == []


@pytest.mark.parametrize("days", [1, 365])
def test_a_day_and_a_year_are_both_allowed(anbu: Anbu, operator: str, days: int) -> None:
    create_token(anbu, operator, label="", now=MADE, actor="t", days=days)
    assert [row.expires_at for row in list_tokens(anbu)] == [MADE + timedelta(days=days)]


def test_an_expired_token_can_still_be_revoked_and_stays_on_record(
    anbu: Anbu, operator: str
) -> None:
    create_token(anbu, operator, label="old", now=MADE, actor="t", days=1)
    (row,) = list_tokens(anbu)
    revoked = revoke_token(anbu, row.id, now=MADE + timedelta(days=2), actor="t")
    assert revoked.expires_at == MADE + timedelta(days=1)


def test_upgrading_gives_tokens_made_before_ninety_days_from_the_upgrade(
    anbu: Anbu, operator: str
) -> None:
    """Revision 0014: a token made when tokens lasted for ever now ends 90 days after the
    upgrade — not at once (integrations would stop overnight), not never."""
    command.downgrade(storage.alembic_config(anbu.engine), "0013")
    with anbu.engine.begin() as connection:
        officer_id = connection.scalar(officers.select().with_only_columns(officers.c.id))
        connection.execute(
            insert(api_tokens).values(
                officer_id=officer_id, token_hash=b"\x01" * 32, label="legacy", created_at=MADE
            )
        )
    before = datetime.now(UTC).replace(microsecond=0)
    assert storage.upgrade(anbu.engine, audit_link=anbu.vault.audit_link) is True
    after = datetime.now(UTC)
    (legacy,) = list_tokens(anbu)
    assert legacy.label == "legacy"
    assert before + timedelta(days=90) <= legacy.expires_at <= after + timedelta(days=90)
    # New tokens still get their own expiry, not the upgrade's.
    create_token(anbu, operator, label="new", now=MADE, actor="t", days=3)
    assert [row.expires_at for row in list_tokens(anbu)][1] == MADE + timedelta(days=3)
