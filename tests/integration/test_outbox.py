"""The outbox and the dispatcher against a real database (SQLite and PostgreSQL).

The channel here is a hand-written fake at the channel interface; the real SMTP and
SMS gateways have their own tests."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from anbu.adapters.channels import DeliveryError, Medium
from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import Anbu
from anbu.domain.kinds import AlertState
from anbu.services.claims import LEASE, HeldClaims
from anbu.services.dispatch import dispatch
from anbu.services.officers import import_officers

from builders import at, event, officer_row, officers_csv, subject_row, watermark
from flows import FakeChannel, enrol_rows, feed, sweep_at

ENROLLED = at("2026-11-01 10:00")
DUE = at("2026-11-04 00:00")


def _channels(**failures: list[DeliveryError]) -> dict[Medium, FakeChannel]:
    return {m: FakeChannel(m, failures.get(m.value)) for m in Medium}


def _district(anbu: Anbu, *staff: dict[str, str]) -> None:
    enrol_rows(
        anbu,
        subject_row(),
        subject_row(external_id="SD-2", phone="010-2222-3333", centre="마장동"),
        now=ENROLLED,
    )
    rows = staff or (
        officer_row(),
        officer_row(login="lee.lead", role="lead", phone="010-9000-0002", email=""),
        officer_row(login="park.other", centres="마장동", phone="010-9000-0003"),
        officer_row(login="ops", role="operator", centres="", phone="010-9000-0004"),
    )
    report = import_officers(anbu, read_officers(officers_csv(*rows)), now=ENROLLED, actor="t")
    assert not report.rejected, report.rejected


def _silence_sd_0001(anbu: Anbu) -> None:
    """SD-0001 (왕십리도선동) falls due; SD-2 (마장동) has called."""
    feed(
        anbu,
        event("010-2222-3333", "call_out", at("2026-11-03 20:00")),
        watermark("SKT", DUE),
        now=DUE,
    )
    assert len(sweep_at(anbu, DUE).opened) == 1


def _outbox(anbu: Anbu) -> list[tuple[str, str, str]]:
    with anbu.transaction() as store:
        rows = store.outbox.listing()
    return sorted((f"officer-{row.officer_id}", row.medium, row.state) for row in rows)


def test_it_queues_sms_and_email_for_each_officer_of_the_centre_with_the_alert(anbu: Anbu) -> None:
    _district(anbu)
    _silence_sd_0001(anbu)
    kim, lee = "officer-1", "officer-2"
    assert _outbox(anbu) == [
        (kim, "email", "queued"),
        (kim, "sms", "queued"),
        (lee, "sms", "queued"),  # the lead has no e-mail on file
    ]


def test_it_falls_back_to_administrators_when_a_centre_has_nobody(anbu: Anbu) -> None:
    _district(
        anbu,
        officer_row(login="park.other", centres="마장동"),
        officer_row(login="admin", role="admin", centres="", email=""),
    )
    _silence_sd_0001(anbu)
    assert _outbox(anbu) == [("officer-2", "sms", "queued")]


def test_it_sends_each_notification_once_and_marks_the_case_notified(anbu: Anbu) -> None:
    _district(anbu)
    _silence_sd_0001(anbu)
    channels = _channels()
    first = dispatch(anbu, channels, now=DUE)
    again = dispatch(anbu, channels, now=DUE + timedelta(hours=1))
    assert (len(first.sent), again.handled) == (3, 0)
    sms = channels[Medium.SMS].sent
    assert sorted(m.address for m in sms) == ["+821090000001", "+821090000002"]
    assert channels[Medium.EMAIL].sent[0].address == "kim@seongdong.example"
    assert "김*수(SD-0001)" in sms[0].text
    assert "김영수" not in sms[0].text
    with anbu.transaction() as store:
        (alert,) = [line.alert for line in store.cases.listing()]
    assert alert.state is AlertState.NOTIFIED


def test_it_retries_a_transient_failure_after_a_backoff(anbu: Anbu) -> None:
    _district(anbu, officer_row(email=""))
    _silence_sd_0001(anbu)
    channels = _channels(sms=[DeliveryError("gateway down", permanent=False)])
    assert len(dispatch(anbu, channels, now=DUE).retrying) == 1
    assert dispatch(anbu, channels, now=DUE + timedelta(seconds=29)).handled == 0
    assert len(dispatch(anbu, channels, now=DUE + timedelta(seconds=30)).sent) == 1
    with anbu.transaction() as store:
        (row,) = store.outbox.listing()
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "gateway down")


def test_it_gives_up_at_once_on_a_permanent_failure(anbu: Anbu) -> None:
    _district(anbu, officer_row(email=""))
    _silence_sd_0001(anbu)
    channels = _channels(sms=[DeliveryError("no such subscriber", permanent=True)])
    assert len(dispatch(anbu, channels, now=DUE).failed) == 1
    assert dispatch(anbu, channels, now=DUE + timedelta(days=1)).handled == 0
    assert _outbox(anbu) == [("officer-1", "sms", "failed")]


def test_it_sends_again_with_the_same_key_when_a_worker_died_mid_send(anbu: Anbu) -> None:
    _district(anbu, officer_row(email=""))
    _silence_sd_0001(anbu)
    with anbu.transaction() as store:  # a worker claims, then dies before recording
        (claimed,) = store.outbox.claim(DUE, DUE + LEASE, 10)
    channels = _channels()
    assert dispatch(anbu, channels, now=DUE + LEASE - timedelta(seconds=1)).handled == 0
    assert len(dispatch(anbu, channels, now=DUE + LEASE).sent) == 1
    assert channels[Medium.SMS].sent[0].key == claimed.key


def test_a_worker_that_stalled_past_its_lease_leaves_the_message_to_the_one_that_took_it(
    anbu: Anbu,
) -> None:
    _district(anbu, officer_row(email=""))
    _silence_sd_0001(anbu)
    with anbu.transaction() as store:  # a worker claims, then stalls past its lease
        (claimed,) = store.outbox.claim(DUE, DUE + LEASE, 10, "stalled")
    stalled = HeldClaims(anbu, "stalled", [claimed.id], DUE)
    channels = _channels()
    assert len(dispatch(anbu, channels, now=DUE + LEASE).sent) == 1
    assert not stalled.still_held(claimed.id)  # it wakes up, and does not send it again
    assert len(channels[Medium.SMS].sent) == 1


def _lease(anbu: Anbu) -> datetime:
    with anbu.transaction() as store:
        (row,) = store.outbox.listing()
    return row.next_attempt_at


def test_a_claim_is_renewed_by_its_holder_alone_and_ends_with_its_record(anbu: Anbu) -> None:
    _district(anbu, officer_row(email=""))
    _silence_sd_0001(anbu)
    with anbu.transaction() as store:
        (claimed,) = store.outbox.claim(DUE, DUE + LEASE, 10, "first")
        assert store.outbox.renew("second", [claimed.id], DUE + timedelta(hours=1)) == 0
        assert store.outbox.renew("first", [claimed.id], DUE + timedelta(hours=1)) == 1
    channels = _channels()
    assert dispatch(anbu, channels, now=DUE + timedelta(minutes=30)).handled == 0
    assert len(dispatch(anbu, channels, now=DUE + timedelta(hours=1)).sent) == 1
    with anbu.transaction() as store:  # recorded: the old holder's renewal changes nothing
        assert store.outbox.renew("first", [claimed.id], DUE + timedelta(hours=2)) == 0


def test_a_working_dispatcher_keeps_renewing_its_claims_until_it_lets_them_go(
    anbu: Anbu,
) -> None:
    _district(anbu, officer_row(email=""))
    _silence_sd_0001(anbu)
    with anbu.transaction() as store:
        (claimed,) = store.outbox.claim(DUE, DUE + LEASE, 10, "busy")
    with HeldClaims(anbu, "busy", [claimed.id], DUE, renew_every=0.05) as held:
        deadline = time.monotonic() + 10
        while _lease(anbu) == DUE + LEASE and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _lease(anbu) > DUE + LEASE  # renewed in the background, from `now` onwards
        held.let_go(claimed.id)
        time.sleep(0.2)  # any renewal already under way lands
        let_go = _lease(anbu)
        time.sleep(0.3)
        assert _lease(anbu) == let_go


def test_it_tells_operators_of_a_stalled_feed(anbu: Anbu) -> None:
    _district(anbu)
    feed(anbu, watermark("SKT", at("2026-11-02 00:00")), now=at("2026-11-02 00:00"))
    sweep_at(anbu, at("2026-11-02 07:00"))
    assert _outbox(anbu) == [("officer-4", "email", "queued"), ("officer-4", "sms", "queued")]
