"""JSON form of a selectivity decision, as stored with a declaration and shown to officers."""

from __future__ import annotations

from typing import Any

from opencustoms.domain.selectivity import Channel, RiskDecision, RiskReason

Json = dict[str, Any]


def _reason_json(reason: RiskReason) -> Json:
    return {"kind": reason.kind, "detail": reason.detail,
            "channel": None if reason.channel is None else reason.channel.value,
            "profile": reason.profile, "version": reason.version,
            "instructions": reason.instructions, "items": list(reason.items)}


def risk_to_json(decision: RiskDecision) -> Json:
    return {
        "channel": decision.channel.value,
        "reasons": [_reason_json(r) for r in decision.reasons],
        "policy_version": decision.policy_version,
        "score": decision.score,
        "priority": decision.priority,
        "contributions": [{"feature": f, "value": v} for f, v in decision.contributions],
        "model_version": decision.model_version,
    }


def risk_from_json(data: Json) -> RiskDecision:
    return RiskDecision(
        channel=Channel(data["channel"]),
        reasons=tuple(RiskReason(
            r["kind"], r["detail"], None if r.get("channel") is None else Channel(r["channel"]),
            r.get("profile"), r.get("version"), r.get("instructions"),
            tuple(r.get("items") or ())) for r in data["reasons"]),
        policy_version=data["policy_version"],
        score=data.get("score"),
        priority=data.get("priority"),
        contributions=tuple((c["feature"], c["value"]) for c in data.get("contributions") or ()),
        model_version=data.get("model_version"),
    )
