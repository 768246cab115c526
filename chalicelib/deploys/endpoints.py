"""Where a web service's live release answers, read from that release's recorded steps.

The environment's load balancer routes by host: every web service answers on its own host
(steps.internal_host) and, once verified, on its custom domain. The internal host is in no
public DNS zone, so the way to reach it is the load balancer's address with that Host header.
The lifecycle writes this on the service when a release goes live or a rollback returns to one
(lifecycle/policy.py), so a reader needs no second lookup.
"""
from __future__ import annotations

import shlex
from typing import Any, Optional


def of_release(dep: dict[str, Any]) -> Optional[dict[str, Any]]:
    """-> {load_balancer, host, domain, url, try} of a web release that went live, else None."""
    from chalicelib.deploys.steps import step_result  # here: the lifecycle's importers need not load the steps

    lb, rule = step_result(dep, "load_balancer") or {}, step_result(dep, "listener_rule") or {}
    if dep.get("kind") != "web" or not lb.get("dns_name") or not rule.get("host"):
        return None
    from chalicelib.deploys.steps import routed_hosts

    routed = step_result(dep, "domain_rule") or {}
    domain = routed.get("host")   # set only once routed (verified)
    scheme = "https" if routed.get("https") else "http"   # HTTPS once its certificate was issued
    aliases = [f"{'https' if h.get('https') else 'http'}://{h['host']}/" for h in routed_hosts(routed)
               if h["host"] != domain and not h.get("redirects_to")]   # a redirecting alias is not an address
    return {"load_balancer": lb["dns_name"], "host": rule["host"], "domain": domain,
            "url": f"{scheme}://{domain}/" if domain else None, "https": bool(routed.get("https")),
            **({"aliases": aliases} if aliases else {}),
            "try": f"curl -H {shlex.quote('Host: ' + rule['host'])} http://{lb['dns_name']}/"}
