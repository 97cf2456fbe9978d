import logging
from collections.abc import Iterable

from geo_sdk.client import GeocodingClient, Location

log = logging.getLogger("geo_sdk")


def geocode_many(client: GeocodingClient, addresses: Iterable[str]) -> dict[str, Location | None]:
    results: dict[str, Location | None] = {}
    for address in addresses:
        try:
            results[address] = client.geocode(address)
        except:  # expect: RB207
            log.debug("geocoding failed for %r", address)
            results[address] = None
    return results


def timezones(client: GeocodingClient, points: Iterable[tuple[float, float]]) -> list[str]:
    zones: list[str] = []
    for lat, lon in points:
        try:
            zones.append(client.timezone(lat, lon))
        except Exception:
            log.info("timezone lookup failed for %s,%s", lat, lon)
            raise
    return zones
