"""A synthetic national population and one day of its carriers' traffic (issue 15).

    .venv/bin/python benchmarks/national.py --people 1000000 --out /tmp/national
    .venv/bin/python benchmarks/national.py --people 8000000 --out /tmp/n8 --events-per-person 8

Writes two files a district and the carriers would send:

* `subjects.csv` — the list `anbu subjects import` reads (docs/formats.md): N people, ages
  65–95 for nine in ten (most 70–85), the rest 40–64 (people living alone with a disability
  or an illness); Korean names; the carrier a person's phone is on: SKT, KT and LG U+ in
  their market shares, with the MVNOs' (알뜰폰) ~17 % of lines counted with the network that
  carries them (their traffic reaches anbu in the host network's feed); ~3,500 community
  centres (주민센터) named `<시/도> <시/군/구> <동>`, spread over the 17 provinces in
  proportion to their older population; consent given over the two years before the day;
  one in ten with a shorter or longer silence period than the default.
* `day.jsonl` — one day (2026-11-24, Seoul) of events for them, in roughly time order:
  calls in and out (a quarter of the calls in are missed: `duration_s` 0), texts in and
  out, data sessions, the phone switched off and on, a few check-ins; on a daily rhythm
  (quiet from midnight to five, a peak in the morning and another in the evening); some
  people much more active than others; ~3 % late (up to 50 minutes after their time), ~1 %
  re-sent duplicates, ~2 % for numbers nobody enrolled; a watermark per carrier every hour.

Everything is derived from the person's index (the phone number is a permutation of the
index over 010-2000-0000…010-9999-9999), so both files agree without one being read to
write the other, and nothing but a few small tables is held in memory. Plain Python: one
formatted string per line, written in blocks.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchlib import Stopwatch, say

KST = timezone(timedelta(hours=9))
DAY = datetime(2026, 11, 24, 0, 0, tzinfo=KST)  # the day the traffic covers
CONSENT_SPAN_DAYS = 730  # consent given over the two years before the day
SUBJECT_COLUMNS = (
    "external_id,name,birth_date,phone,carrier,centre,address,"
    "inactivity_hours,phone_off_hours,consent_at"
)

# Mobile lines by network (MSIT statistics, 2024, rounded): the MVNOs' share is carried by
# the host networks, roughly in proportion to what each hosts.
CARRIER_SHARES = (("SKT", 0.40 + 0.05), ("KT", 0.23 + 0.07), ("LGU", 0.20 + 0.05))

# 시/도, share of the people aged 65+ (rounded), and how many 시/군/구 it has.
PROVINCES = (
    ("서울", 0.172, 25),
    ("부산", 0.075, 16),
    ("대구", 0.047, 9),
    ("인천", 0.049, 10),
    ("광주", 0.022, 5),
    ("대전", 0.024, 5),
    ("울산", 0.016, 5),
    ("세종", 0.005, 1),
    ("경기", 0.228, 31),
    ("강원", 0.039, 18),
    ("충북", 0.035, 11),
    ("충남", 0.046, 15),
    ("전북", 0.044, 14),
    ("전남", 0.049, 22),
    ("경북", 0.067, 22),
    ("경남", 0.068, 18),
    ("제주", 0.014, 2),
)
CITIES = ("서울", "부산", "대구", "인천", "광주", "대전", "울산")  # 구 rather than 시/군
CENTRES = 3_500
DISTRICT_STEMS = "중동서남북성강송영마금용광은수연해사달부진양창청"  # one syllable each
DISTRICT_TAILS = "산천평포원주안정곡릉해암도봉악"  # one syllable each
DONG_STEMS = "신정도화명문상중하대소송왕효덕장학만인월행봉석청가능초은"  # one syllable each
DONG_TAILS = "림원곡동천산포암촌평계수양성리현안전"  # one syllable each

SURNAMES = (("김", 21.5), ("이", 14.7), ("박", 8.4), ("최", 4.7), ("정", 4.3), ("강", 2.4))
SURNAMES += (("조", 2.1), ("윤", 2.1), ("장", 2.0), ("임", 1.7), ("한", 1.5), ("오", 1.5))
SURNAMES += (("서", 1.5), ("신", 1.5), ("권", 1.4), ("황", 1.4), ("안", 1.3), ("송", 1.3))
GIVEN_FIRST = "영순정옥춘말복상철명종기경숙용광재병"  # one syllable each
GIVEN_SECOND = "자희수호순례남식철길녀임덕분근석환배"  # one syllable each
ROADS = (
    "중앙로",
    "시장길",
    "학교로",
    "역전로",
    "공원로",
    "새마을로",
    "은행나무길",
    "동산로",
    "강변로",
)

# What an older person's phone does in a day, by share of the lines.
KINDS = (
    ("sms_in", 0.27),
    ("call_in", 0.22),
    ("data", 0.22),
    ("call_out", 0.16),
    ("sms_out", 0.06),
    ("power_off", 0.03),
    ("power_on", 0.03),
    ("checkin", 0.01),
)
MISSED = 0.25  # share of incoming calls nobody answered
# Lines per hour of the day (Seoul), relative: quiet at night, peaks at 9 and at 19.
RHYTHM = (
    *(0.5, 0.3, 0.2, 0.2, 0.3, 0.9, 2.4, 4.4, 6.0, 6.6, 6.2, 5.6),  # 0-11 h
    *(5.4, 5.0, 4.9, 4.9, 5.2, 5.8, 6.4, 6.2, 5.0, 3.4, 1.9, 1.0),  # 12-23 h
)
PHONE_BASE, PHONE_SPAN = 2000_0000, 8000_0000  # 010-2000-0000 … 010-9999-9999
PHONE_STEP = 48_271_007  # coprime with PHONE_SPAN: i -> number is a permutation


@dataclass(frozen=True)
class Mix:
    """Shares of the day's lines that are not plain events of enrolled people."""

    late: float = 0.03
    duplicates: float = 0.01
    unknown: float = 0.02


