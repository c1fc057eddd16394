"""Rules on the declaration header (RL301-RL311): LRN, number of items, parties, places.

The authorisation rule RL307 needs the authenticated party (``RuleContext.actor``); it is
silent when the declaration is validated without one (an estimate, a re-check by customs).
"""

from __future__ import annotations

from collections.abc import Iterator

from opencustoms.domain.declaration import MAX_ITEMS, MAX_LRN_LENGTH, DeclarationType
from opencustoms.domain.errors import pointer
from opencustoms.domain.parties import is_valid_party_id
from opencustoms.validation.registry import Finding, RuleContext, RuleFamily, rule
from opencustoms.validation.rules._support import OFFICE_CODE, traders


@rule("RL301", RuleFamily.RULE)
def lrn_not_empty(context: RuleContext) -> Iterator[Finding]:
    """Local reference number (DE 2/5) must not be empty."""
    if not context.declaration.lrn:
        yield "/lrn", "the LRN is empty"


@rule("RL302", RuleFamily.RULE)
def lrn_at_most_22_characters(context: RuleContext) -> Iterator[Finding]:
    """Local reference number (DE 2/5) must have at most 22 characters."""
    length = len(context.declaration.lrn)
    if length > MAX_LRN_LENGTH:
        yield "/lrn", f"the LRN has {length} characters; at most {MAX_LRN_LENGTH} are allowed"


@rule("RL303", RuleFamily.RULE)
def lrn_printable_ascii(context: RuleContext) -> Iterator[Finding]:
    """Local reference number (DE 2/5): printable ASCII, no spaces at the start or the end."""
    lrn = context.declaration.lrn
    odd = sorted({c for c in lrn if not " " <= c <= "~"})
    if odd:
        yield "/lrn", f"the LRN contains characters outside printable ASCII: {odd!r}"
    elif lrn != lrn.strip(" "):
        yield "/lrn", f"the LRN {lrn!r} starts or ends with a space"


@rule("RL304", RuleFamily.RULE)
def at_least_one_item(context: RuleContext) -> Iterator[Finding]:
    """A declaration must have at least one goods item."""
    if not context.declaration.items:
        yield "/items", "the declaration has no goods items"


@rule("RL305", RuleFamily.RULE)
def at_most_999_items(context: RuleContext) -> Iterator[Finding]:
    """A declaration may have at most 999 goods items (DE 1/6)."""
    count = len(context.declaration.items)
    if count > MAX_ITEMS:
        yield "/items", f"the declaration has {count} goods items; at most {MAX_ITEMS} allowed"


@rule("RL306", RuleFamily.RULE)
def party_ids_have_eori_shape(context: RuleContext) -> Iterator[Finding]:
    """Party identification numbers (DE 3/2, 3/16, 3/18, 3/20) must have the EORI shape.

    Two capital letters (the issuing country) then 1 to 15 capital letters or digits.
    """
    declaration = context.declaration
    ids: list[tuple[tuple[str, ...], str | None]] = [(("declarant",), declaration.declarant)]
    if declaration.representative is not None:
        ids.append((("representative", "id"), declaration.representative.id))
    ids.extend(((name, "id"), trader.id) for name, trader in traders(declaration))
    for where, party_id in ids:
        if party_id is not None and not is_valid_party_id(party_id):
            yield pointer(*where), f"party id {party_id!r} is not an EORI-style number"


@rule("RL307", RuleFamily.RULE)
def declarant_is_authenticated_party_or_represented_by_it(
        context: RuleContext) -> Iterator[Finding]:
    """The declarant must be the authenticated party, or be represented by it.

    The authenticated party lodges either as the declarant itself, or as the declaration's
    representative authorised by the declarant. Customs staff (officers, analysts,
    administrators) never lodge for traders: a declaration they submit is refused. Silent when
    no party is authenticated (estimates).
    """
    actor = context.actor
    declaration = context.declaration
    if actor is None:
        return
    representative = declaration.representative
    if actor.is_administration:
        yield "/declarant", f"{actor.id} is customs staff and may not lodge for a trader"
    elif actor.id == declaration.declarant:
        return
    elif representative is not None and representative.id == actor.id:
        if not actor.may_act_for(declaration.declarant):
            yield "/representative/id", (
                f"{actor.id} is not authorised to represent declarant {declaration.declarant}")
    elif actor.may_act_for(declaration.declarant):
        yield "/representative", (f"{actor.id} acts for declarant {declaration.declarant} and "
                                  f"must be named as its representative")
    else:
        yield "/declarant", (f"declarant {declaration.declarant} is neither the authenticated "
                             f"party {actor.id} nor represented by it")


@rule("RL308", RuleFamily.RULE)
def representative_is_not_declarant(context: RuleContext) -> Iterator[Finding]:
    """The representative (DE 3/20) must be a person other than the declarant (DE 3/18)."""
    declaration = context.declaration
    representative = declaration.representative
    if representative is not None and representative.id == declaration.declarant:
        yield "/representative/id", (f"{representative.id} is the declarant and cannot be its "
                                     f"own representative")


@rule("RL309", RuleFamily.RULE)
def import_dispatched_from_abroad(context: RuleContext) -> Iterator[Finding]:
    """On import, the country of dispatch (DE 5/14) is not the jurisdiction's own country."""
    declaration = context.declaration
    own = context.reference.jurisdiction.country
    if declaration.type == DeclarationType.IMPORT and declaration.country_of_dispatch == own:
        yield "/country_of_dispatch", (f"goods imported into {own} cannot be dispatched from "
                                       f"{own}")


@rule("RL310", RuleFamily.RULE)
def export_destined_abroad(context: RuleContext) -> Iterator[Finding]:
    """On export, the country of destination (DE 5/8) is not the jurisdiction's own country."""
    declaration = context.declaration
    own = context.reference.jurisdiction.country
    if declaration.type == DeclarationType.EXPORT and declaration.country_of_destination == own:
        yield "/country_of_destination", (f"goods exported from {own} cannot be destined for "
                                          f"{own}")


@rule("RL311", RuleFamily.RULE)
def office_reference_number_format(context: RuleContext) -> Iterator[Finding]:
    """Customs office reference numbers: 2-letter country code and 6 letters or digits."""
    declaration = context.declaration
    offices = (("office_of_declaration", declaration.office_of_declaration),
               ("office_of_exit", declaration.office_of_exit))
    for field, code in offices:
        if code is not None and not OFFICE_CODE.fullmatch(code):
            yield pointer(field), f"office reference number {code!r} is not like XX000100"
