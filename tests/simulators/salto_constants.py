"""Wire names, enums and defaults of the SALTO KS simulator in one place (catalog §1-§6).

Names marked INFERRED are the simulator's choice where the catalog is silent; keep every such
choice here so a measurement that contradicts it is a one-line change.
"""

from __future__ import annotations

# -- paths (§1, §4, §6) -------------------------------------------------------------------

API_VERSIONS = ("v1.1", "v1.2")
ENTRIES_VERSION = "v1.1"  # entries exist only under v1.1; v1.2 → 405 (§1, §4.7)
PODS_VERSION = "v1.1"  # every documented pod path is v1.1 (§4.6)
TOKEN_PATH = "/connect/token"
AUTHORIZE_PATH = "/connect/authorize"
DISCOVERY_PATH = "/.well-known/openid-configuration"
HUB_PATH = "/v1/hub/entries"
NEGOTIATE_PATH = HUB_PATH + "/negotiate"
APP_OTP_PATH = "/app/otp"  # simulator-only: "read the app" for the demo (no SALTO path)

# -- identity (§2) ------------------------------------------------------------------------

SCOPE_API = "user_api.full_access"
SCOPE_OFFLINE = "offline_access"
KNOWN_SCOPES = ("openid", "profile", SCOPE_OFFLINE, SCOPE_API)
AUDIENCE = "user_api"
DEFAULT_TOKEN_LIFETIME = 3600  # expires_in measured (§2)
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600  # IdentityServer's default absolute lifetime
AUTH_CODE_LIFETIME = 300  # IdentityServer's default authorization code lifetime

# -- paging and OData (§3) ----------------------------------------------------------------

DEFAULT_PAGE_SIZE = 50  # INFERRED: lists without $top
MAX_PAGE_SIZE = 1000  # INFERRED: larger $top values are clamped
DEFAULT_ENTRIES_PAGE_SIZE = 50  # INFERRED
ENTRIES_SCAN_BUDGET = 500  # INFERRED: entries one page may scan before answering (Cosmos-like)
CONTINUATION_HEADER = "CLP-Continuation-Token"

# -- OTP and remote opening (§4.2, §4.3, §5) ----------------------------------------------

OTP_LENGTH = 5
OTP_VALIDITY = 180  # a code is accepted for 3 minutes after the app shows it
OTP_STEP = 30  # INFERRED: the app shows a fresh code every 30 s
OTP_MAX_FAILURES = 3  # measured: blocked after 3 (once 8) consecutive failures
OTP_FAILURE_WINDOW = 300  # INFERRED: failures older than this are forgotten
OTP_BLOCK_SECONDS = 300  # INFERRED: how long otp_blocked lasts
DEFAULT_OPEN_TIME = 5.0  # INFERRED: seconds a lock stays unlocked after an opening

LOCKED_STATES = ("none", "locked", "office_mode", "uncertain", "unlocked")  # request enum
BATTERY_LEVELS = ("fresh", "low", "very_low")  # only "fresh" measured; others INFERRED

# -- entries (§4.7) -----------------------------------------------------------------------

STORE_EVENTS_TTL_DAYS = 90  # store_events_ttl "90.00:00:00"
UNKNOWN_PIN_USER_ID = "ee8f17b4-701b-4aa6-9f1c-22f71cc61ca6"  # measured sentinel (§4.7)
ENTRY_FIELDS = (
    "id", "event_category", "event_detail", "utc_date_time", "local_date_time", "lock_id",
    "lock_mac_address", "lock_customer_reference", "user_id", "user_first_name",
    "user_last_name", "user_image_url", "user_alias", "iq_id", "iq_customer_reference",
    "iq_mac_address", "iq_revision", "exit_requested", "access_by", "access_detail",
    "ttl_in_seconds", "expiration_date_time",
)  # fmt: skip
ENTRY_DATE_FIELDS = frozenset({"utc_date_time", "local_date_time", "expiration_date_time"})

# -- pods (§4.6) ------------------------------------------------------------------------------

ADD_GUESTS_FIELD = "add_guests"
# The vendor page (seed 004) spells the removal list "remove_guests_ids" and says the ids
# are PodGuest ids; the catalog had only guessed "remove_guest_ids". Unknown fields are
# ignored, as the real (ASP.NET) API does.
REMOVE_GUESTS_FIELD = "remove_guests_ids"
ADD_MEMBERS_FIELD = "add_members"
REMOVE_MEMBERS_FIELD = "remove_member_ids"
GUEST_RULE_TYPES = ("always", "custom")
POD_RULE_TYPES = ("always", "checkin_checkout")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# -- roles (§4.1) -------------------------------------------------------------------------

ROLE_IDS = {
    "site_user": "8f6081a3-80fb-11e8-a892-000d3a221c5b",
    "site_admin": "7d53b0b3-3ef7-11e8-9f1c-0050568d6e36",
    "site_mobile_user": "9df437bb-80fb-11e8-a892-000d3a221c5b",
    "site_pod_member": "1243f463-1033-11ea-ac2c-000d3a46a880",
    "site_remote_office_mode_user": "58ebcde4-d01d-11eb-b9e0-000d3a46a880",
    "site_guest": "2a6c1f0e-0d3b-11ec-9a03-000d3a46a880",
}
ROLE_NAMES = {
    "site_user": "Site User",
    "site_admin": "Site Admin",
    "site_mobile_user": "Site Mobile User",
    "site_pod_member": "Site Pod Member",
    "site_remote_office_mode_user": "Site Remote Office Mode User",
    "site_guest": "Site Guest",
}
SITE_USER_PARENT_ROLE = "76f7e578-80fb-11e8-a892-000d3a221c5b"
HIERARCHICAL_ROLES = frozenset({"site_user", "site_admin"})

SUBSCRIPTION_FEATURES = (
    "pods", "events_streaming", "smart_tag_assignment", "time_and_attendance_report", "nfc",
    "events_storage", "e_loxx", "xs_com", "activity_log",
)  # fmt: skip
VENDOR = {
    "id": "d948da26-c404-11ee-8767-000d3a46a880",
    "reference": "sallis",
    "display_name": "SALTO Sallis",
}
