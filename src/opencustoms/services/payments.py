"""Payments and guarantees (issue 5 §4): securing duties at acceptance, payments, statements.

A declaration's duties are secured when it is accepted (:func:`secure_duties`, called by the
clearance workflow in the lodgement's unit of work): from cash, else from the guarantee, else
the declaration waits for payment. A payment (:func:`record_payment`) credits the account,
pays off the guarantee reservation of the declaration it names, and lets the declarations
waiting for payment move on, oldest first, while the balance covers them — all in one unit of
work. Invalidation gives back what a declaration held (:func:`give_back`).

Who may do what: the trader itself or its representative pays and reads its account; customs
officers and administrators (cashiers) record payments for anyone; every administration role
reads every account; only administrators set guarantees. A trader asking about another
trader's account is told there is no such account (404), as for declarations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from opencustoms.domain.accounts import (
    ZERO,
    Account,
    AccountEntry,
    InvalidAccountInput,
    SecuredBy,
    checked_amount,
    held_by,
)
from opencustoms.domain.audit import AuditRecord
from opencustoms.domain.errors import NotFound, PermissionDenied
from opencustoms.domain.money import minor_digits_of
from opencustoms.domain.mrn import MRN, is_valid_mrn
from opencustoms.domain.parties import Party, PartyId, Role, is_valid_party_id
from opencustoms.services.context import ServiceContext
from opencustoms.services.ports import Ledgers, UnitOfWork

CASHIERS = frozenset({Role.OFFICER, Role.ADMIN})
"""Administration roles that record payments at the customs office."""

MAX_STATEMENT_PAGE = 500
MAX_REFERENCE = 70
"""Longest payment or guarantee reference kept (a bank transfer's remittance line)."""


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """A recorded payment: its entry, the entries it wrote (the payment, a discharge), the
    account after it, the declarations whose guarantee reservation it paid off (``released``)
    and the declarations waiting for payment that it let move on (``settled``; their debits
    are on the statement)."""

    payment: AccountEntry
    entries: Sequence[AccountEntry]
    account: Account
    released: Sequence[str]
    settled: Sequence[str]


@dataclass(frozen=True, slots=True)
class Statement:
    """One page of an account's entries, oldest first; ``next_after`` continues it."""

    account: Account
    entries: Sequence[AccountEntry]
    next_after: int | None


# --- who may do what -------------------------------------------------------------------------


def _no_account(party: str) -> NotFound:
    return NotFound(f"no account for {party}", code="account.not-found")


def require_reader(actor: Party, party: PartyId) -> None:
    """The trader, its representative, or anyone of the administration."""
    if not (actor.is_administration or actor.may_act_for(party)):
        raise _no_account(party)


def require_payer(actor: Party, party: PartyId) -> None:
    """The trader, its representative, or a cashier (officer or administrator)."""
    if actor.roles & CASHIERS:
        return
    if actor.roles & {Role.TRADER, Role.REPRESENTATIVE}:
        if actor.may_act_for(party):
            return
        raise _no_account(party)
    raise PermissionDenied("only the trader, its representative or a customs cashier records "
                           "payments", code="auth.cashier-only")


def require_admin(actor: Party) -> None:
    if Role.ADMIN not in actor.roles:
        raise PermissionDenied("only administrators set guarantees", code="auth.admin-only")


# --- inside another use case's unit of work -------------------------------------------------


def secure_duties(uow: Ledgers, party: PartyId, mrn: str, amount: Decimal, currency: str,
                  at: datetime, actor: str) -> SecuredBy | None:
    """Secure ``amount`` of duties for declaration ``mrn`` on ``party``'s account, in the
    caller's unit of work: cash, else guarantee, else None (nothing changed; the declaration
    waits for payment). ``amount`` is the assessment's total, already rounded to the minor
    unit (so its decimals are the currency's). A party without an account gets an empty one."""
    if amount == ZERO:
        return SecuredBy.NOTHING_DUE
    account = locked_account(uow, party, currency, at, minor_digits_of(amount))
    if currency != account.currency:
        raise InvalidAccountInput("account.wrong-currency", "/amount/currency",
                                  f"{party}'s account is in {account.currency}, not {currency}")
    secured, entries = account.secure(amount, mrn, actor=actor, at=at)
    if secured is None:
        return None
    uow.accounts.save(account, entries)
    uow.audit.append([_record(party, "duties_secured", actor, at, account, mrn=mrn,
                              amount=str(amount), secured_by=secured.value)])
    return secured


def give_back(uow: UnitOfWork, party: PartyId, mrn: str, at: datetime, actor: str) -> Decimal:
    """Give back what declaration ``mrn`` still holds on ``party``'s account (invalidation):
    cash is refunded, a guarantee reservation released. Returns the total given back."""
    account = uow.accounts.get(party, lock=True)
    if account is None:
        return ZERO
    held = held_by([e for e in uow.accounts.secured_for(mrn) if e.party == party])
    entries = account.release(mrn, held, actor=actor, at=at)
    if not entries:
        return ZERO
    uow.accounts.save(account, entries)
    uow.audit.append([_record(party, "duties_given_back", actor, at, account, mrn=mrn,
                              refunded=str(held.cash), released=str(held.reserved))])
    return held.cash + held.reserved


def locked_account(uow: Ledgers, party: PartyId, currency: str, at: datetime,
                   minor_unit: int) -> Account:
    """``party``'s account, locked for this unit of work; opened empty if it has none."""
    account = uow.accounts.get(party, lock=True)
    if account is None:
        uow.accounts.open(Account.opened(party, currency, minor_unit, at))
        account = uow.accounts.get(party, lock=True)
        if account is None:  # pragma: no cover - just inserted in this transaction
            raise RuntimeError(f"the account of {party} vanished")
    return account


# --- use cases -------------------------------------------------------------------------------


def record_payment(ctx: ServiceContext, actor: Party, party: PartyId, amount: Decimal,
                   currency: str, reference: str | None = None,
                   mrn: str | None = None) -> PaymentResult:
    """Credit a payment to ``party``'s account, in one unit of work: pay off the guarantee
    reservation of declaration ``mrn`` if it has one and the balance covers it, then let the
    party's declarations waiting for payment move on. Bad input changes nothing."""
    from opencustoms.services.clearance import settle_awaiting

    require_payer(actor, party)
    value = _amount(ctx, amount, currency)
    minor_unit = ctx.reference().minor_unit(currency)
    _check_reference(reference)
    if mrn is not None and not is_valid_mrn(mrn):
        raise InvalidAccountInput("account.unknown-declaration", "/mrn",
                                  f"{mrn} is not a movement reference number")
    at = ctx.clock.now()
    with ctx.uow() as uow:
        _require_party(uow, party)
        if mrn is not None:
            _require_declaration_of(uow, party, mrn)
        account = locked_account(uow, party, currency, at, minor_unit)
        entries = account.credit(value, reference, actor=actor.id, at=at, mrn=mrn)
        released: list[str] = []
        if mrn is not None:
            held = held_by([e for e in uow.accounts.secured_for(mrn) if e.party == party])
            if held.reserved > ZERO:
                discharged = account.discharge(held.reserved, mrn, actor=actor.id, at=at)
                released += [mrn] if discharged else []
                entries += discharged
        saved = uow.accounts.save(account, entries)
        settled = list(settle_awaiting(ctx, uow, party, at, actor.id))
        after = uow.accounts.get(party) or account
        uow.audit.append([_record(party, "payment_recorded", actor.id, at, after,
                                  amount=str(value), reference=reference, mrn=mrn,
                                  released=released, settled=settled)])
        uow.commit()
    return PaymentResult(saved[0], saved, after, released, settled)


def set_guarantee(ctx: ServiceContext, actor: Party, party: PartyId,
                  reference_amount: Decimal, currency: str,
                  reference: str | None = None) -> Account:
    """Set the reference amount of ``party``'s guarantee (administrators only). It may not go
    below what declarations already reserve (409); zero withdraws the guarantee."""
    require_admin(actor)
    value = _amount(ctx, reference_amount, currency, at="/reference_amount", allow_zero=True)
    minor_unit = ctx.reference().minor_unit(currency)
    _check_reference(reference)
    at = ctx.clock.now()
    with ctx.uow() as uow:
        _require_party(uow, party)
        account = locked_account(uow, party, currency, at, minor_unit)
        before = account.guarantee_reference
        entries = account.set_guarantee(value, actor=actor.id, at=at, reference=reference)
        uow.accounts.save(account, entries)
        uow.audit.append([_record(party, "guarantee_set", actor.id, at, account,
                                  previous=str(before), reference=reference)])
        uow.commit()
    return account


def get_account(ctx: ServiceContext, actor: Party, party: PartyId) -> Account:
    """The party's account; an empty one if it never had one."""
    require_reader(actor, party)
    with ctx.reader() as uow:
        _require_party(uow, party)
        found = uow.accounts.get(party)
    return found or _empty(ctx, party)


def statement(ctx: ServiceContext, actor: Party, party: PartyId, after: int = 0,
              limit: int = 50) -> Statement:
    """The account's entries with an id above ``after``, oldest first, at most ``limit``."""
    require_reader(actor, party)
    limit = max(1, min(limit, MAX_STATEMENT_PAGE))
    with ctx.reader() as uow:
        _require_party(uow, party)
        account = uow.accounts.get(party) or _empty(ctx, party)
        entries = uow.accounts.entries(party, after_id=after, limit=limit)
    next_after = entries[-1].id if len(entries) == limit else None
    return Statement(account, entries, next_after)


def open_account(ctx: ServiceContext, party: PartyId, currency: str, *, cash: Decimal,
                 guarantee: Decimal, actor: str, minor_unit: int = 2) -> bool:
    """Open ``party``'s account with an opening ``cash`` balance and a ``guarantee`` (demo
    data, migrations from another system). False, nothing changed, if it already has one.
    Needs no reference data: ``prepare`` calls it before any is loaded."""
    at = ctx.clock.now()
    with ctx.uow() as uow:
        if not uow.accounts.open(Account.opened(party, currency, minor_unit, at)):
            return False
        account = locked_account(uow, party, currency, at, minor_unit)
        entries = account.credit(cash, "opening balance", actor=actor, at=at) if cash else []
        entries += account.set_guarantee(guarantee, actor=actor, at=at,
                                         reference="opening guarantee")
        uow.accounts.save(account, entries)
        uow.audit.append([_record(party, "account_opened", actor, at, account)])
        uow.commit()
    return True


# --- helpers ---------------------------------------------------------------------------------


def _amount(ctx: ServiceContext, amount: Decimal, currency: str, *, at: str = "/amount",
            allow_zero: bool = False) -> Decimal:
    reference = ctx.reference()
    national = reference.jurisdiction.currency
    return checked_amount(amount, currency, expected_currency=national,
                          minor_unit=reference.minor_unit(national), at=at,
                          allow_zero=allow_zero)


def _empty(ctx: ServiceContext, party: PartyId) -> Account:
    """What the account of a party that never had one looks like (nothing is stored)."""
    reference = ctx.reference()
    currency = reference.jurisdiction.currency
    return Account.opened(party, currency, reference.minor_unit(currency), ctx.clock.now())


def _check_reference(reference: str | None) -> None:
    if reference is not None and not 0 < len(reference) <= MAX_REFERENCE:
        raise InvalidAccountInput("account.invalid-reference", "/reference",
                                  f"a reference has 1 to {MAX_REFERENCE} characters")


def _require_party(uow: UnitOfWork, party: PartyId) -> None:
    if not is_valid_party_id(party) or uow.parties.get(party) is None:
        raise _no_account(party)


def _require_declaration_of(uow: UnitOfWork, party: PartyId, mrn: str) -> None:
    declaration = uow.declarations.get(MRN(mrn))
    if declaration is None or declaration.content.declarant != party:
        raise InvalidAccountInput("account.unknown-declaration", "/mrn",
                                  f"{party} is not the declarant of any declaration {mrn}")


def _record(party: PartyId, event: str, actor: str, at: datetime, account: Account,
            **facts: Any) -> AuditRecord:
    """An audit record of an account change, with the balances it left (amounts as text)."""
    data = {**facts, "currency": account.currency, "balance": str(account.balance),
            "guarantee_reference": str(account.guarantee_reference),
            "guarantee_used": str(account.guarantee_used)}
    return AuditRecord(kind="account", subject=party, event=event, actor=actor, at=at,
                       data=data)
