"""The administration's public keys (DESIGN.md C8): what anyone needs to check a signed release
note offline. Public on purpose: no API key is asked for, since third parties (banks, carriers,
other administrations) verify release notes without an account here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from opencustoms.api.deps import Services
from opencustoms.api.schemas import Problem
from opencustoms.domain.errors import NotFound
from opencustoms.services.context import ServiceContext

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "content": {"application/problem+json": {}}}}


class PublicKey(BaseModel):
    """A JSON Web Key (RFC 8037, OKP/Ed25519) with its PEM form."""

    kty: str = Field(examples=["OKP"])
    crv: str = Field(examples=["Ed25519"])
    kid: str = Field(description="key id: first 16 hex digits of the SHA-256 of the raw key; "
                                 "release notes name it in signature.key_id")
    x: str = Field(description="the raw 32-byte public key, base64url without padding")
    use: str = "sig"
    alg: str = "EdDSA"
    pem: str = Field(description="SubjectPublicKeyInfo PEM, for openssl")
    links: dict[str, str]


class KeySet(BaseModel):
    keys: list[PublicKey]


def _keys(services: ServiceContext) -> list[dict[str, str]]:
    return [] if services.signer is None else list(services.signer.public_keys())


@router.get("", response_model=KeySet, summary="Public keys that verify signed release notes")
def public_keys(services: Services) -> KeySet:
    return KeySet(keys=[PublicKey(**key, links={"pem": f"/api/v1/keys/{key['kid']}.pem"})
                        for key in _keys(services)])


@router.get("/{kid}.pem", response_class=PlainTextResponse, responses=ERRORS,
            summary="One public key as PEM (for openssl pkeyutl -verify -pubin)")
def public_key_pem(kid: str, services: Services) -> PlainTextResponse:
    for key in _keys(services):
        if key["kid"] == kid:
            return PlainTextResponse(key["pem"])
    raise NotFound(f"no public key {kid[:40]!r}", code="keys.not-found")
