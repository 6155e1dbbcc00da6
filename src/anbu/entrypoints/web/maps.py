"""Links that take an officer to the person's door: the address handed to the phone's map
app as a link. The server never calls a map service (no outside request, no key, nothing
about the person leaves except when the officer taps), and the pages send no referrer, so
the map service learns the address and nothing of the case.

Kakao Map first: Korean addresses (road names, 동/호) are what it reads best, its link
opens the Kakao Map app where it is installed and its web map elsewhere, on Android and
iPhone alike. `geo:` second, for any other map app on Android (iPhones ignore it).
"""

from __future__ import annotations

from urllib.parse import quote


def kakao_map(address: str) -> str:
    """Kakao Map's search for the address; a `/` in it (101동/202호) stays in the query."""
    return "https://map.kakao.com/link/search/" + quote(" ".join(address.split()), safe="")


def geo_uri(address: str) -> str:
    """A `geo:` URI (RFC 5870) searching for the address in the phone's own map app."""
    return "geo:0,0?q=" + quote(" ".join(address.split()), safe="")