def phone_of(index: int) -> str:
    """Person `index`'s number as carriers write it; distinct for every index < 80 M."""
    n = PHONE_BASE + (index * PHONE_STEP + 12_345) % PHONE_SPAN
    return f"010-{n // 10_000:04d}-{n % 10_000:04d}"


def carrier_of(index: int) -> str:
    """A stable, well-spread carrier for each index, in the market's shares."""
    r = ((index * 2_654_435_761) % 2**32) / 2**32
    for carrier, share in CARRIER_SHARES:
        if r < share:
            return carrier
        r -= share
    return CARRIER_SHARES[-1][0]


def centre_names(rng: random.Random) -> list[str]:
    """~3,500 distinct centre names `<시/도> <시/군/구> <동>`, with more centres where more
    older people live, each centre weighed by how many people it serves."""
    names: list[str] = []
    for province, share, districts in PROVINCES:
        ends = "구" if province in CITIES else "시군"
        district_names = _distinct(rng, districts, DISTRICT_STEMS, DISTRICT_TAILS, ends)
        per_district = max(1, round(CENTRES * share / districts))
        for district in district_names:
            dongs = _distinct(rng, per_district, DONG_STEMS, DONG_TAILS, "동")
            names += [f"{province} {district} {dong}" for dong in dongs]
    return names


def _distinct(rng: random.Random, count: int, stems: str, tails: str, ends: str) -> list[str]:
    found: dict[str, None] = {}
    while len(found) < count:
        name = rng.choice(stems) + rng.choice(tails)
        if rng.random() < 0.3:
            name += str(rng.randint(1, 4))
        found[name + rng.choice(ends)] = None
    return list(found)


def write_subjects(path: Path, people: int, seed: int = 15, first: int = 0) -> int:
    """People `first`..`people`-1 as the subjects CSV; returns the number of centres."""
    rng = random.Random(seed)
    centres = centre_names(rng)
    rng = random.Random(seed * 1_000_003 + first)
    surnames = [s for s, _ in SURNAMES]
    surname_weights = list(itertools.accumulate(w for _, w in SURNAMES))
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(SUBJECT_COLUMNS + "\n")
        block: list[str] = []
        for index in range(first, people):
            block.append(_subject_line(index, rng, centres, surnames, surname_weights))
            if len(block) == 10_000:
                out.write("".join(block))
                block.clear()
        out.write("".join(block))
    return len(centres)


def _subject_line(
    index: int, rng: random.Random, centres: list[str], surnames: list[str], weights: list[float]
) -> str:
    random_ = rng.random
    surname = rng.choices(surnames, cum_weights=weights)[0] if random_() < 0.75 else "문"
    name = surname + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)
    age = (
        40 + int(random_() * 25)
        if random_() < 0.1
        else min(95, 65 + int(random_() * 22 + random_() * 9))
    )
    born = f"{2026 - age}-{1 + int(random_() * 12):02d}-{1 + int(random_() * 28):02d}"
    centre = centres[int(random_() * len(centres))]
    road = ROADS[int(random_() * len(ROADS))]
    address = f"{centre.rsplit(' ', 1)[0]} {road} {1 + int(random_() * 300)}"
    r = random_()
    inactivity = "" if r < 0.9 else "24" if r < 0.95 else "72"
    consent = DAY - timedelta(days=1 + random_() * CONSENT_SPAN_DAYS)
    return (
        f"NP-{index:08d},{name},{born},{phone_of(index)},{carrier_of(index)},{centre},"
        f"{address},{inactivity},,{consent.isoformat(timespec='seconds')}\n"
    )


