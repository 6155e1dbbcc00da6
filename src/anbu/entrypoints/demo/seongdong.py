"""Seongdong-gu (성동구) as the demo draws it: its 17 administrative dongs and some of
their streets. The weights only spread people believably; they are not statistics."""

from __future__ import annotations

from dataclasses import dataclass

DISTRICT = "서울특별시 성동구"


@dataclass(frozen=True, slots=True)
class Dong:
    name: str
    roman: str  # for logins and e-mail addresses
    weight: int
    roads: tuple[str, ...]


DONGS: tuple[Dong, ...] = (
    Dong("왕십리도선동", "wangsimni-doseon", 9, ("왕십리로", "무학로", "고산자로")),
    Dong("왕십리제2동", "wangsimni-2", 6, ("왕십리로", "무학로")),
    Dong("마장동", "majang", 7, ("마장로", "마조로")),
    Dong("사근동", "sageun", 6, ("사근동길", "마조로")),
    Dong("행당제1동", "haengdang-1", 6, ("행당로", "왕십리로")),
    Dong("행당제2동", "haengdang-2", 5, ("행당로", "고산자로")),
    Dong("응봉동", "eungbong", 4, ("응봉로", "독서당로")),
    Dong("금호1가동", "geumho-1ga", 4, ("금호로", "무수막길")),
    Dong("금호2·3가동", "geumho-23ga", 5, ("금호로", "동호로")),
    Dong("금호4가동", "geumho-4ga", 3, ("금호산길", "독서당로")),
    Dong("옥수동", "oksu", 6, ("독서당로", "매봉길")),
    Dong("성수1가제1동", "seongsu-1ga-1", 5, ("왕십리로", "뚝섬로")),
    Dong("성수1가제2동", "seongsu-1ga-2", 5, ("성수일로", "아차산로")),
    Dong("성수2가제1동", "seongsu-2ga-1", 5, ("성수이로", "아차산로")),
    Dong("성수2가제3동", "seongsu-2ga-3", 6, ("성수이로", "연무장길")),
    Dong("송정동", "songjeong", 5, ("동일로", "아차산로")),
    Dong("용답동", "yongdap", 5, ("용답중앙길", "천호대로")),
)


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """Neighbouring dongs that share one lead in the demo's invented staff list."""

    roman: str
    dongs: tuple[str, ...]


NEIGHBOURHOODS: tuple[Neighbourhood, ...] = (
    Neighbourhood("wangsimni", ("왕십리도선동", "왕십리제2동", "마장동", "사근동")),
    Neighbourhood("haengdang", ("행당제1동", "행당제2동", "응봉동")),
    Neighbourhood("geumho", ("금호1가동", "금호2·3가동", "금호4가동", "옥수동")),
    Neighbourhood("seongsu", ("성수1가제1동", "성수1가제2동", "성수2가제1동", "성수2가제3동")),
    Neighbourhood("songjeong", ("송정동", "용답동")),
)
