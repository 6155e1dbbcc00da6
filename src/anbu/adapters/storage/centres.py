"""Community centres in the database: their escalation policies, their default periods by
group and the people who follow them, and the centres listed for the settings pages. Never
commits.

A centre's periods are kept as JSON in `centres.group_periods`:
`{"version": 1, "inactivity": {"age_75_plus": 2880, …}, "phone_off": {…}}`, whole minutes
by group; NULL means the district's defaults apply.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from anbu.adapters.storage.tables import centres, subjects
from anbu.domain.kinds import Detection, Group, SubjectStatus
from anbu.domain.subjects import GroupPeriods

PERIODS_VERSION = 1
MINUTE = timedelta(minutes=1)
_CHUNK = 500  # within SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class CentreRow:
    id: int
    name: str
    escalation_policy: str | None  # JSON, NULL = the default policy
    group_periods: str | None  # JSON, NULL = the district's periods

    @property
    def own_periods(self) -> GroupPeriods | None:
        """The centre's own periods by group, or None when it follows the district's
        (parsed when asked for, not at every read of the row)."""
        return None if self.group_periods is None else periods_from_json(self.group_periods)


@dataclass(frozen=True, slots=True)
class CentreDefaults:
    """What a person enrolled at a centre follows unless their row says otherwise."""

    id: int
    detection: Detection
    periods: GroupPeriods | None  # None: the district's


@dataclass(frozen=True, slots=True)
class CentreCount:
    id: int
    name: str
    people: int  # enrolled and not withdrawn
    policy_set: bool
    periods_set: bool


@dataclass(frozen=True, slots=True)
class Follower:
    """A person whose period (one or both) is their centre's default for their group."""

    id: int
    group: Group
    inactivity_minutes: int
    inactivity_custom: bool
    phone_off_minutes: int
    phone_off_custom: bool


class CentreRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- the centres ------------------------------------------------------------------

    def get(self, centre_id: int, *, lock: bool = False) -> CentreRow | None:
        """The centre with its settings; `lock` holds its row until the transaction ends
        (two saves of one centre's settings take turns)."""
        query = select(
            centres.c.id, centres.c.name, centres.c.escalation_policy, centres.c.group_periods
        ).where(centres.c.id == centre_id)
        if lock:
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        return None if row is None else CentreRow(*row)

    def counted(self, centre_ids: Collection[int] | None) -> list[CentreCount]:
        """The centres (all, or those of `centre_ids`) by name, with how many people each
        has."""
        people = (
            select(subjects.c.centre_id, func.count().label("people"))
            .where(subjects.c.status != SubjectStatus.WITHDRAWN.value)
            .group_by(subjects.c.centre_id)
            .subquery()
        )
        query = (
            select(
                centres.c.id,
                centres.c.name,
                func.coalesce(people.c.people, 0),
                centres.c.escalation_policy.is_not(None),
                centres.c.group_periods.is_not(None),
            )
            .select_from(centres.outerjoin(people, people.c.centre_id == centres.c.id))
            .order_by(centres.c.name)
        )
        if centre_ids is not None:
            query = query.where(centres.c.id.in_(list(centre_ids)))
        return [
            CentreCount(cid, name, int(count), bool(policy), bool(periods))
            for cid, name, count, policy, periods in self.connection.execute(query)
        ]

    def names(self) -> list[str]:
        """Every centre's name, in order."""
        return list(self.connection.scalars(select(centres.c.name).order_by(centres.c.name)))

    # -- escalation policies -----------------------------------------------------------

    def policy_texts(self, centre_ids: Collection[int]) -> dict[int, str | None]:
        """Each centre's escalation policy as stored (JSON; None: the default)."""
        rows = self.connection.execute(
            select(centres.c.id, centres.c.escalation_policy).where(
                centres.c.id.in_(list(centre_ids))
            )
        )
        return {centre_id: policy for centre_id, policy in rows}

    def policy_named(self, centre: str) -> tuple[int, str | None] | None:
        """(id, stored policy) of the centre of that name."""
        row = self.connection.execute(
            select(centres.c.id, centres.c.escalation_policy).where(centres.c.name == centre)
        ).first()
        return None if row is None else (row.id, row.escalation_policy)

    def set_policy(self, centre_id: int, policy: str | None) -> None:
        self.connection.execute(
            update(centres).where(centres.c.id == centre_id).values(escalation_policy=policy)
        )

    # -- default periods by group, and the people who follow them -----------------------

    def detection(self, centre_id: int) -> Detection:
        """How the centre's people are watched unless set for the person."""
        found = self.connection.scalar(select(centres.c.detection).where(centres.c.id == centre_id))
        return Detection(found) if found else Detection.FIXED

    def defaults_named(self, names: Collection[str]) -> dict[str, CentreDefaults]:
        """What enrolment needs of each centre of these names that exists, read at once."""
        found: dict[str, CentreDefaults] = {}
        wanted = sorted(names)
        for start in range(0, len(wanted), _CHUNK):
            rows = self.connection.execute(
                select(
                    centres.c.name, centres.c.id, centres.c.detection, centres.c.group_periods
                ).where(centres.c.name.in_(wanted[start : start + _CHUNK]))
            )
            for name, centre_id, detection, periods in rows:
                found[name] = CentreDefaults(
                    centre_id,
                    Detection(detection) if detection else Detection.FIXED,
                    None if periods is None else periods_from_json(periods),
                )
        return found

    def detection_named(self, centre: str) -> tuple[int, Detection] | None:
        """(id, default detection) of the centre of that name."""
        row = self.connection.execute(
            select(centres.c.id, centres.c.detection).where(centres.c.name == centre)
        ).first()
        if row is None:
            return None
        return row.id, Detection(row.detection) if row.detection else Detection.FIXED

    def set_detection(self, centre_id: int, detection: Detection) -> list[int]:
        """Make `detection` the centre's default; its people who follow the default follow
        it (returned: their ids, whose due instants must be worked out anew)."""
        self.connection.execute(
            update(centres).where(centres.c.id == centre_id).values(detection=detection.value)
        )
        following = list(
            self.connection.scalars(
                select(subjects.c.id).where(
                    subjects.c.centre_id == centre_id,
                    subjects.c.detection_custom.is_(False),
                    subjects.c.detection != detection.value,
                    subjects.c.status == SubjectStatus.ACTIVE.value,
                )
            )
        )
        if following:
            self.connection.execute(
                update(subjects)
                .where(
                    subjects.c.centre_id == centre_id,
                    subjects.c.detection_custom.is_(False),
                    subjects.c.detection != detection.value,
                )
                .values(detection=detection.value)
            )
        return following

    def group_periods(self, centre_id: int) -> GroupPeriods | None:
        """The centre's own periods by group, or None when it follows the district's."""
        document = self.connection.scalar(
            select(centres.c.group_periods).where(centres.c.id == centre_id)
        )
        return None if document is None else periods_from_json(document)

    def set_group_periods(self, centre_id: int, periods: GroupPeriods | None) -> None:
        """Give the centre its own periods (None: the district's again). The people who
        follow them are moved by `set_subject_periods`, not here."""
        document = None if periods is None else periods_to_json(periods)
        self.connection.execute(
            update(centres).where(centres.c.id == centre_id).values(group_periods=document)
        )

    def followers(self, centre_id: int) -> list[int]:
        """The ids of the centre's people (withdrawn ones aside) with at least one period
        that is the group default, in id order."""
        return list(
            self.connection.scalars(
                select(subjects.c.id)
                .where(
                    subjects.c.centre_id == centre_id,
                    subjects.c.status != SubjectStatus.WITHDRAWN.value,
                    (subjects.c.inactivity_custom.is_(False))
                    | (subjects.c.phone_off_custom.is_(False)),
                )
                .order_by(subjects.c.id)
            )
        )

    def periods_of(self, subject_ids: Sequence[int]) -> list[Follower]:
        """Groups and periods of these people; read after their rows are locked."""
        found: list[Follower] = []
        for start in range(0, len(subject_ids), _CHUNK):
            chunk = list(subject_ids[start : start + _CHUNK])
            rows = self.connection.execute(
                select(
                    subjects.c.id,
                    subjects.c.group,
                    subjects.c.inactivity_minutes,
                    subjects.c.inactivity_custom,
                    subjects.c.phone_off_minutes,
                    subjects.c.phone_off_custom,
                )
                .where(subjects.c.id.in_(chunk))
                .order_by(subjects.c.id)
            )
            found += [
                Follower(sid, Group(group), inactivity, bool(i_custom), phone_off, bool(p_custom))
                for sid, group, inactivity, i_custom, phone_off, p_custom in rows
            ]
        return found

    def set_subject_periods(self, periods: dict[int, tuple[int, int]], now: datetime) -> None:
        """Write (inactivity, phone-off) minutes for each person; their rows are locked."""
        if not periods:
            return
        self.connection.execute(
            update(subjects)
            .where(subjects.c.id == bindparam("sid"))
            .values(
                inactivity_minutes=bindparam("inactivity"),
                phone_off_minutes=bindparam("phone_off"),
                updated_at=now,
            ),
            [
                {"sid": sid, "inactivity": inactivity, "phone_off": phone_off}
                for sid, (inactivity, phone_off) in periods.items()
            ],
        )


def periods_to_json(periods: GroupPeriods) -> str:
    """The document `centres.group_periods` keeps: whole minutes by group."""
    return json.dumps(
        {
            "version": PERIODS_VERSION,
            "inactivity": {g.value: periods.inactivity[g] // MINUTE for g in Group},
            "phone_off": {g.value: periods.phone_off[g] // MINUTE for g in Group},
        },
        sort_keys=True,
    )


def periods_from_json(document: str) -> GroupPeriods:
    """Read what `periods_to_json` wrote. A group missing from the document (one added to
    the product later) takes the product's default for it."""
    data: Any = json.loads(document)
    default = GroupPeriods()
    return GroupPeriods(
        inactivity=_by_group(data.get("inactivity", {}), default.inactivity),
        phone_off=_by_group(data.get("phone_off", {}), default.phone_off),
    )


def _by_group(minutes: dict[str, int], default: dict[Group, timedelta]) -> dict[Group, timedelta]:
    return {
        g: timedelta(minutes=int(minutes[g.value])) if g.value in minutes else default[g]
        for g in Group
    }
