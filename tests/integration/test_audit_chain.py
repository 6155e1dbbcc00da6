"""The audit log's chain: every entry linked to the one before by a keyed hash, so that an
entry edited, deleted or moved in the database is caught, on both databases and under
concurrent writers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from anbu.adapters.sealing import Vault
from anbu.adapters.storage import engine as storage
from anbu.adapters.storage.audit_log import Break, ChainCheck, canonical
from anbu.adapters.storage.tables import audit_chain, audit_log
from anbu.bootstrap import Anbu
from anbu.entrypoints.demo.database import Claim, look, take_over
from anbu.services import audit_log as audit_service
from anbu.settings import Settings

from builders import at

NOW = at("2026-12-07 09:00")


def _record(anbu: Anbu, count: int, *, actor: str = "admin") -> None:
    """`count` entries, one transaction each, a minute apart."""
    for n in range(count):
        with anbu.transaction() as tx:
            tx.audit.record(actor, "subject.viewed", NOW + timedelta(minutes=n), detail=f"#{n}")


def _ids(anbu: Anbu) -> list[int]:
    with anbu.engine.connect() as connection:
        return list(connection.scalars(select(audit_log.c.id).order_by(audit_log.c.id)))


def _verify(anbu: Anbu) -> ChainCheck:
    return audit_service.verify(anbu)


def _change(anbu: Anbu, *statements: object) -> None:
    """Change the database directly, as someone with the database but not the key would."""
    with anbu.engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[call-overload]


def test_a_chain_written_by_separate_and_shared_transactions_verifies(anbu: Anbu) -> None:
    _record(anbu, 3)
    with anbu.transaction() as tx:
        tx.audit.record("admin", "people.listed", NOW, detail='{"q": "김영수 \\u0000"}')
        tx.audit.record("kim", "subject.paused", NOW, subject_id=7, detail="입원")
    check = _verify(anbu)
    assert check.broken is None
    assert check.entries == 5
    assert check.last_id == _ids(anbu)[-1]


def test_an_empty_log_verifies(anbu: Anbu) -> None:
    check = _verify(anbu)
    assert check.broken is None
    assert check.entries == 0


def test_an_entry_edited_in_the_database_is_the_first_broken_link(anbu: Anbu) -> None:
    _record(anbu, 5)
    ids = _ids(anbu)
    _change(anbu, update(audit_log).where(audit_log.c.id == ids[2]).values(actor="nobody"))
    broken = _verify(anbu).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id, broken.after_id) == (Break.EDITED, ids[2], ids[1])
    assert broken.at == NOW + timedelta(minutes=2)


def test_an_entry_whose_time_was_moved_is_edited(anbu: Anbu) -> None:
    _record(anbu, 3)
    ids = _ids(anbu)
    _change(
        anbu,
        update(audit_log).where(audit_log.c.id == ids[1]).values(at=NOW + timedelta(seconds=1)),
    )
    broken = _verify(anbu).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id) == (Break.EDITED, ids[1])


def test_a_deleted_entry_is_caught_at_the_entry_after_it(anbu: Anbu) -> None:
    _record(anbu, 5)
    ids = _ids(anbu)
    _change(anbu, delete(audit_log).where(audit_log.c.id == ids[2]))
    check = _verify(anbu)
    assert check.broken is not None
    assert (check.broken.kind, check.broken.entry_id) == (Break.MISSING, ids[3])
    assert check.broken.after_id == ids[1]
    assert check.entries == 2


def test_deleting_the_first_entry_is_caught(anbu: Anbu) -> None:
    _record(anbu, 3)
    ids = _ids(anbu)
    _change(anbu, delete(audit_log).where(audit_log.c.id == ids[0]))
    broken = _verify(anbu).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id, broken.after_id) == (Break.MISSING, ids[1], None)


def test_deleting_the_newest_entries_is_caught_by_the_head(anbu: Anbu) -> None:
    _record(anbu, 5)
    ids = _ids(anbu)
    _change(anbu, delete(audit_log).where(audit_log.c.id >= ids[3]))
    broken = _verify(anbu).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id, broken.after_id) == (Break.MISSING, None, ids[2])


def test_deleting_the_newest_entries_and_the_head_is_caught(anbu: Anbu) -> None:
    _record(anbu, 3)
    ids = _ids(anbu)
    _change(anbu, delete(audit_log).where(audit_log.c.id == ids[2]), delete(audit_chain))
    broken = _verify(anbu).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id, broken.after_id) == (Break.MISSING, None, ids[1])


def test_the_newest_entries_deleted_with_the_head_rewound_show_only_against_an_anchor(
    anbu: Anbu,
) -> None:
    """Someone with the database can cut the newest entries and set the head back to the
    entry left newest: the chain left is whole. A link noted earlier, elsewhere, catches it."""
    _record(anbu, 4)
    noted = bytes.fromhex(_verify(anbu).last_link)
    ids = _ids(anbu)
    with anbu.engine.connect() as connection:
        kept = connection.scalar(select(audit_log.c.link).where(audit_log.c.id == ids[2]))
    _change(
        anbu,
        delete(audit_log).where(audit_log.c.id == ids[3]),
        update(audit_chain).values(link=kept),
    )
    assert _verify(anbu).broken is None
    broken = audit_service.verify(anbu, anchor=noted).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id, broken.after_id) == (Break.MISSING, None, ids[2])


def test_an_anchor_still_in_the_chain_keeps_it_whole(anbu: Anbu) -> None:
    _record(anbu, 2)
    noted = bytes.fromhex(_verify(anbu).last_link)
    _record(anbu, 2)
    check = audit_service.verify(anbu, anchor=noted)
    assert (check.entries, check.broken) == (4, None)


def test_two_entries_swapped_in_order_are_caught_as_reordered(anbu: Anbu) -> None:
    _record(anbu, 5)
    ids = _ids(anbu)
    # The order is the id: swap two entries' ids, as a writer with the database could.
    _change(
        anbu,
        update(audit_log).where(audit_log.c.id == ids[1]).values(id=-1),
        update(audit_log).where(audit_log.c.id == ids[3]).values(id=ids[1]),
        update(audit_log).where(audit_log.c.id == -1).values(id=ids[3]),
    )
    broken = _verify(anbu).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id, broken.after_id) == (Break.REORDERED, ids[1], ids[0])


def test_the_first_entry_moved_later_is_caught_as_reordered(anbu: Anbu) -> None:
    _record(anbu, 2)
    first, second = _ids(anbu)
    _change(
        anbu,
        update(audit_log).where(audit_log.c.id == first).values(id=-1),
        update(audit_log).where(audit_log.c.id == second).values(id=first),
        update(audit_log).where(audit_log.c.id == -1).values(id=second),
    )
    broken = _verify(anbu).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id) == (Break.REORDERED, first)


def test_an_entry_added_without_the_key_is_caught(anbu: Anbu) -> None:
    """Someone with the database knows every link but not the key: a made-up entry linked
    with another key does not pass."""
    _record(anbu, 2)
    with anbu.engine.connect() as connection:
        newest = connection.scalar(select(audit_log.c.link).order_by(audit_log.c.id.desc()))
    assert newest is not None
    other = Vault(b"not-the-key-0123456789")
    when = NOW + timedelta(hours=1)
    forged = other.audit_link(newest, canonical(when, "admin", "logout", None, ""))
    _change(
        anbu,
        insert(audit_log).values(
            at=when, actor="admin", action="logout", detail="", previous_link=newest, link=forged
        ),
    )
    broken = _verify(anbu).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id) == (Break.EDITED, _ids(anbu)[-1])


def test_entries_are_written_only_when_their_transaction_commits(anbu: Anbu) -> None:

    def failing_use_case() -> None:
        with anbu.transaction() as tx:
            tx.audit.record("admin", "subject.viewed", NOW)
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        failing_use_case()
    _record(anbu, 1)
    check = _verify(anbu)
    assert (check.entries, check.broken) == (1, None)


def test_the_chain_goes_on_after_the_demo_empties_the_log(anbu: Anbu) -> None:
    """The demo's take-over deletes every row, the head's too: the next entry starts a
    new chain instead of failing the request that wrote it."""
    _record(anbu, 2)
    take_over(anbu)
    _record(anbu, 2)
    check = _verify(anbu)
    assert (check.entries, check.broken) == (2, None)


def test_a_migrated_database_without_entries_is_still_empty_for_the_demo(
    anbu: Anbu, settings: Settings
) -> None:
    """The demo runs only on an empty database: the chain adds no row until an entry."""
    assert look(settings) is Claim.EMPTY
    _record(anbu, 1)
    assert look(settings) is Claim.NOT_OURS


def test_concurrent_writers_keep_one_chain(anbu: Anbu) -> None:
    """Many transactions at once, each noting a few entries: none links to an entry another
    already linked to, so the chain stays whole and has every entry."""
    writers, rounds = 8, 25

    def write(worker: int) -> None:
        for n in range(rounds):
            with anbu.transaction() as tx:
                for k in range(1 + n % 3):
                    tx.audit.record(f"w{worker}", "subject.viewed", NOW, detail=f"{n}.{k}")

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    check = _verify(anbu)
    assert check.broken is None
    assert check.entries == writers * sum(1 + n % 3 for n in range(rounds))


def test_a_transaction_that_noted_an_entry_does_not_hold_up_others(anbu: Anbu) -> None:
    """The chain's lock is taken just before commit, not when an entry is noted: another
    request records and commits while this one is still at work."""
    other_done = threading.Event()

    def other() -> None:
        _record(anbu, 1, actor="other")
        other_done.set()

    with anbu.transaction() as tx:
        tx.audit.record("slow", "report.viewed", NOW)
        worker = threading.Thread(target=other)
        worker.start()
        assert other_done.wait(timeout=10), "the other writer waited for this transaction"
    worker.join()
    check = _verify(anbu)
    assert (check.entries, check.broken) == (2, None)


def _downgrade_and_write_unlinked(anbu: Anbu, count: int) -> None:
    """The schema before the chain, with `count` entries written as they were then."""
    from alembic import command

    command.downgrade(storage.alembic_config(anbu.engine), "0014")
    with anbu.engine.begin() as connection:
        for n in range(count):
            connection.execute(
                insert(audit_log).values(
                    at=NOW + timedelta(minutes=n), actor="admin", action="login", detail=f"#{n}"
                )
            )


def test_upgrading_links_the_entries_written_before_the_chain(anbu: Anbu) -> None:
    """Revision 0015 links the entries already there, in order, with the key; new entries
    follow them, and the old ones are checked like any other."""
    _downgrade_and_write_unlinked(anbu, 3)
    assert storage.upgrade(anbu.engine, audit_link=anbu.vault.audit_link) is True
    _record(anbu, 2)
    check = _verify(anbu)
    assert (check.entries, check.broken) == (5, None)
    first = _ids(anbu)[0]
    _change(anbu, update(audit_log).where(audit_log.c.id == first).values(detail="#9"))
    broken = _verify(anbu).broken
    assert broken is not None
    assert (broken.kind, broken.entry_id) == (Break.EDITED, first)


def test_upgrading_without_the_key_refuses_and_changes_nothing(anbu: Anbu) -> None:
    """Alembic alone has no key: rather than leave the entries outside the chain, the
    upgrade stops before touching the schema, and a proper upgrade then succeeds."""
    from alembic import command

    _downgrade_and_write_unlinked(anbu, 2)
    with pytest.raises(RuntimeError, match="master key"):
        command.upgrade(storage.alembic_config(anbu.engine), "head")
    assert storage.current_revision(anbu.engine) == "0014"
    assert storage.upgrade(anbu.engine, audit_link=anbu.vault.audit_link) is True
    check = _verify(anbu)
    assert (check.entries, check.broken) == (2, None)
