"""Code-list rules (CL1xx): every coded data element holds a code valid on the acceptance date.

Countries are ISO 3166-1 alpha-2 or the jurisdiction's own codes; currencies ISO 4217; every
other list comes from the jurisdiction's reference data. A code-list rule only says whether a
code is known: whether it fits the rest of the declaration is a condition (CD) or rule (RL).
Malformed commodity codes, procedure codes and office numbers are left to their format rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from opencustoms.domain.errors import pointer
from opencustoms.domain.reference import CodeList, Validity
from opencustoms.validation.registry import Finding, RuleContext, RuleFamily, rule
from opencustoms.validation.rules._support import (
    COMMODITY_CODE,
    OFFICE_CODE,
    PROCEDURE_CODE,
    amounts,
    is_known_country,
    is_known_currency,
    item_pointer,
    items,
    traders,
)

Place = tuple[tuple[str | int, ...], str | None]
"""(JSON Pointer parts, code as declared) of one coded element. The pointer is only built for
a code that is reported: most declarations have none."""


def _unknown_countries(context: RuleContext, places: Iterable[Place],
                       what: str) -> Iterator[Finding]:
    for where, code in places:
        if code is not None and not is_known_country(context.reference, code, context.on):
            yield pointer(*where), (f"{what} {code!r} is neither an ISO 3166-1 alpha-2 code nor "
                                    f"a country code of the jurisdiction")


def _not_in_list(context: RuleContext, list_name: str, places: Iterable[Place],
                 what: str) -> Iterator[Finding]:
    for where, code in places:
        if code is not None and not context.reference.has_code(list_name, code, context.on):
            yield pointer(*where), (f"{what} {code!r} is not in the {list_name} code list on "
                                    f"{context.on}")


@rule("CL101", RuleFamily.CODE_LIST)
def trader_country_is_known(context: RuleContext) -> Iterator[Finding]:
    """Exporter, consignee and importer countries (DE 3/1, 3/9, 3/15) must be known codes."""
    places = (((name, "country"), trader.country)
              for name, trader in traders(context.declaration))
    yield from _unknown_countries(context, places, "country")


@rule("CL102", RuleFamily.CODE_LIST)
def country_of_dispatch_is_known(context: RuleContext) -> Iterator[Finding]:
    """Country of dispatch (DE 5/14) must be a known country code."""
    places = [(("country_of_dispatch",), context.declaration.country_of_dispatch)]
    yield from _unknown_countries(context, places, "country of dispatch")


@rule("CL103", RuleFamily.CODE_LIST)
def country_of_destination_is_known(context: RuleContext) -> Iterator[Finding]:
    """Country of destination (DE 5/8) must be a known country code."""
    places = [(("country_of_destination",), context.declaration.country_of_destination)]
    yield from _unknown_countries(context, places, "country of destination")


@rule("CL104", RuleFamily.CODE_LIST)
def country_of_origin_is_known(context: RuleContext) -> Iterator[Finding]:
    """Country of origin of a goods item (DE 5/15) must be a known country code."""
    places = ((("items", i, "country_of_origin"), item.country_of_origin)
              for i, item in items(context.declaration))
    yield from _unknown_countries(context, places, "country of origin")


def _validities(validities: Iterable[Validity]) -> str:
    return ", ".join(f"{v.start} to {v.end or 'open end'}" for v in validities)


@rule("CL105", RuleFamily.CODE_LIST)
def commodity_code_exists(context: RuleContext) -> Iterator[Finding]:
    """Commodity code (DE 6/14-6/17) must exist in the goods nomenclature."""
    for i, item in items(context.declaration):
        code = item.commodity_code
        if COMMODITY_CODE.fullmatch(code) and code not in context.reference.nomenclature:
            yield item_pointer(i, "commodity_code"), f"commodity code {code} does not exist"


@rule("CL106", RuleFamily.CODE_LIST)
def commodity_code_valid_on_acceptance_date(context: RuleContext) -> Iterator[Finding]:
    """Commodity code (DE 6/14-6/17) must be valid on the date of acceptance."""
    for i, item in items(context.declaration):
        versions = context.reference.nomenclature.get(item.commodity_code, [])
        if versions and context.reference.commodity(item.commodity_code, context.on) is None:
            yield item_pointer(i, "commodity_code"), (
                f"commodity code {item.commodity_code} is not valid on {context.on} "
                f"(valid {_validities(v.validity for v in versions)})")


@rule("CL107", RuleFamily.CODE_LIST)
def commodity_code_is_declarable(context: RuleContext) -> Iterator[Finding]:
    """Commodity code (DE 6/14-6/17) must be declarable: a leaf of the nomenclature."""
    for i, item in items(context.declaration):
        commodity = context.reference.commodity(item.commodity_code, context.on)
        if commodity is not None and not commodity.declarable:
            yield item_pointer(i, "commodity_code"), (
                f"commodity code {item.commodity_code} is not declarable: "
                f"declare one of its subdivisions")


@rule("CL108", RuleFamily.CODE_LIST)
def commodity_code_format(context: RuleContext) -> Iterator[Finding]:
    """Commodity code (DE 6/14-6/17) must consist of 6 to 10 digits."""
    for i, item in items(context.declaration):
        if not COMMODITY_CODE.fullmatch(item.commodity_code):
            yield item_pointer(i, "commodity_code"), (
                f"commodity code {item.commodity_code!r} is not 6 to 10 digits")


@rule("CL109", RuleFamily.CODE_LIST)
def transport_nationality_is_known(context: RuleContext) -> Iterator[Finding]:
    """Nationality of the means of transport at the border (DE 7/15) must be a known code."""
    transport = context.declaration.transport
    if transport is not None:
        places = [(("transport", "nationality"), transport.nationality)]
        yield from _unknown_countries(context, places, "nationality")


@rule("CL110", RuleFamily.CODE_LIST)
def currency_is_known(context: RuleContext) -> Iterator[Finding]:
    """Invoice, freight and insurance currencies (DE 4/10) must be ISO 4217 currency codes."""
    for name, amount in amounts(context.declaration):
        if not is_known_currency(context.reference, amount.currency, context.on):
            yield pointer(name, "currency"), (
                f"{name} currency {amount.currency!r} is not an ISO 4217 currency")


@rule("CL111", RuleFamily.CODE_LIST)
def exchange_rate_exists(context: RuleContext) -> Iterator[Finding]:
    """A foreign currency must have an exchange rate valid on the date of acceptance.

    Amounts are converted at the rate valid on the acceptance date (DESIGN.md C3); unknown
    currencies are CL110's concern and are not reported twice.
    """
    reference = context.reference
    for name, amount in amounts(context.declaration):
        if (is_known_currency(reference, amount.currency, context.on)
                and reference.exchange_rate(amount.currency, context.on) is None):
            yield pointer(name, "currency"), (
                f"no exchange rate for {amount.currency} on {context.on}")


@rule("CL112", RuleFamily.CODE_LIST)
def procedure_is_known(context: RuleContext) -> Iterator[Finding]:
    """Procedure code (DE 1/10) must be in the procedure code list."""
    places = ((("items", i, "procedure"), item.procedure)
              for i, item in items(context.declaration)
              if PROCEDURE_CODE.fullmatch(item.procedure))
    yield from _not_in_list(context, CodeList.PROCEDURE, places, "procedure code")


@rule("CL113", RuleFamily.CODE_LIST)
def additional_procedure_is_known(context: RuleContext) -> Iterator[Finding]:
    """Additional procedure codes (DE 1/11) must be in the additional procedure code list."""
    places = ((("items", i, "additional_procedures", j), code)
              for i, item in items(context.declaration)
              for j, code in enumerate(item.additional_procedures))
    yield from _not_in_list(context, CodeList.ADDITIONAL_PROCEDURE, places,
                            "additional procedure code")


@rule("CL114", RuleFamily.CODE_LIST)
def package_kind_is_known(context: RuleContext) -> Iterator[Finding]:
    """Type of packages (DE 6/9) must be a UN/ECE Recommendation 21 code of the package list."""
    places = ((("items", i, "packages", j, "kind"), package.kind)
              for i, item in items(context.declaration)
              for j, package in enumerate(item.packages))
    yield from _not_in_list(context, CodeList.PACKAGE_KIND, places, "package kind")


@rule("CL115", RuleFamily.CODE_LIST)
def incoterm_is_known(context: RuleContext) -> Iterator[Finding]:
    """Delivery terms (DE 4/1) must be an Incoterms 2020 code."""
    places = [(("incoterm",), context.declaration.incoterm)]
    yield from _not_in_list(context, CodeList.INCOTERM, places, "Incoterm")


@rule("CL116", RuleFamily.CODE_LIST)
def transport_mode_is_known(context: RuleContext) -> Iterator[Finding]:
    """Mode of transport at the border (DE 7/4) must be in the transport mode code list."""
    transport = context.declaration.transport
    if transport is not None:
        places = [(("transport", "mode_at_border"), transport.mode_at_border)]
        yield from _not_in_list(context, CodeList.TRANSPORT_MODE, places, "transport mode")


@rule("CL117", RuleFamily.CODE_LIST)
def document_code_is_known(context: RuleContext) -> Iterator[Finding]:
    """Documents produced (DE 2/3) must carry a code of the document code list."""
    places = ((("items", i, "documents", j, "code"), document.code)
              for i, item in items(context.declaration)
              for j, document in enumerate(item.documents))
    yield from _not_in_list(context, CodeList.DOCUMENT, places, "document code")


@rule("CL118", RuleFamily.CODE_LIST)
def preference_is_known(context: RuleContext) -> Iterator[Finding]:
    """Preference (DE 4/17) must be in the preference code list."""
    places = ((("items", i, "preference"), item.preference)
              for i, item in items(context.declaration))
    yield from _not_in_list(context, CodeList.PREFERENCE, places, "preference code")


@rule("CL119", RuleFamily.CODE_LIST)
def valuation_method_is_known(context: RuleContext) -> Iterator[Finding]:
    """Valuation method (DE 4/16) must be in the valuation method code list."""
    places = ((("items", i, "valuation_method"), item.valuation_method)
              for i, item in items(context.declaration))
    yield from _not_in_list(context, CodeList.VALUATION_METHOD, places, "valuation method")


@rule("CL120", RuleFamily.CODE_LIST)
def representative_status_is_known(context: RuleContext) -> Iterator[Finding]:
    """Representative status (DE 3/21) must be in the representative status code list."""
    representative = context.declaration.representative
    if representative is not None:
        places = [(("representative", "status"), representative.status)]
        yield from _not_in_list(context, CodeList.REPRESENTATIVE_STATUS, places,
                                "representative status")


def _unknown_office(context: RuleContext, field: str, code: str | None) -> Iterator[Finding]:
    if (code is not None and OFFICE_CODE.fullmatch(code)
            and context.reference.office(code, context.on) is None):
        yield pointer(field), f"customs office {code} is unknown or not open on {context.on}"


def _office_lacks_role(context: RuleContext, field: str, code: str | None,
                       role: str) -> Iterator[Finding]:
    office = None if code is None else context.reference.office(code, context.on)
    if office is not None and role not in office.roles:
        roles = ", ".join(sorted(office.roles)) or "none"
        yield pointer(field), (f"customs office {code} does not act as office of {role} "
                               f"(roles: {roles})")


@rule("CL121", RuleFamily.CODE_LIST)
def office_of_declaration_is_known(context: RuleContext) -> Iterator[Finding]:
    """Office of declaration must be a customs office open on the date of acceptance."""
    yield from _unknown_office(context, "office_of_declaration",
                               context.declaration.office_of_declaration)


@rule("CL122", RuleFamily.CODE_LIST)
def office_of_declaration_has_role(context: RuleContext) -> Iterator[Finding]:
    """Office of declaration must be competent to accept declarations."""
    yield from _office_lacks_role(context, "office_of_declaration",
                                  context.declaration.office_of_declaration, "declaration")


@rule("CL123", RuleFamily.CODE_LIST)
def office_of_exit_is_known(context: RuleContext) -> Iterator[Finding]:
    """Office of exit (DE 5/12) must be a customs office open on the date of acceptance."""
    yield from _unknown_office(context, "office_of_exit", context.declaration.office_of_exit)


@rule("CL124", RuleFamily.CODE_LIST)
def office_of_exit_has_role(context: RuleContext) -> Iterator[Finding]:
    """Office of exit (DE 5/12) must be competent as an office of exit."""
    yield from _office_lacks_role(context, "office_of_exit", context.declaration.office_of_exit,
                                  "exit")