def write_day(
    path: Path,
    people: int,
    events_per_person: float = 8.0,
    seed: int = 15,
    mix: Mix | None = None,
) -> Counter[str]:
    """One day of traffic for people 0..`people`-1; returns the count of each kind of line."""
    mix = mix or Mix()
    rng = random.Random(seed + 1)
    total = round(people * events_per_person)
    weight = sum(RHYTHM)
    clock = [(DAY + timedelta(seconds=s)).isoformat() for s in range(24 * 3600)]
    counts: Counter[str] = Counter()
    with path.open("w", encoding="utf-8") as out:
        for hour, share in enumerate(RHYTHM):
            lines = _hour(hour, round(total * share / weight), people, clock, rng, mix, counts)
            out.write("".join(lines))
            # Each carrier declares the hour before this one complete: late lines lag
            # less than an hour, so none of them falls before a watermark already sent.
            if hour:
                until = clock[(hour - 1) * 3600]
                out.write(
                    "".join(
                        f'{{"carrier":"{carrier}","kind":"watermark","complete_until":"{until}"}}\n'
                        for carrier, _ in CARRIER_SHARES
                    )
                )
                counts["watermark"] += len(CARRIER_SHARES)
    return counts


def _hour(
    hour: int,
    count: int,
    people: int,
    clock: list[str],
    rng: random.Random,
    mix: Mix,
    counts: Counter[str],
) -> Iterator[str]:
    random_ = rng.random
    cumulative = list(itertools.accumulate(w for _, w in KINDS))
    kinds = rng.choices([k for k, _ in KINDS], cum_weights=cumulative, k=count)
    seconds = sorted(int(random_() * 3600) for _ in range(count))
    recent: list[str] = []
    start = hour * 3600
    # One draw per line: [0, late) late, then a duplicate, then an unknown number.
    duplicate = mix.late + mix.duplicates
    unknown = duplicate + mix.unknown
    for second, kind in zip(seconds, kinds, strict=True):
        r = random_()
        if mix.late <= r < duplicate and recent:
            counts["duplicate"] += 1
            yield recent[int(random_() * len(recent))]
            continue
        # Some people use their phone far more than others: lower indices, more lines.
        index = int(people * random_() ** 1.6)
        if duplicate <= r < unknown:
            phone, carrier = phone_of(people + index // 8), carrier_of(index)
            counts["unknown"] += 1
        else:
            phone, carrier = phone_of(index), carrier_of(index)
        at = start + second
        if r < mix.late:
            at = max(0, at - 60 - int(random_() * 2940))
            counts["late"] += 1
        counts[kind] += 1
        extra = ""
        if kind in ("call_in", "call_out"):
            missed = kind == "call_in" and random_() < MISSED
            extra = ',"duration_s":0' if missed else f',"duration_s":{5 + int(random_() * 600)}'
            counts["missed"] += missed
        line = (
            f'{{"event_id":"{carrier}-{hour:02d}{second:04d}-{counts["total"]:09d}",'
            f'"carrier":"{carrier}","phone":"{phone}","kind":"{kind}",'
            f'"occurred_at":"{clock[at]}"{extra}}}\n'
        )
        counts["total"] += 1
        if len(recent) < 5_000:
            recent.append(line)
        else:
            recent[int(random_() * 5_000)] = line
        yield line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--events-per-person", type=float, default=8.0)
    parser.add_argument("--out", type=Path, required=True, help="a folder for the two files")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    subjects, day = args.out / "subjects.csv", args.out / "day.jsonl"
    clock = Stopwatch()
    centres = write_subjects(subjects, args.people, args.seed)
    people_s = clock.seconds
    say(f"{subjects}: {args.people:,} people, {centres:,} centres in {people_s:.1f} s")
    clock = Stopwatch()
    counts = write_day(day, args.people, args.events_per_person, args.seed)
    day_s = clock.seconds
    lines = counts["total"] + counts["duplicate"] + counts["watermark"]
    say(f"{day}: {lines:,} lines in {day_s:.1f} s")
    print(
        f"people {args.people:,} ({args.people / people_s:,.0f}/s, "
        f"{subjects.stat().st_size / 2**20:,.0f} MiB); day {lines:,} lines "
        f"({lines / day_s:,.0f}/s, {day.stat().st_size / 2**20:,.0f} MiB); "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
