"""Traders' accounts: securing duties from cash or guarantee, all or nothing, never below zero."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencustoms.domain.accounts import (
    Account,
    AccountEntry,
    EntryKind,
    Held,
    InvalidAccountInput,
    SecuredBy,
    checked_amount,
    held_by,
)
from opencustoms.domain.errors import Conflict
from opencustoms.domain.parties import PartyId

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ACME = PartyId("XX100000000001")
MRN = "26XX0000000000A1R3"
D = Decimal


def account(balance: str = "0.00", reference: str = "0.00", used: str = "0.00") -> Account:
    return Account(ACME, "EUR", D(balance), D(reference), D(used))


def secure(acc: Account, amount: str, mrn: str = MRN) -> tuple[SecuredBy | None,
                                                               list[AccountEntry]]:
    return acc.secure(D(amount), mrn, actor="system", at=AT)


def test_nothing_due_is_secured_without_an_entry() -> None:
    acc = account("10.00")
    assert secure(acc, "0.00") == (SecuredBy.NOTHING_DUE, [])
    assert acc.balance == D("10.00")


def test_cash_is_debited_when_the_balance_covers_the_whole_amount() -> None:
    acc = account("500.00", reference="1000.00")
    by, entries = secure(acc, "500.00")
    assert by is SecuredBy.CASH
    assert acc.balance == D("0.00") and acc.guarantee_used == D("0.00")
    [entry] = entries
    assert (entry.kind, entry.amount, entry.balance_after, entry.mrn) == (
        EntryKind.DEBIT, D("-500.00"), D("0.00"), MRN)
    assert acc.updated_at == AT


def test_the_guarantee_is_reserved_when_cash_does_not_cover_it_all() -> None:
    acc = account("499.99", reference="1000.00", used="200.00")
    by, [entry] = secure(acc, "500.00")
    assert by is SecuredBy.GUARANTEE
    assert acc.balance == D("499.99")  # never split: no cash taken
    assert acc.guarantee_used == D("700.00") and acc.guarantee_free == D("300.00")
    assert (entry.kind, entry.amount, entry.guarantee_used_after) == (
        EntryKind.GUARANTEE_RESERVATION, D("-500.00"), D("700.00"))


def test_neither_covering_it_all_secures_nothing_and_changes_nothing() -> None:
    acc = account("300.00", reference="1000.00", used="800.00")
    assert secure(acc, "300.01") == (None, [])
    assert (acc.balance, acc.guarantee_used) == (D("300.00"), D("800.00"))
    assert acc.updated_at is None


def test_a_negative_amount_due_is_refused() -> None:
    with pytest.raises(InvalidAccountInput, match="zero or more"):
        secure(account("10.00"), "-0.01")


def test_a_credit_raises_the_balance() -> None:
    acc = account("5.00")
    [entry] = acc.credit(D("100.00"), "BANK-1", actor=ACME, at=AT, mrn=MRN)
    assert acc.balance == D("105.00")
    assert (entry.kind, entry.amount, entry.balance_after, entry.reference, entry.actor) == (
        EntryKind.PAYMENT, D("100.00"), D("105.00"), "BANK-1", ACME)


@pytest.mark.parametrize("amount", ["0", "-1.00"])
def test_a_credit_must_be_positive(amount: str) -> None:
    acc = account("5.00")
    with pytest.raises(InvalidAccountInput) as raised:
        acc.credit(D(amount), None, actor=ACME, at=AT)
    assert (raised.value.code, raised.value.pointer) == ("account.amount-not-positive",
                                                         "/amount/value")
    assert acc.balance == D("5.00")


def test_a_discharge_pays_off_a_reservation_from_cash() -> None:
    acc = account("600.00", reference="1000.00", used="500.00")
    [entry] = acc.discharge(D("500.00"), MRN, actor=ACME, at=AT)
    assert (acc.balance, acc.guarantee_used, acc.guarantee_free) == (
        D("100.00"), D("0.00"), D("1000.00"))
    assert (entry.kind, entry.amount) == (EntryKind.GUARANTEE_DISCHARGE, D("-500.00"))


def test_a_discharge_the_balance_cannot_cover_does_nothing() -> None:
    acc = account("499.99", reference="1000.00", used="500.00")
    assert acc.discharge(D("500.00"), MRN, actor=ACME, at=AT) == []
    assert (acc.balance, acc.guarantee_used) == (D("499.99"), D("500.00"))


def test_a_discharge_of_more_than_is_reserved_does_nothing() -> None:
    acc = account("900.00", reference="1000.00", used="100.00")
    assert acc.discharge(D("100.01"), MRN, actor=ACME, at=AT) == []
    assert acc.balance == D("900.00")


def test_release_refunds_cash_and_frees_the_reservation() -> None:
    acc = account("0.00", reference="1000.00", used="300.00")
    entries = acc.release(MRN, Held(cash=D("50.00"), reserved=D("300.00")), actor=ACME, at=AT)
    assert [(e.kind, e.amount) for e in entries] == [
        (EntryKind.REFUND, D("50.00")), (EntryKind.RESERVATION_RELEASE, D("300.00"))]
    assert (acc.balance, acc.guarantee_used) == (D("50.00"), D("0.00"))


def test_release_of_nothing_held_produces_no_entry() -> None:
    acc = account("10.00")
    assert acc.release(MRN, Held(), actor=ACME, at=AT) == []


def test_held_by_follows_a_declarations_entries() -> None:
    acc = account("0.00", reference="1000.00")
    entries = secure(acc, "400.00")[1]  # reserved 400
    entries += acc.credit(D("450.00"), None, actor=ACME, at=AT, mrn=MRN)
    entries += acc.discharge(D("400.00"), MRN, actor=ACME, at=AT)  # now paid 400 in cash
    assert held_by(entries) == Held(cash=D("400.00"), reserved=D("0.00"))
    entries += acc.release(MRN, held_by(entries), actor=ACME, at=AT)
    assert held_by(entries) == Held(cash=D("0.00"), reserved=D("0.00"))
    assert (acc.balance, acc.guarantee_used) == (D("450.00"), D("0.00"))


def test_a_guarantee_is_set_and_changed_with_the_difference_on_the_statement() -> None:
    acc = account(reference="1000.00", used="400.00")
    [entry] = acc.set_guarantee(D("400.00"), actor="XX900000000003", at=AT, reference="G-1")
    assert (entry.kind, entry.amount, entry.reference) == (
        EntryKind.GUARANTEE_CHANGE, D("-600.00"), "G-1")
    assert acc.guarantee_free == D("0.00")
    assert acc.set_guarantee(D("400.00"), actor="XX900000000003", at=AT) == []


def test_a_guarantee_cannot_go_below_what_is_reserved() -> None:
    acc = account(reference="1000.00", used="400.00")
    with pytest.raises(Conflict, match=r"400\.00 EUR already reserved") as raised:
        acc.set_guarantee(D("399.99"), actor="XX900000000003", at=AT)
    assert (raised.value.code, raised.value.pointer) == ("account.guarantee-in-use",
                                                         "/reference_amount/value")
    assert acc.guarantee_reference == D("1000.00")


def test_checked_amount_writes_the_value_to_the_minor_unit() -> None:
    assert str(checked_amount(D("100"), "EUR", expected_currency="EUR", minor_unit=2)) == \
        "100.00"
    assert str(checked_amount(D("1.5"), "KWD", expected_currency="KWD", minor_unit=3)) == "1.500"
    assert str(checked_amount(D("7"), "JPY", expected_currency="JPY", minor_unit=0)) == "7"


@pytest.mark.parametrize(("value", "currency", "code", "where"), [
    ("100.00", "USD", "account.wrong-currency", "/amount/currency"),
    ("0.00", "EUR", "account.amount-not-positive", "/amount/value"),
    ("-5.00", "EUR", "account.amount-not-positive", "/amount/value"),
    ("NaN", "EUR", "account.amount-not-positive", "/amount/value"),
    ("10.005", "EUR", "account.too-many-decimals", "/amount/value"),
])
def test_checked_amount_refuses_what_an_account_cannot_take(value: str, currency: str, code: str,
                                                           where: str) -> None:
    with pytest.raises(InvalidAccountInput) as raised:
        checked_amount(D(value), currency, expected_currency="EUR", minor_unit=2)
    assert raised.value.code == code
    assert [(p.code, p.pointer) for p in raised.value.problems] == [(code, where)]


def test_checked_amount_takes_zero_only_when_allowed() -> None:
    assert checked_amount(D("0"), "EUR", expected_currency="EUR", minor_unit=2,
                          at="/reference_amount", allow_zero=True) == D("0.00")


amounts = st.decimals(min_value=0, max_value=100_000, places=2)


@given(balance=amounts, free=amounts, due=amounts)
def test_securing_never_goes_below_zero_and_never_splits(balance: Decimal, free: Decimal,
                                                         due: Decimal) -> None:
    acc = Account(ACME, "EUR", balance, free, Decimal(0))
    by, entries = acc.secure(due, MRN, actor="system", at=AT)
    assert acc.balance >= 0 and acc.guarantee_free >= 0
    taken_cash, taken_guarantee = balance - acc.balance, acc.guarantee_used
    assert taken_cash + taken_guarantee == (due if by is not None else 0)
    assert taken_cash == 0 or taken_guarantee == 0  # all or nothing, from one source
    if by is None:
        assert due > balance and due > free and entries == []
    elif by is SecuredBy.GUARANTEE:
        assert due > balance


@given(balance=amounts, due=st.lists(amounts, max_size=20))
def test_repeated_debits_take_exactly_what_was_secured(balance: Decimal,
                                                        due: list[Decimal]) -> None:
    acc = Account(ACME, "EUR", balance)
    taken = sum((d for d in due if acc.secure(d, MRN, actor="s", at=AT)[0] is SecuredBy.CASH),
                Decimal(0))
    assert acc.balance == balance - taken >= 0


def test_a_new_account_writes_its_zeros_to_the_minor_unit() -> None:
    opened = Account.opened(ACME, "KWD", 3, AT)
    assert [str(v) for v in (opened.balance, opened.guarantee_reference,
                             opened.guarantee_used)] == ["0.000"] * 3
    assert opened.updated_at == AT
