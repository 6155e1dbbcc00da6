"""Seongdong-gu (성동구) as the demo draws it: its 17 administrative dongs and some of
their streets. The weights only spread people believably; they are not statistics."""

from __future__ import annotations

from dataclasses import dataclass

DISTRICT = "서울특별시 성동구"


@dataclass(frozen=True, slots=True)
class Dong:
    name: str
    weight: int
    roads: tuple[str, ...]


DONGS: tuple[Dong, ...] = (
    Dong("왕십리도선동", 9, ("왕십리로", "무학로", "고산자로")),
    Dong("왕십리제2동", 6, ("왕십리로", "무학로")),
    Dong("마장동", 7, ("마장로", "마조로")),
    Dong("사근동", 6, ("사근동길", "마조로")),
    Dong("행당제1동", 6, ("행당로", "왕십리로")),
    Dong("행당제2동", 5, ("행당로", "고산자로")),
    Dong("응봉동", 4, ("응봉로", "독서당로")),
    Dong("금호1가동", 4, ("금호로", "무수막길")),
    Dong("금호2·3가동", 5, ("금호로", "동호로")),
    Dong("금호4가동", 3, ("금호산길", "독서당로")),
    Dong("옥수동", 6, ("독서당로", "매봉길")),
    Dong("성수1가제1동", 5, ("왕십리로", "뚝섬로")),
    Dong("성수1가제2동", 5, ("성수일로", "아차산로")),
    Dong("성수2가제1동", 5, ("성수이로", "아차산로")),
    Dong("성수2가제3동", 6, ("성수이로", "연무장길")),
    Dong("송정동", 5, ("동일로", "아차산로")),
    Dong("용답동", 5, ("용답중앙길", "천호대로")),
)
