"""Staff API directory lookups (``/api/staff/v1/people``; catalog §3.2 ``staff_details``).

The directory is the calendar provider's (Office365/Google): its ids are the provider's
object ids, not PlaceOS ``user-…`` ids. The simulator's directory is the tenant's users.
"""

from __future__ import annotations

from aiohttp import web

from .placeos_errors import not_found
from .placeos_http import Surface, authorize, json_response, tenant_of
from .placeos_routes_staff import STAFF

PEOPLE = f"{STAFF}/people"


def register(app: web.Application) -> None:
    app.add_routes([web.get(f"{PEOPLE}/{{id}}", show_person)])


async def show_person(request: web.Request) -> web.Response:
    """A person by email (containing ``@``) or by directory id; 404 ``{"error"}`` otherwise."""
    authorize(request, Surface.STAFF)
    wanted = request.match_info["id"]
    directory = tenant_of(request).directory
    if "@" in wanted:
        person = directory.user_by_email(wanted)
    else:
        person = next((u for u in directory.users.values() if u.directory_id == wanted), None)
    if person is None:
        raise not_found(f"user {wanted} not found")
    return json_response(person.render_directory())
