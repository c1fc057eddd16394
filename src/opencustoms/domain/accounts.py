"""Traders' accounts with the customs administration: cash, guarantee, and the statement.

A customs debt is secured before the goods are released (UCC art. 89, 194): either paid from
the trader's cash account (a debit) or covered by a comprehensive guarantee up to its reference
amount (a reservation of the guarantee, UCC art. 95). Securing is all or nothing: one
declaration's duties are never split between cash and guarantee, and neither the balance nor
the free part of the guarantee ever goes below zero. A declaration that cannot be secured waits
for payment.

Every movement is an :class:`AccountEntry`; the entries of an account are its statement.
Amounts on entries are signed from the trader's point of view: money or guarantee coming back
to the trader is positive, money or guarantee taken is negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from opencustoms.domain.errors import Conflict, InvalidInput
from opencustoms.domain.money import minor_digits_of, round_to_minor
from opencustoms.domain.parties import PartyId

ZERO = Decimal(0)


class SecuredBy(StrEnum):
    """How a declaration's duties were secured at acceptance."""

    CASH = "cash"
    GUARANTEE = "guarantee"
    NOTHING_DUE = "nothing_due"


class EntryKind(StrEnum):
    """What an account entry records."""

    PAYMENT = "payment"  # money paid in by or for the trader
    DEBIT = "debit"  # duties taken from the cash balance
    GUARANTEE_RESERVATION = "guarantee_reservation"  # duties covered by the guarantee
    GUARANTEE_DISCHARGE = "guarantee_discharge"  # a reservation paid off in cash
    REFUND = "refund"  # cash given back (invalidated declaration)
    RESERVATION_RELEASE = "reservation_release"  # reservation given back, nothing paid
    GUARANTEE_CHANGE = "guarantee_change"  # the reference amount was changed


class InvalidAccountInput(InvalidInput):
    """Input an account cannot take: an amount in the wrong currency, not positive or with too
    many decimals; a declaration the payer has nothing to do with.
    Nothing is changed when it is raised."""

    code = "account.invalid-amount"


def checked_amount(value: Decimal, currency: str, *, expected_currency: str, minor_unit: int,
                   at: str = "/amount", allow_zero: bool = False) -> Decimal:
    """``value`` written to the minor unit of ``expected_currency`` (``100`` → ``100.00``).

    Refuses another currency (``account.wrong-currency`` at ``{at}/currency``), a value that
    is not a finite number, negative, or zero unless ``allow_zero``
    (``account.amount-not-positive``), and more decimals than the currency has
    (``account.too-many-decimals``) — a payment is never rounded silently."""
    if currency != expected_currency:
        raise InvalidAccountInput("account.wrong-currency", f"{at}/currency",
                                  f"amounts are in {expected_currency}, not {currency}")
    if not value.is_finite() or value < ZERO or (value == ZERO and not allow_zero):
        wanted = "zero or more" if allow_zero else "more than zero"
        raise InvalidAccountInput("account.amount-not-positive", f"{at}/value",
                                  f"the amount must be {wanted}, not {value}")
    if minor_digits_of(value) > minor_unit:
        raise InvalidAccountInput("account.too-many-decimals", f"{at}/value",
                                  f"{value} has more decimals than the {minor_unit} of "
                                  f"{expected_currency}")
    return round_to_minor(value, minor_unit)


@dataclass(frozen=True, slots=True)
class AccountEntry:
    """One movement on an account, with the balance and guarantee use it left behind.
    ``id`` is given by the store and orders the statement."""

    party: PartyId
    kind: EntryKind
    amount: Decimal
    currency: str
    balance_after: Decimal
    guarantee_used_after: Decimal
    actor: str
    at: datetime
    mrn: str | None = None
    reference: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Held:
    """What a declaration still holds on an account: cash taken and guarantee reserved."""

    cash: Decimal = ZERO
    reserved: Decimal = ZERO


def held_by(entries: Sequence[AccountEntry]) -> Held:
    """Cash and guarantee a declaration still holds, from the entries it produced.

    Debits and discharges took cash (refunds gave it back); reservations took guarantee
    (discharges and releases gave it back)."""
    cash = reserved = ZERO
    for entry in entries:
        match entry.kind:
            case EntryKind.DEBIT | EntryKind.REFUND:
                cash -= entry.amount
            case EntryKind.GUARANTEE_RESERVATION | EntryKind.RESERVATION_RELEASE:
                reserved -= entry.amount
            case EntryKind.GUARANTEE_DISCHARGE:  # the reservation became cash paid
                cash -= entry.amount
                reserved += entry.amount
    return Held(cash, reserved)


