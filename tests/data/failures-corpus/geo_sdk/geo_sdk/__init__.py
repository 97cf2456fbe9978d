"""Client for the Geo API."""
from geo_sdk.batch import geocode_many
from geo_sdk.client import GeocodingClient, GeoError, Location

__all__ = ["GeoError", "GeocodingClient", "Location", "geocode_many"]
__version__ = "1.4.0"
