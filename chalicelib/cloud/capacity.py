"""Where a service's tasks run: regular Fargate or Fargate Spot, as ECS's capacity provider strategy
(pure, like naming.py: the deploy steps and the ECS adapter both use it).

A service's `spot` setting ({percent, on_demand_base}) in words and in ECS's form. Every service is
created with a strategy, regular ones too ([FARGATE]): ECS moves a service from one strategy to
another with a new deployment, but not from the FARGATE launch type to a strategy."""
from __future__ import annotations

from math import gcd
from typing import Any, Optional

REGULAR: list[dict[str, Any]] = [{"capacityProvider": "FARGATE", "base": 0, "weight": 1}]


def strategy(spot: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
    """The capacityProviderStrategy for a service's `spot` setting (None: regular Fargate only)."""
    if not spot:
        return [dict(x) for x in REGULAR]
    percent, base = int(spot.get("percent", 100)), int(spot.get("on_demand_base", 0))
    on_demand, on_spot = 100 - percent, percent
    d = gcd(on_demand, on_spot) or 1
    return [{"capacityProvider": "FARGATE", "base": base, "weight": on_demand // d},
            {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": on_spot // d}]


def key(items: Optional[list[dict[str, Any]]]) -> list[tuple[str, int, int]]:
    """Comparable form: providers that take no task (weight 0, base 0) left out, so [FARGATE] equals a
    service made with the FARGATE launch type and [FARGATE 0/0, FARGATE_SPOT 1] equals [FARGATE_SPOT]."""
    out = [(str(x.get("capacityProvider")), int(x.get("base") or 0), int(x.get("weight") or 0))
           for x in (items if items else REGULAR)]
    return sorted(x for x in out if x[1] or x[2])


def words(spot: Optional[dict[str, Any]]) -> str:
    """'regular Fargate', 'Fargate Spot', 'Fargate Spot for 70 % of the tasks above 1 on regular Fargate'."""
    if not spot:
        return "regular Fargate"
    percent, base = int(spot.get("percent", 100)), int(spot.get("on_demand_base", 0))
    share = "" if percent == 100 else f" for {percent} % of the tasks"
    first = f", the first {base} task{'s' if base != 1 else ''} on regular Fargate" if base else ""
    return f"Fargate Spot{share}{first}"


def summary(service: dict[str, Any]) -> str:
    """'arm64 · Fargate Spot' and the like, for plans and pages."""
    return f"{service.get('architecture') or 'x86_64'} · {words(service.get('spot'))}"
