"""What runs, read back from AWS for a person: run-time logs and the custom domain's state."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.catalog.service import get_service
from chalicelib.cloud import naming
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import NotFound
from chalicelib.deploys.steps import step_result


def service_logs(ports: Ports, actor: Actor, org_id: str, service_id: str, start_ms: Optional[int],
                 after: Optional[str], limit: int) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id)
    events, nxt = ports.cloud.read_logs(naming.of_service(service).log_group, service["name"], start_ms, after, limit)
    return {"lines": events, "next": nxt, "sandbox": ports.settings.sandbox}


def domain_status(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id)
    if not service.get("domain"):
        raise NotFound("the service has no custom domain", field="domain")
    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    cert = step_result(live or {}, "certificate")
    if not cert or not cert.get("arn"):
        return {"domain": service["domain"], "status": "pending_deploy",
                "message": "the certificate is requested by the next deploy"}
    current = ports.cloud.describe_certificate(cert["arn"])
    return {"domain": service["domain"], "certificate_arn": cert["arn"], "status": current.get("status"),
            "validation_records": current.get("validation_records"), "dns_managed": cert.get("dns_managed"),
            "message": None if cert.get("dns_managed") else "create these CNAME records at your DNS provider"}
