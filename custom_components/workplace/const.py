"""Constants of the Workplace integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "workplace"
LOGGER = logging.getLogger(__package__)

EVENT_WORKPLACE: Final = "workplace_event"

CONF_PROVIDER: Final = "provider"
CONF_ZONES: Final = "zones"
CONF_HORIZON_DAYS: Final = "horizon_days"
CONF_BOOKING_TYPES: Final = "booking_types"
CONF_SPACE_ENTITIES: Final = "space_entities"
CONF_ALLOW_METADATA_WRITES: Final = "allow_metadata_writes"

PROVIDER_PLACEOS: Final = "placeos"
PROVIDER_DESKBEE: Final = "deskbee"
PROVIDER_SALTO_KS: Final = "salto_ks"
PROVIDERS: Final = (PROVIDER_PLACEOS, PROVIDER_DESKBEE, PROVIDER_SALTO_KS)
CONF_IDENTITY_URL: Final = "identity_url"
CONF_SITE: Final = "site_id"
DEFAULT_SALTO_URL: Final = "https://connect.my-clay.com"
DEFAULT_SALTO_IDENTITY_URL: Final = "https://identity.eu.my-clay.com"
DEFAULT_DESKBEE_URL: Final = "https://api.deskbee.io"
CONF_WEBHOOK_SECRET: Final = "webhook_secret"  # noqa: S105 - the key of a setting

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=60)
# With webhooks pushing changes, polling only catches what a delivery missed.
DEFAULT_SCAN_INTERVAL_WITH_PUSH: Final = timedelta(minutes=5)
MIN_SCAN_INTERVAL: Final = timedelta(seconds=15)
DEFAULT_HORIZON_DAYS: Final = 7
MAX_HORIZON_DAYS: Final = 31
DEFAULT_BOOKING_TYPES: Final = ("desk", "room")
KNOWN_BOOKING_TYPES: Final = ("desk", "room", "parking", "locker", "visitor")