@dataclass(slots=True)
class Account:
    """A trader's cash account and comprehensive guarantee (UCC art. 89, 95).

    ``balance`` is cash available; ``guarantee_reference`` the amount the guarantee covers,
    ``guarantee_used`` the part reserved by declarations not yet paid. The methods change the
    account and return the entries that record the change; an operation that cannot be done
    whole changes nothing."""

    party: PartyId
    currency: str
    balance: Decimal = ZERO
    guarantee_reference: Decimal = ZERO
    guarantee_used: Decimal = ZERO
    updated_at: datetime | None = None

    @classmethod
    def opened(cls, party: PartyId, currency: str, minor_unit: int, at: datetime) -> Account:
        """A new account: no cash, no guarantee, amounts written to the currency's minor
        unit (``0.00`` for EUR) like every amount after them."""
        zero = round_to_minor(ZERO, minor_unit)
        return cls(party, currency, zero, zero, zero, updated_at=at)

    @property
    def guarantee_free(self) -> Decimal:
        """The part of the guarantee still available to cover duties."""
        return self.guarantee_reference - self.guarantee_used

    def secure(self, amount: Decimal, mrn: str, *, actor: str,
               at: datetime) -> tuple[SecuredBy | None, list[AccountEntry]]:
        """Secure a declaration's duties: nothing to do when none are due; from cash when
        the balance covers all of it; else from the guarantee when its free part does; else
        None and nothing changes (the declaration waits for payment)."""
        _require_not_negative(amount)
        if amount == ZERO:
            return SecuredBy.NOTHING_DUE, []
        if self.balance >= amount:
            self.balance -= amount
            return SecuredBy.CASH, [self._entry(EntryKind.DEBIT, -amount, actor, at, mrn=mrn)]
        if self.guarantee_free >= amount:
            self.guarantee_used += amount
            return SecuredBy.GUARANTEE, [
                self._entry(EntryKind.GUARANTEE_RESERVATION, -amount, actor, at, mrn=mrn)]
        return None, []

    def credit(self, amount: Decimal, reference: str | None, *, actor: str,
               at: datetime, mrn: str | None = None) -> list[AccountEntry]:
        """A payment into the account."""
        _require_positive(amount)
        self.balance += amount
        return [self._entry(EntryKind.PAYMENT, amount, actor, at, mrn=mrn, reference=reference)]

    def discharge(self, amount: Decimal, mrn: str, *, actor: str,
                  at: datetime) -> list[AccountEntry]:
        """Pay off a guarantee reservation of ``amount`` from cash: the balance and the
        guarantee use both go down. Nothing happens (no entry) unless the balance covers all
        of it and that much is reserved."""
        _require_positive(amount)
        if self.balance < amount or self.guarantee_used < amount:
            return []
        self.balance -= amount
        self.guarantee_used -= amount
        return [self._entry(EntryKind.GUARANTEE_DISCHARGE, -amount, actor, at, mrn=mrn)]

    def release(self, mrn: str, held: Held, *, actor: str,
                at: datetime) -> list[AccountEntry]:
        """Give back what an invalidated declaration held: its cash is refunded to the
        balance and its reservation released from the guarantee."""
        entries = []
        if held.cash > ZERO:
            self.balance += held.cash
            entries.append(self._entry(EntryKind.REFUND, held.cash, actor, at, mrn=mrn))
        if held.reserved > ZERO:
            self.guarantee_used = max(ZERO, self.guarantee_used - held.reserved)
            entries.append(self._entry(EntryKind.RESERVATION_RELEASE, held.reserved, actor, at,
                                       mrn=mrn))
        return entries

    def set_guarantee(self, reference_amount: Decimal, *, actor: str, at: datetime,
                      reference: str | None = None) -> list[AccountEntry]:
        """Set the guarantee's reference amount (zero: no guarantee). It may not go below
        what declarations already use: that part is still owed."""
        _require_not_negative(reference_amount)
        if reference_amount < self.guarantee_used:
            raise Conflict(f"the guarantee cannot go below the {self.guarantee_used} "
                           f"{self.currency} already reserved", code="account.guarantee-in-use",
                           pointer="/reference_amount/value")
        change = reference_amount - self.guarantee_reference
        if change == ZERO:
            return []
        self.guarantee_reference = reference_amount
        return [self._entry(EntryKind.GUARANTEE_CHANGE, change, actor, at,
                            reference=reference)]

    def _entry(self, kind: EntryKind, amount: Decimal, actor: str, at: datetime, *,
               mrn: str | None = None, reference: str | None = None) -> AccountEntry:
        self.updated_at = at
        return AccountEntry(self.party, kind, amount, self.currency, self.balance,
                            self.guarantee_used, actor, at, mrn=mrn, reference=reference)


def _require_positive(amount: Decimal) -> None:
    if not amount.is_finite() or amount <= ZERO:
        raise InvalidAccountInput("account.amount-not-positive", "/amount/value",
                                  f"the amount must be more than zero, not {amount}")


def _require_not_negative(amount: Decimal) -> None:
    if not amount.is_finite() or amount < ZERO:
        raise InvalidAccountInput("account.amount-not-positive", "/amount/value",
                                  f"the amount must be zero or more, not {amount}")
