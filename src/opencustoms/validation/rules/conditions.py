"""Condition rules (CD2xx): data elements required, or excluded, by other declared values.

A condition reports an *absent* element at the pointer where it belongs (``/importer``,
``/items/0/country_of_origin``). A coded element that is present, even blank, is the code-list
and format rules' concern, so each fault is reported once; only free text (a trader's name,
the identity of the means of transport) counts as missing when blank. A condition that depends
on an unknown code (an Incoterm not in the list, say) stays silent rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from opencustoms.domain.declaration import AdditionalType, DeclarationType, Trader
from opencustoms.domain.reference import CodeList
from opencustoms.validation.registry import Finding, RuleContext, RuleFamily, rule
from opencustoms.validation.rules._support import (
    attribute,
    flag,
    is_blank,
    item_pointer,
    items,
)

IM = DeclarationType.IMPORT
EX = DeclarationType.EXPORT

MODES_WITHOUT_MEANS = frozenset({"5", "7", "9"})
"""Postal consignment, fixed transport installation, own propulsion: no vehicle to identify."""


def _is_missing(trader: Trader | None) -> bool:
    return trader is None or (trader.id is None and is_blank(trader.name))


@rule("CD201", RuleFamily.CONDITION)
def importer_required_for_import(context: RuleContext) -> Iterator[Finding]:
    """Importer (DE 3/15-3/16) is required on an import declaration."""
    if context.declaration.type == IM and _is_missing(context.declaration.importer):
        yield "/importer", "an import declaration must name the importer (id or name)"


@rule("CD202", RuleFamily.CONDITION)
def exporter_required(context: RuleContext) -> Iterator[Finding]:
    """Exporter (DE 3/1-3/2) is required on import and export declarations."""
    declaration = context.declaration
    if declaration.type in (IM, EX) and _is_missing(declaration.exporter):
        yield "/exporter", (f"a declaration of type {declaration.type.value} must name the "
                            f"exporter (id or name)")


@rule("CD203", RuleFamily.CONDITION)
def country_of_destination_required_for_export(context: RuleContext) -> Iterator[Finding]:
    """Country of destination (DE 5/8) is required on an export declaration."""
    declaration = context.declaration
    if declaration.type == EX and declaration.country_of_destination is None:
        yield "/country_of_destination", ("an export declaration must state the country of "
                                          "destination")


@rule("CD204", RuleFamily.CONDITION)
def office_of_exit_required_for_export(context: RuleContext) -> Iterator[Finding]:
    """Office of exit (DE 5/12) is required on an export declaration."""
    declaration = context.declaration
    if declaration.type == EX and declaration.office_of_exit is None:
        yield "/office_of_exit", "an export declaration must state the office of exit"


@rule("CD205", RuleFamily.CONDITION)
def office_of_exit_only_for_export(context: RuleContext) -> Iterator[Finding]:
    """Office of exit (DE 5/12) may only be declared on an export declaration."""
    declaration = context.declaration
    if declaration.type != EX and declaration.office_of_exit is not None:
        yield "/office_of_exit", (f"office of exit {declaration.office_of_exit} declared on a "
                                  f"declaration of type {declaration.type.value}")


@rule("CD206", RuleFamily.CONDITION)
def country_of_dispatch_required_for_import(context: RuleContext) -> Iterator[Finding]:
    """Country of dispatch (DE 5/14) is required on an import declaration."""
    declaration = context.declaration
    if declaration.type == IM and declaration.country_of_dispatch is None:
        yield "/country_of_dispatch", "an import declaration must state the country of dispatch"


@rule("CD207", RuleFamily.CONDITION)
def country_of_origin_required_for_import(context: RuleContext) -> Iterator[Finding]:
    """Country of origin (DE 5/15) is required on every goods item of an import declaration."""
    if context.declaration.type != IM:
        return
    for i, item in items(context.declaration):
        if item.country_of_origin is None:
            yield item_pointer(i, "country_of_origin"), (
                f"goods item {item.sequence} has no country of origin")


@rule("CD208", RuleFamily.CONDITION)
def representative_status_required(context: RuleContext) -> Iterator[Finding]:
    """Representative status (DE 3/21) is required when a representative is declared."""
    representative = context.declaration.representative
    if representative is not None and representative.status is None:
        yield "/representative/status", (
            f"representative {representative.id} must state whether it acts directly or "
            f"indirectly")


@rule("CD209", RuleFamily.CONDITION)
def invoice_required(context: RuleContext) -> Iterator[Finding]:
    """Invoice currency and total amount invoiced (DE 4/10, 4/11) are required."""
    if context.declaration.invoice is None:
        yield "/invoice", "the declaration must state the invoice currency and total amount"


@rule("CD210", RuleFamily.CONDITION)
def incoterm_required_for_import(context: RuleContext) -> Iterator[Finding]:
    """Delivery terms (DE 4/1) are required on an import declaration: they drive valuation."""
    declaration = context.declaration
    if declaration.type == IM and declaration.incoterm is None:
        yield "/incoterm", "an import declaration must state the Incoterm"


@rule("CD211", RuleFamily.CONDITION)
def freight_required_when_buyer_pays_carriage(context: RuleContext) -> Iterator[Finding]:
    """Freight is required on import when the Incoterm leaves the main carriage to the buyer.

    Under EXW, FCA, FAS and FOB (``seller_pays_main_carriage`` false) the invoice price does not
    cover transport to the place of entry, which belongs in the customs value (WTO Valuation
    Agreement art. 8.2(a)).
    """
    declaration = context.declaration
    if declaration.type != IM or declaration.freight is not None:
        return
    pays = flag(context.reference, CodeList.INCOTERM, declaration.incoterm, context.on,
                "seller_pays_main_carriage")
    if pays is False:
        yield "/freight", (f"under Incoterm {declaration.incoterm} the buyer pays the main "
                           f"carriage: declare the freight to the place of entry")


@rule("CD212", RuleFamily.CONDITION)
def insurance_required_when_buyer_insures(context: RuleContext) -> Iterator[Finding]:
    """Insurance is required on import when the Incoterm leaves insurance to the buyer.

    Under EXW, FCA, FAS, FOB, CFR and CPT (``seller_pays_insurance`` false) the invoice price
    does not cover insurance to the place of entry, which belongs in the customs value (WTO
    Valuation Agreement art. 8.2(c)). Goods that were not insured declare ``0.00``, so the
    absence of the element is never ambiguous.
    """
    declaration = context.declaration
    if declaration.type != IM or declaration.insurance is not None:
        return
    pays = flag(context.reference, CodeList.INCOTERM, declaration.incoterm, context.on,
                "seller_pays_insurance")
    if pays is False:
        yield "/insurance", (f"under Incoterm {declaration.incoterm} the buyer insures the "
                             f"goods: declare the insurance cost, 0.00 if uninsured")


@rule("CD213", RuleFamily.CONDITION)
def valuation_method_required_for_import(context: RuleContext) -> Iterator[Finding]:
    """Valuation method (DE 4/16) is required on every goods item of an import declaration."""
    if context.declaration.type != IM:
        return
    for i, item in items(context.declaration):
        if item.valuation_method is None:
            yield item_pointer(i, "valuation_method"), (
                f"goods item {item.sequence} has no valuation method")


@rule("CD214", RuleFamily.CONDITION)
def preference_required_for_import(context: RuleContext) -> Iterator[Finding]:
    """Preference (DE 4/17) is required on every goods item of an import declaration."""
    if context.declaration.type != IM:
        return
    for i, item in items(context.declaration):
        if item.preference is None:
            yield item_pointer(i, "preference"), (
                f"goods item {item.sequence} has no preference code")


def _has_proof_of_origin(context: RuleContext, codes: Iterable[str]) -> bool:
    return any(attribute(context.reference, CodeList.DOCUMENT, code, context.on, "kind")
               == "proof_of_origin" for code in codes)


@rule("CD215", RuleFamily.CONDITION)
def proof_of_origin_required_for_preference(context: RuleContext) -> Iterator[Finding]:
    """A preferential tariff treatment claim (DE 4/17) needs a proof of origin (DE 2/3)."""
    for i, item in items(context.declaration):
        preferential = flag(context.reference, CodeList.PREFERENCE, item.preference,
                            context.on, "preferential")
        codes = (document.code for document in item.documents)
        if preferential and not _has_proof_of_origin(context, codes):
            yield item_pointer(i, "documents"), (
                f"goods item {item.sequence} claims preference {item.preference} but produces "
                f"no proof of origin")


@rule("CD216", RuleFamily.CONDITION)
def supplementary_quantity_required(context: RuleContext) -> Iterator[Finding]:
    """Supplementary units (DE 6/2) are required when the commodity code has such a unit."""
    for i, item in items(context.declaration):
        commodity = context.reference.commodity(item.commodity_code, context.on)
        if (commodity is not None and commodity.supplementary_unit
                and item.supplementary_quantity is None):
            yield item_pointer(i, "supplementary_quantity"), (
                f"commodity code {item.commodity_code} needs a quantity in "
                f"{commodity.supplementary_unit}")


@rule("CD217", RuleFamily.CONDITION)
def transport_required(context: RuleContext) -> Iterator[Finding]:
    """Mode of transport at the border (DE 7/4) is required on import and export declarations."""
    declaration = context.declaration
    if declaration.type in (IM, EX) and declaration.transport is None:
        yield "/transport", (f"a declaration of type {declaration.type.value} must state the "
                             f"transport at the border")


@rule("CD218", RuleFamily.CONDITION)
def means_of_transport_identity_required(context: RuleContext) -> Iterator[Finding]:
    """Identity of the means of transport at the border (DE 7/14) is required.

    Not for postal consignments, fixed transport installations and goods under their own
    propulsion (modes 5, 7, 9), which have no vehicle to identify, and not for a pre-lodged
    declaration (additional type D), lodged before the means of transport may be known.
    """
    declaration = context.declaration
    transport = declaration.transport
    if (transport is None or declaration.additional_type == AdditionalType.PRE_LODGED
            or transport.mode_at_border in MODES_WITHOUT_MEANS):
        return
    if is_blank(transport.means_identity):
        yield "/transport/means_identity", (
            f"transport mode {transport.mode_at_border} needs the identity of the means of "
            f"transport")


@rule("CD219", RuleFamily.CONDITION)
def packages_required(context: RuleContext) -> Iterator[Finding]:
    """Every goods item states its packaging (DE 6/9-6/11), bulk goods included."""
    for i, item in items(context.declaration):
        if not item.packages:
            yield item_pointer(i, "packages"), f"goods item {item.sequence} has no packages"

