"""Guest pass rules (catalog §6.5).

An invitation (the "master") holds one ``PassGuest`` per invited guest; the API addresses
the guests by their own uuid. A guest is ``active`` until it is marked passed (the visitor
arrived, status id 4), cancelled, or its end passes (``expired``, from the clock).
Cancelling is idempotent; cancelling a passed or expired guest is 409, as is passing a
cancelled or expired one (passing twice is idempotent). No webhook is emitted (§8 lists none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .deskbee_errors import conflict, not_found, refused
from .deskbee_model import Floor, GuestPass, PassGuest, PassStatus, User

if TYPE_CHECKING:
    from .deskbee_account import DeskbeeAccount


@dataclass(frozen=True)
class GuestInput:
    name: str
    email: str | None = None
    language: str = "pt_BR"


class GuestPassBook:
    """Every invitation of the account, and the per-guest index the API uses."""

    def __init__(self, account: DeskbeeAccount) -> None:
        self.account = account
        self.passes: dict[str, GuestPass] = {}
        self._guests: dict[str, tuple[GuestPass, PassGuest]] = {}

    def status(self, guest: PassGuest) -> PassStatus:
        if guest.status is PassStatus.ACTIVE:
            invitation = self.passes[guest.master_uuid]
            if self.account.now() > invitation.end:
                return PassStatus.EXPIRED
        return guest.status

    def find(self, guest_uuid: str) -> tuple[GuestPass, PassGuest]:
        found = self._guests.get(guest_uuid)
        if found is None:
            raise not_found("Guest pass not found.")
        return found

    def listing(self) -> list[tuple[GuestPass, PassGuest]]:
        """Every guest of every invitation, by start then creation order."""
        ordered = sorted(self.passes.values(), key=lambda p: (p.start, p.created_at))
        return [(invitation, guest) for invitation in ordered for guest in invitation.guests]

    def create(
        self,
        *,
        title: str,
        floor: Floor,
        start: float,
        end: float,
        host: User,
        guests: list[GuestInput],
        description: str | None = None,
        booking_uuid: str | None = None,
        doc_type: str | None = None,
        doc_number: str | None = None,
    ) -> GuestPass:
        if end <= start:
            raise refused("The end hour must be a date after start hour.", "end_hour")
        if not guests:
            raise refused("The guests field is required.", "guests")
        ids = self.account.ids
        now = self.account.now()
        if doc_type and doc_number:
            host.documents = [d for d in host.documents if d.get("type") != doc_type]
            host.documents.append({"type": doc_type, "doc": doc_number})
            host.updated_at = now
        invitation = GuestPass(
            uuid=ids.make(),
            title=title,
            description=description,
            floor_uuid=floor.uuid,
            start=float(int(start)),
            end=float(int(end)),
            person_uuid=host.uuid,
            approver_uuid=host.uuid,
            booking_uuid=booking_uuid,
            created_at=now,
            updated_at=now,
            doc_type=doc_type,
            doc_number=doc_number,
        )
        for item in guests:
            guest = PassGuest(
                uuid=ids.make(),
                name=item.name,
                email=item.email,
                language=item.language,
                token_access=ids.token(10).upper(),
                status=PassStatus.ACTIVE,
                updated_at=now,
                master_uuid=invitation.uuid,
            )
            invitation.guests.append(guest)
            self._guests[guest.uuid] = (invitation, guest)
        self.passes[invitation.uuid] = invitation
        return invitation

    def mark_passed(self, guest_uuid: str) -> tuple[GuestPass, PassGuest]:
        invitation, guest = self.find(guest_uuid)
        current = self.status(guest)
        if current is PassStatus.PASSED:
            return invitation, guest
        if current is not PassStatus.ACTIVE:
            raise conflict(f"The guest pass is {current.value} and cannot be marked as passed.")
        guest.status = PassStatus.PASSED
        guest.updated_at = self.account.now()
        return invitation, guest

    def cancel(self, guest_uuid: str) -> tuple[GuestPass, PassGuest]:
        invitation, guest = self.find(guest_uuid)
        current = self.status(guest)
        if current is PassStatus.CANCELED:
            return invitation, guest
        if current is not PassStatus.ACTIVE:
            raise conflict(f"The guest pass is {current.value} and cannot be canceled.")
        guest.status = PassStatus.CANCELED
        guest.updated_at = self.account.now()
        return invitation, guest
