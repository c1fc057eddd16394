"""Payments, accounts, statements and guarantees (issue 5 §4).

Amounts travel as ``{"value": "100.00", "currency": "EUR"}`` with the value a decimal string,
never a JSON number (which loses precision): a number is a schema error (400). The currency must
be the jurisdiction's; a wrong currency, a value not above zero or with more decimals than the
currency has is a 422 problem pointing at the field, and nothing is changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from opencustoms.api.deps import CurrentParty, Reference, Services
from opencustoms.api.schemas import NO_CONTROL, Code, DecimalString, Problem, Strict
from opencustoms.domain.accounts import Account, AccountEntry
from opencustoms.domain.money import round_to_minor
from opencustoms.domain.parties import Party, PartyId
from opencustoms.domain.reference import ReferenceData
from opencustoms.services import payments as service

router = APIRouter(prefix="/api/v1", tags=["payments"])
ACCOUNTS = "/api/v1/accounts"

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 409, 413, 415, 422)
}



async def admin(party: CurrentParty) -> Party:
    """Refuse non-administrators before their body is even read."""
    service.require_admin(party)
    return party


Admin = Annotated[Party, Depends(admin)]
Reference70 = Annotated[str, Field(min_length=1, max_length=70, pattern=NO_CONTROL)]


class MoneyIn(Strict):
    value: DecimalString
    currency: Code = Field(examples=["EUR"])


class PaymentIn(Strict):
    """A payment into a trader's account, optionally naming the declaration it pays for."""

    party: Code = Field(examples=["XX100000000001"], description="the account's trader (EORI)")
    amount: MoneyIn
    reference: Reference70 | None = Field(None, description="the bank transfer's reference")
    mrn: Code | None = Field(None, description="the declaration this payment is for: its "
                                               "guarantee reservation is paid off")


class GuaranteeIn(Strict):
    reference_amount: MoneyIn = Field(description="the amount the guarantee covers; 0: none")
    reference: Reference70 | None = Field(None, description="the guarantee's reference")


class MoneyOut(BaseModel):
    value: str
    currency: str


class EntryOut(BaseModel):
    id: int | None
    kind: str
    amount: MoneyOut = Field(description="signed: positive comes back to the trader")
    balance_after: str
    guarantee_used_after: str
    mrn: str | None
    reference: str | None
    actor: str
    at: datetime


class AccountOut(BaseModel):
    party: str
    currency: str
    balance: str
    guarantee_reference: str
    guarantee_used: str
    guarantee_free: str
    links: dict[str, str]


class PaymentOut(BaseModel):
    payment: EntryOut
    entries: list[EntryOut]
    account: AccountOut
    released: list[str] = Field(description="declarations whose guarantee reservation this "
                                            "payment paid off")
    settled: list[str] = Field(description="declarations waiting for payment that it let "
                                           "move on")


class StatementOut(BaseModel):
    account: AccountOut
    entries: list[EntryOut]
    next_after: int | None = Field(description="pass as 'after' for the next page")


def _text(value: Decimal, reference: ReferenceData, currency: str) -> str:
    return str(round_to_minor(value, reference.minor_unit(currency)))


def _entry_out(entry: AccountEntry, reference: ReferenceData) -> EntryOut:
    def text(value: Decimal) -> str:
        return _text(value, reference, entry.currency)

    return EntryOut(id=entry.id, kind=entry.kind.value,
                    amount=MoneyOut(value=text(entry.amount), currency=entry.currency),
                    balance_after=text(entry.balance_after),
                    guarantee_used_after=text(entry.guarantee_used_after), mrn=entry.mrn,
                    reference=entry.reference, actor=entry.actor, at=entry.at.astimezone(UTC))


def _account_out(account: Account, reference: ReferenceData) -> AccountOut:
    def text(value: Decimal) -> str:
        return _text(value, reference, account.currency)

    path = f"{ACCOUNTS}/{account.party}"
    return AccountOut(party=account.party, currency=account.currency,
                      balance=text(account.balance),
                      guarantee_reference=text(account.guarantee_reference),
                      guarantee_used=text(account.guarantee_used),
                      guarantee_free=text(account.guarantee_free),
                      links={"self": path, "statement": f"{path}/statement"})


@router.post("/payments", status_code=201, response_model=PaymentOut, responses=ERRORS,
             summary="Record a payment into a trader's account")
def record_payment(body: PaymentIn, response: Response, services: Services,
                   reference: Reference, party: CurrentParty) -> PaymentOut:
    """Credits the account; pays off the guarantee reservation of ``mrn`` if the balance
    covers it; then the trader's declarations waiting for payment move on, oldest first, while
    the balance covers them. By the trader, its representative, or a customs cashier."""
    result = service.record_payment(services, party, PartyId(body.party),
                                     Decimal(body.amount.value), body.amount.currency,
                                     body.reference, body.mrn)
    response.headers["Location"] = f"{ACCOUNTS}/{body.party}/statement"
    return PaymentOut(payment=_entry_out(result.payment, reference),
                      entries=[_entry_out(e, reference) for e in result.entries],
                      account=_account_out(result.account, reference),
                      released=list(result.released), settled=list(result.settled))


@router.get("/accounts/{party_id}", response_model=AccountOut, responses=ERRORS,
            summary="A trader's cash balance and guarantee")
def get_account(party_id: str, services: Services, reference: Reference,
                party: CurrentParty) -> AccountOut:
    account = service.get_account(services, party, PartyId(party_id))
    return _account_out(account, reference)


@router.get("/accounts/{party_id}/statement", response_model=StatementOut, responses=ERRORS,
            summary="The entries of a trader's account, oldest first")
def get_statement(party_id: str, services: Services, reference: Reference,
                  party: CurrentParty, after: Annotated[int, Query(ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=service.MAX_STATEMENT_PAGE)] = 50,
                  ) -> StatementOut:
    page = service.statement(services, party, PartyId(party_id), after, limit)
    return StatementOut(account=_account_out(page.account, reference),
                        entries=[_entry_out(e, reference) for e in page.entries],
                        next_after=page.next_after)


@router.put("/accounts/{party_id}/guarantee", response_model=AccountOut, responses=ERRORS,
            summary="Set the reference amount of a trader's guarantee (administrators)")
def set_guarantee(party_id: str, body: GuaranteeIn, services: Services, reference: Reference,
                  party: Admin) -> AccountOut:
    """Refused (409) below the part declarations already reserve."""
    account = service.set_guarantee(services, party, PartyId(party_id),
                                    Decimal(body.reference_amount.value),
                                    body.reference_amount.currency, body.reference)
    return _account_out(account, reference)
