from dataclasses import dataclass
from typing import Any

import requests
from tenacity import retry


class GeoError(Exception):
    pass


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    label: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Location":
        return cls(lat=float(data["lat"]), lon=float(data["lon"]), label=str(data.get("label", "")))


class GeocodingClient:
    def __init__(self, api_key: str, base_url: str = "https://api.geo.example.com/v1", timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.params = {"key": api_key}

    def geocode(self, address: str) -> Location | None:
        resp = self.session.get(f"{self.base_url}/geocode", params={"q": address}, timeout=self.timeout)
        resp.raise_for_status()
        results = resp.json()["results"]
        return Location.from_json(results[0]) if results else None

    def reverse(self, lat: float, lon: float) -> Location | None:
        try:
            resp = self.session.get(f"{self.base_url}/reverse", params={"lat": lat, "lon": lon}, timeout=self.timeout)
            resp.raise_for_status()
        except requests.RequestException as exc:  # expect: RB206
            if exc.response is not None and exc.response.status_code == 404:
                return None
        return Location.from_json(resp.json())

    def elevation(self, lat: float, lon: float) -> float | None:
        try:
            resp = self.session.get(f"{self.base_url}/elevation", params={"lat": lat, "lon": lon}, timeout=self.timeout)
            resp.raise_for_status()
        except requests.RequestException as exc:
            if exc.response is not None and exc.response.status_code == 404:
                return None
            raise GeoError(f"elevation lookup failed: {exc}") from exc
        return float(resp.json()["meters"])

    @retry  # expect: RB209
    def timezone(self, lat: float, lon: float) -> str:
        resp = self.session.get(f"{self.base_url}/timezone", params={"lat": lat, "lon": lon}, timeout=self.timeout)
        resp.raise_for_status()
        return str(resp.json()["tz"])
