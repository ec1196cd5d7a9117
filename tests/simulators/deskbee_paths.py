"""Every Deskbee path the simulator serves, in one table (catalog §6.0).

Paths are relative to ``API_PREFIX``. ``confirmed`` mirrors the catalog's path status:
``False`` = INFERRED, i.e. a best guess that may need correcting — change it here only.
Aliases the catalog asks for are separate rows pointing at the same handler.
``scope`` is the OAuth scope checked when scope enforcement is on (``None`` = the scope
name is unknown, never checked).
"""

from __future__ import annotations

from dataclasses import dataclass

API_PREFIX = "/v1.1"

TOKEN = "/oauth/token"
BUILDINGS = "/buildings"
BUILDING = "/buildings/{uuid}"
FLOORS = "/floors"
FLOOR = "/floors/{uuid}"
PARKINGS = "/parkings"
PARKING = "/parkings/{uuid}"
PLACES = "/places"
PLACE = "/places/{uuid}"
USERS = "/users"
USER = "/users/{uuid}"
GUESTPASSES = "/guestpass"
GUESTPASS = "/guestpass/{uuid}"
GUESTPASS_PASS = "/guestpass/{uuid}/pass"
GUESTPASS_CANCEL = "/guestpass/{uuid}/cancel"
BOOKINGS = "/bookings"
BOOKING = "/bookings/{uuid}"
BOOKING_WORKSPACES = "/bookings/workspaces"
BOOKING_WORKSPACE = "/bookings/workspaces/{uuid}"
BOOKING_MEETING_ROOMS = "/bookings/meeting-rooms"
BOOKING_MEETING_ROOM = "/bookings/meeting-rooms/{uuid}"
BOOKING_CHECKINS = "/bookings/{uuid}/checkins"
BOOKING_CHECKIN = "/bookings/{uuid}/checkin"
BOOKING_CHECKOUT = "/bookings/{uuid}/checkout"
BOOKING_CANCEL = "/bookings/{uuid}/cancel"
INTEGRATION_CHECKIN = "/integrations/checkin"

# Webhook ``resource.route`` of a booking (§8).
BOOKING_ROUTE = "/bookings/{uuid}"


@dataclass(frozen=True)
class RouteSpec:
    """One served route: method, path (relative), handler name, path status, scope."""

    method: str
    path: str
    handler: str
    confirmed: bool
    scope: str | None = None
    public: bool = False  # no bearer token needed


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("POST", TOKEN, "issue_token", confirmed=True, public=True),
    # -- building area (§6.1) ---------------------------------------------------------------
    RouteSpec("GET", BUILDINGS, "list_buildings", confirmed=True, scope="building.show"),
    RouteSpec("GET", BUILDING, "show_building", confirmed=True, scope="building.show"),
    RouteSpec("GET", FLOORS, "list_floors", confirmed=False, scope="building.show"),
    RouteSpec("GET", FLOOR, "show_floor", confirmed=False, scope="building.show"),
    RouteSpec("GET", PARKINGS, "list_parkings", confirmed=False, scope="building.show"),
    RouteSpec("GET", PARKING, "show_parking", confirmed=False, scope="building.show"),
    RouteSpec("GET", PLACES, "list_places", confirmed=False, scope="building.show"),
    RouteSpec("GET", PLACE, "show_place", confirmed=False, scope="building.show"),
    # -- users (§6.3) -----------------------------------------------------------------------
    RouteSpec("GET", USERS, "list_users", confirmed=True, scope="organization.show"),
    RouteSpec("GET", USER, "show_user", confirmed=True, scope="organization.show"),
    # -- guest pass (§6.5) ------------------------------------------------------------------
    RouteSpec("GET", GUESTPASSES, "list_guest_passes", confirmed=True),
    RouteSpec("POST", GUESTPASSES, "create_guest_pass", confirmed=False),
    RouteSpec("GET", GUESTPASS, "show_guest_pass", confirmed=False),
    RouteSpec("POST", GUESTPASS_PASS, "pass_guest_pass", confirmed=False),
    RouteSpec("POST", GUESTPASS_CANCEL, "cancel_guest_pass", confirmed=False),
    RouteSpec("DELETE", GUESTPASS, "cancel_guest_pass", confirmed=False),  # alias
    # -- bookings (§6.6) --------------------------------------------------------------------
    RouteSpec("GET", BOOKINGS, "list_bookings", confirmed=True, scope="booking.show"),
    RouteSpec("POST", BOOKINGS, "create_legacy_booking", confirmed=False),
    RouteSpec("POST", BOOKING_WORKSPACES, "create_workspace_booking", confirmed=True),
    RouteSpec("PUT", BOOKING_WORKSPACE, "update_workspace_booking", confirmed=True),
    RouteSpec("POST", BOOKING_MEETING_ROOMS, "create_meeting_room_booking", confirmed=True),
    RouteSpec("PUT", BOOKING_MEETING_ROOM, "update_meeting_room_booking", confirmed=True),
    RouteSpec("GET", BOOKING, "show_booking", confirmed=True, scope="booking.show"),
    RouteSpec("DELETE", BOOKING, "delete_booking", confirmed=False),
    RouteSpec("GET", BOOKING_CHECKINS, "list_checkins", confirmed=False, scope="booking.show"),
    RouteSpec("GET", BOOKING_CHECKIN, "list_checkins", confirmed=False, scope="booking.show"),
    RouteSpec("POST", BOOKING_CHECKIN, "check_in", confirmed=False),
    RouteSpec("POST", BOOKING_CHECKOUT, "check_out", confirmed=False),
    RouteSpec("POST", BOOKING_CANCEL, "cancel_booking", confirmed=False),
    # -- check-in automation (§6.11) --------------------------------------------------------
    RouteSpec(
        "POST",
        INTEGRATION_CHECKIN,
        "automation_checkin",
        confirmed=True,
        scope="integration.checkin",
    ),
)
