"""The way in: the shared ALB, target groups, host rules, certificates and DNS."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.cloud.base import aws_tags, ignoring
from chalicelib.cloud.errors import error_code
from chalicelib.cloud.foundation import FoundationMixin
from chalicelib.cloud.port import HealthCheckSpec, Network

NOT_FOUND_ACTION = [{"Type": "fixed-response", "FixedResponseConfig": {
    "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "No Launchbay service answers this host."}}]
SUSPENDED_ACTION = [{"Type": "fixed-response", "FixedResponseConfig": {
    "StatusCode": "503", "ContentType": "text/plain", "MessageBody": "service suspended"}}]
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
HEALTH_DEFAULTS: HealthCheckSpec = {"path": "/", "interval_seconds": 15, "timeout_seconds": 5,
                                    "healthy_threshold": 2, "unhealthy_threshold": 3, "matcher": "200-399"}
# The service a listener rule or certificate belongs to. Only that service re-points,
# reuses or deletes it: a host name is never taken over by another service.
OWNER_TAG = "launchbay:service"
# Rules with a path condition are more specific than host-only rules, so they get
# the lower (earlier-evaluated) priorities; each kind takes the lowest free number
# in its band.
PATH_RULE_PRIORITIES = (1, 24999)
HOST_RULE_PRIORITIES = (25000, 50000)


def health_settings(health: HealthCheckSpec) -> dict[str, Any]:
    """HealthCheckSpec -> ELBv2 health check kwargs, clamped to what ELBv2 accepts."""
    h: dict[str, Any] = {**HEALTH_DEFAULTS, **{k: v for k, v in health.items() if v is not None}}
    interval = max(5, min(int(h["interval_seconds"]), 300))
    timeout = max(2, min(int(h["timeout_seconds"]), 120, interval - 1))  # must be < interval
    path = str(h["path"]) or "/"
    return {
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPath": path if path.startswith("/") else "/" + path,
        "HealthCheckIntervalSeconds": interval,
        "HealthCheckTimeoutSeconds": timeout,
        "HealthyThresholdCount": max(2, min(int(h["healthy_threshold"]), 10)),
        "UnhealthyThresholdCount": max(2, min(int(h["unhealthy_threshold"]), 10)),
        "Matcher": {"HttpCode": str(h["matcher"])},
    }


def rule_conditions(host: str, path: str, allowed_ips: Optional[list[str]] = None) -> list[dict[str, Any]]:
    """host-header (+ path-pattern) (+ source-ip: only those clients). A path of '', '/' or '/*'
    means the whole host."""
    conditions: list[dict[str, Any]] = []
    if host:
        conditions.append({"Field": "host-header", "HostHeaderConfig": {"Values": [host.lower().rstrip(".")]}})
    if path and path not in ("/", "/*", "*"):
        conditions.append({"Field": "path-pattern", "PathPatternConfig": {"Values": [path]}})
    if not conditions:
        raise ValueError("a listener rule needs a host or a path")
    if allowed_ips:   # the others fall through to the listener's default: 404, no such host
        conditions.append({"Field": "source-ip", "SourceIpConfig": {"Values": list(allowed_ips)}})
    return conditions


def source_ips(conditions: list[dict[str, Any]]) -> list[str]:
    """The client addresses a rule admits ([]: everyone)."""
    return sorted(v for c in conditions if c.get("Field") == "source-ip"
                  for v in (c.get("SourceIpConfig") or {}).get("Values") or c.get("Values") or [])


def conditions_key(conditions: list[dict[str, Any]]) -> frozenset[tuple[str, tuple[str, ...]]]:
    """Comparable form of rule conditions (AWS answers both the old Values and the *Config form):
    the host and path a rule is for. Its source addresses are a setting of that rule, not its name."""
    out = set()
    for c in conditions:
        field = c.get("Field", "")
        if field == "source-ip":
            continue
        config = c.get("HostHeaderConfig") or c.get("PathPatternConfig") or {}
        values = config.get("Values") or c.get("Values") or []
        if field == "host-header":
            values = [v.lower() for v in values]
        out.add((field, tuple(sorted(values))))
    return frozenset(out)


def forward_weights(actions: list[dict[str, Any]]) -> dict[str, int]:
    """{target group ARN: weight} of a rule's forward action ({} when it does not forward)."""
    for a in actions:
        if a.get("Type") == "forward":
            groups = (a.get("ForwardConfig") or {}).get("TargetGroups") or []
            if a.get("TargetGroupArn") and not groups:
                return {a["TargetGroupArn"]: 100}
            if len(groups) == 1:
                return {groups[0]["TargetGroupArn"]: 100}
            return {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups if g.get("TargetGroupArn")}
    return {}


# a custom domain served over HTTPS answers plain HTTP with a permanent redirect to the same URL
REDIRECT_HTTPS = [{"Type": "redirect", "RedirectConfig": {
    "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
    "StatusCode": "HTTP_301"}}]


def redirects(actions: list[dict[str, Any]]) -> bool:
    return any(a.get("Type") == "redirect" for a in actions)


def redirect_action(host: Optional[str], https: bool) -> list[dict[str, Any]]:
    """A 301 keeping path and query: to HTTPS on the same host (an HTTP rule of a name served over
    HTTPS), or to another host (an alias sending its visitors to the service's domain)."""
    if host is None:
        return REDIRECT_HTTPS
    return [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS" if https else "HTTP", "Port": "443" if https else "80", "Host": host,
        "Path": "/#{path}", "Query": "#{query}", "StatusCode": "HTTP_301"}}]


def redirect_target(actions: list[dict[str, Any]]) -> Optional[str]:
    """The host a redirect rule sends visitors to (None: the same host, or no redirect)."""
    for a in actions:
        if a.get("Type") == "redirect":
            host = (a.get("RedirectConfig") or {}).get("Host")
            return None if host in (None, "#{host}") else str(host)
    return None


def maintenance_page(message: str) -> str:
    """What a service in maintenance answers (a 503 from the load balancer; at most 1024 bytes)."""
    import html

    return ("<!doctype html><meta charset=utf-8><title>Down for maintenance</title>"
            f"<h1>Down for maintenance</h1><p>{html.escape(message)}</p>")[:1024]


def maintenance_action(message: str) -> list[dict[str, Any]]:
    return [{"Type": "fixed-response", "FixedResponseConfig": {
        "StatusCode": "503", "ContentType": "text/html", "MessageBody": maintenance_page(message)}}]


def fixed_page(actions: list[dict[str, Any]]) -> Optional[str]:
    """The body a rule answers itself (a maintenance or suspension page), or None."""
    for a in actions:
        if a.get("Type") == "fixed-response":
            return str((a.get("FixedResponseConfig") or {}).get("MessageBody") or "")
    return None


def action_key(actions: list[dict[str, Any]]) -> tuple[Any, ...]:
    """What a rule does, comparable: a redirect, a fixed answer (its body), or a forward (its weights)."""
    if redirects(actions):
        config = next(a.get("RedirectConfig") or {} for a in actions if a.get("Type") == "redirect")
        return ("redirect", config.get("Protocol"), config.get("Host") or "#{host}")
    page = fixed_page(actions)
    if page is not None:
        return ("fixed", page)
    return ("forward", tuple(sorted(forward_weights(actions).items())))


def forward_target(actions: list[dict[str, Any]]) -> Optional[str]:
    """The target group a rule forwards to: the one taking most of its requests (a canary's
    weighted rule still belongs to the service's own group)."""
    weights = forward_weights(actions)
    return max(weights, key=lambda arn: weights[arn]) if weights else None


def forward_action(target_group_arn: str, canary: Optional[dict[str, Any]] = None) -> list[dict[str, Any]]:
    """Forward to the target group, or split with a canary's ({"target_group_arn", "percent"}; a
    share of 0 still names its group: ECS takes a target group only once a load balancer uses it)."""
    if not canary:
        return [{"Type": "forward", "TargetGroupArn": target_group_arn}]
    share = int(canary["percent"])
    return [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": target_group_arn, "Weight": 100 - share},
        {"TargetGroupArn": canary["target_group_arn"], "Weight": share}]}}]


class DnsUnavailable(Exception):
    """DNS did not answer (timeout, no name server): try again later; not "no record"."""


class NotOwned(ValueError):
    """The resource for this host belongs to another service (a permanent error: a
    ValueError is never retried). The message never names the other service."""


def owned_by(owner_tag: Optional[str], owner: Optional[str], forward: Optional[str] = None,
             target_group_arn: Optional[str] = None) -> bool:
    """May `owner` re-point or delete a rule whose owner tag is `owner_tag`? A tagged rule is its
    tagged service's only. An untagged one was made before ownership tags: a caller without an
    owner may act on it (as before), a service only when it already forwards to that service's
    own target group (its own rule from before the tags)."""
    if owner_tag is not None:
        return owner_tag == owner
    return owner is None or (target_group_arn is not None and forward == target_group_arn)


def owner_tags(owner: Optional[str]) -> list[dict[str, str]]:
    return aws_tags({OWNER_TAG: owner} if owner else None)


def lowest_free(used: set[int], band: tuple[int, int]) -> int:
    for p in range(band[0], band[1] + 1):
        if p not in used:
            return p
    raise ValueError(f"no free listener rule priority in {band}")


class EdgeMixin(FoundationMixin):
    # --- load balancer -------------------------------------------------------------
    def ensure_load_balancer(self, name: str, network: Network,
                             certificate_arn: Optional[str] = None) -> dict[str, Any]:
        """Internet-facing ALB with HTTP :80 (and HTTPS :443 when certificate_arn is given);
        both default to a 404. Rules go on listener_arn (and https_listener_arn)."""
        elb = self.client("elbv2")
        lb_name = naming.elb_name(name)
        lb = self._find_load_balancer(lb_name)
        lb_sg = self.ensure_security_group(
            network["vpc_id"], naming.load_balancer_security_group(lb_name), f"Launchbay load balancer {lb_name}",
            ingress=[("tcp", 80, 80, "cidr", "0.0.0.0/0"), ("tcp", 443, 443, "cidr", "0.0.0.0/0"),
                     ("tcp", 80, 80, "cidr6", "::/0"), ("tcp", 443, 443, "cidr6", "::/0")])
        if lb is None:
            try:
                lb = elb.create_load_balancer(
                    Name=lb_name, Subnets=list(network["subnets"]), SecurityGroups=[lb_sg],
                    Scheme="internet-facing", Type="application", IpAddressType="ipv4", Tags=aws_tags(),
                )["LoadBalancers"][0]
            except Exception as exc:
                if error_code(exc) != "DuplicateLoadBalancerName":
                    raise
                lb = self._find_load_balancer(lb_name)
                assert lb is not None
        self._allow_load_balancer_into_tasks(network, lb.get("SecurityGroups") or [lb_sg])
        listeners = {l["Port"]: l for l in self._listeners(lb["LoadBalancerArn"])}
        http = listeners.get(80) or elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=NOT_FOUND_ACTION,
        )["Listeners"][0]
        out = {"arn": lb["LoadBalancerArn"], "dns_name": lb["DNSName"], "zone_id": lb.get("CanonicalHostedZoneId"),
               "listener_arn": http["ListenerArn"], "security_group": lb_sg}
        if certificate_arn:
            https = listeners.get(443)
            if https is None:
                https = elb.create_listener(
                    LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443, SslPolicy=TLS_POLICY,
                    Certificates=[{"CertificateArn": certificate_arn}], DefaultActions=NOT_FOUND_ACTION,
                )["Listeners"][0]
            else:
                self._attach_certificate(https["ListenerArn"], certificate_arn)
            out["https_listener_arn"] = https["ListenerArn"]
        elif 443 in listeners:
            out["https_listener_arn"] = listeners[443]["ListenerArn"]
        return out

    def _find_load_balancer(self, lb_name: str) -> Optional[dict[str, Any]]:
        try:
            return self.client("elbv2").describe_load_balancers(Names=[lb_name])["LoadBalancers"][0]
        except Exception as exc:
            if error_code(exc) == "LoadBalancerNotFound":
                return None
            raise

    def _listeners(self, lb_arn: str) -> list[dict[str, Any]]:
        pages = self.client("elbv2").get_paginator("describe_listeners").paginate(LoadBalancerArn=lb_arn)
        return [l for page in pages for l in page.get("Listeners", [])]

    def _attach_certificate(self, listener_arn: str, certificate_arn: str) -> None:
        elb = self.client("elbv2")
        have = elb.describe_listener_certificates(ListenerArn=listener_arn).get("Certificates", [])
        if not any(c.get("CertificateArn") == certificate_arn for c in have):
            # Extra certificates are chosen by SNI; the default one stays as it is.
            elb.add_listener_certificates(ListenerArn=listener_arn, Certificates=[{"CertificateArn": certificate_arn}])

    def _allow_load_balancer_into_tasks(self, network: Network, lb_groups: list[str]) -> None:
        """Open our managed task group to the ALB. Groups given in settings are the
        operator's: we do not edit them."""
        groups = self.client("ec2").describe_security_groups(GroupIds=list(network["security_groups"]))
        for g in groups.get("SecurityGroups", []):
            if g.get("GroupName") == self.place.services_group:
                self.authorize_ingress(g["GroupId"], {("tcp", 0, 65535, "group", sg) for sg in lb_groups})

    # --- target groups -------------------------------------------------------------
    def ensure_target_group(self, name: str, port: int, health: HealthCheckSpec, vpc_id: str,
                            deregistration_delay: int = 30) -> str:
        """An ip/HTTP target group named naming.elb_name(name) (<= 32 chars, hashed when longer).

        If it exists, the health check and deregistration delay are brought in line.
        The port of an existing group is left as is: ECS registers each task with the
        container port, so the group's own port is only a default.
        """
        elb = self.client("elbv2")
        tg_name = naming.elb_name(name)
        settings = health_settings(health)
        tg = self._find_target_group(tg_name)
        if tg is None:
            try:
                tg = elb.create_target_group(
                    Name=tg_name, Protocol="HTTP", Port=int(port), VpcId=vpc_id, TargetType="ip",
                    HealthCheckEnabled=True, Tags=aws_tags({"launchbay:name": name[:256]}), **settings,
                )["TargetGroups"][0]
            except Exception as exc:
                if error_code(exc) != "DuplicateTargetGroupName":
                    raise
                tg = self._find_target_group(tg_name)
                assert tg is not None
        if tg.get("VpcId") and tg["VpcId"] != vpc_id:
            raise ValueError(f"target group {tg_name} already exists in {tg['VpcId']}, not {vpc_id}")
        arn = tg["TargetGroupArn"]
        drift = {k: v for k, v in settings.items() if tg.get(k) != v and k != "HealthCheckProtocol"}
        if drift:
            elb.modify_target_group(TargetGroupArn=arn, **settings)
        attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}
        if attrs.get("deregistration_delay.timeout_seconds") != str(int(deregistration_delay)):
            elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=[
                {"Key": "deregistration_delay.timeout_seconds", "Value": str(int(deregistration_delay))}])
        return arn

    def _find_target_group(self, tg_name: str) -> Optional[dict[str, Any]]:
        try:
            return self.client("elbv2").describe_target_groups(Names=[tg_name])["TargetGroups"][0]
        except Exception as exc:
            if error_code(exc) == "TargetGroupNotFound":
                return None
            raise

    # --- listener rules ------------------------------------------------------------
    def ensure_listener_rule(self, listener_arn: str, host: str, path: str, target_group_arn: str,
                             owner: Optional[str] = None, canary: Optional[dict[str, Any]] = None,
                             allowed_ips: Optional[list[str]] = None, redirect_https: bool = False,
                             maintenance: Optional[str] = None, redirect_host: Optional[str] = None) -> str:
        """Forward host (+ path) to the target group (with `canary`, {"target_group_arn",
        "percent"}: that share to the canary's group; with `allowed_ips`, for those clients only;
        with `redirect_https`, answer a 301 to the same URL over HTTPS instead; with `redirect_host`,
        a 301 to that host (over HTTPS with `redirect_https`); with `maintenance`, a 503 maintenance
        page with that message instead of forwarding);
        reuses (and re-points) a rule with the same host and path when `owner` owns it (owned_by),
        otherwise takes the lowest free priority of its band and tags the new rule with its owner.
        A rule of another service raises NotOwned: it is never re-pointed."""
        elb = self.client("elbv2")
        conditions = rule_conditions(host, path, allowed_ips)
        key = conditions_key(conditions)
        if redirect_host or redirect_https:
            forward = redirect_action(redirect_host, redirect_https)
        else:
            forward = maintenance_action(maintenance) if maintenance is not None else forward_action(target_group_arn, canary)
        band = PATH_RULE_PRIORITIES if any(c["Field"] == "path-pattern" for c in conditions) else HOST_RULE_PRIORITIES
        for _ in range(5):  # another worker may take the same priority first
            rules = self._rules(listener_arn)
            for r in rules:
                if not r.get("IsDefault") and conditions_key(r.get("Conditions", [])) == key:
                    tag, current = self._rule_owner(r["RuleArn"]), forward_target(r.get("Actions", []))
                    if not owned_by(tag, owner, current, target_group_arn):
                        raise NotOwned(f"the listener rule for {host.lower().rstrip('.')} belongs to another "
                                       "Launchbay service: it is not re-pointed")
                    if tag is None and owner:  # our own rule from before ownership tags: say so now
                        elb.add_tags(ResourceArns=[r["RuleArn"]], Tags=[{"Key": OWNER_TAG, "Value": owner}])
                    if action_key(r.get("Actions", [])) != action_key(forward):
                        elb.modify_rule(RuleArn=r["RuleArn"], Actions=forward)
                    if source_ips(r.get("Conditions", [])) != sorted(allowed_ips or []):
                        elb.modify_rule(RuleArn=r["RuleArn"], Conditions=conditions)
                    return r["RuleArn"]
            used = {int(r["Priority"]) for r in rules if str(r.get("Priority", "")).isdigit()}
            try:
                return elb.create_rule(ListenerArn=listener_arn, Priority=lowest_free(used, band),
                                       Conditions=conditions, Actions=forward,
                                       Tags=owner_tags(owner))["Rules"][0]["RuleArn"]
            except Exception as exc:
                if error_code(exc) != "PriorityInUse":
                    raise
        raise RuntimeError("could not find a free listener rule priority after 5 tries")

    def _rules(self, listener_arn: str) -> list[dict[str, Any]]:
        pages = self.client("elbv2").get_paginator("describe_rules").paginate(ListenerArn=listener_arn)
        return [r for page in pages for r in page.get("Rules", [])]

    def _rule_owner(self, rule_arn: str) -> Optional[str]:
        """The rule's launchbay:service tag (None: untagged)."""
        found = self.client("elbv2").describe_tags(ResourceArns=[rule_arn]).get("TagDescriptions", [])
        tags = {t["Key"]: t["Value"] for d in found for t in d.get("Tags", [])}
        return tags.get(OWNER_TAG)

    def delete_listener_rule(self, listener_arn: str, host: str, path: str, owner: Optional[str] = None,
                             target_group_arn: Optional[str] = None) -> bool:
        """Remove the rule for host (+ path) if `owner` owns it (owned_by; target_group_arn
        recognises an untagged rule of ours). Another service's rule is left alone. True when
        a rule was deleted."""
        key = conditions_key(rule_conditions(host, path))
        deleted = False
        try:
            rules = self._rules(listener_arn)
        except Exception as exc:
            if error_code(exc) == "ListenerNotFound":   # a listener that is gone routes nothing
                return False
            raise
        for r in rules:
            if not r.get("IsDefault") and conditions_key(r.get("Conditions", [])) == key and \
                    owned_by(self._rule_owner(r["RuleArn"]), owner, forward_target(r.get("Actions", [])),
                             target_group_arn):
                with ignoring("RuleNotFound"):
                    self.client("elbv2").delete_rule(RuleArn=r["RuleArn"])
                    deleted = True
        return deleted

    def answer_suspended(self, listener_arn: str, host: str, path: str, owner: str) -> bool:
        """A suspended service's host answers 503 "service suspended" from the load balancer
        (rather than a 503 for want of healthy targets); its next deploy step for the rule (a
        resume) forwards it to the target group again. Only the owner's own rule is changed.
        -> whether a rule now answers so."""
        r = self._host_rule(listener_arn, host, path)
        if r is None or self._rule_owner(r["RuleArn"]) != owner:
            return False
        if r.get("Actions") != SUSPENDED_ACTION:
            self.client("elbv2").modify_rule(RuleArn=r["RuleArn"], Actions=SUSPENDED_ACTION)
        return True

    def _host_rule(self, listener_arn: str, host: str, path: str) -> Optional[dict[str, Any]]:
        """The listener's rule (as ELBv2 describes it) for host (+ path); None when there is none
        or no such listener. Conditions are unique per listener: at most one matches."""
        key = conditions_key(rule_conditions(host, path))
        try:
            rules = self._rules(listener_arn)
        except Exception as exc:
            if error_code(exc) == "ListenerNotFound":
                return None
            raise
        return next((r for r in rules if not r.get("IsDefault") and conditions_key(r.get("Conditions", [])) == key), None)

    def delete_target_group(self, arn: str) -> None:
        """Remove a service's target group once nothing routes to it (its rules went first)."""
        with ignoring("TargetGroupNotFound"):
            self.client("elbv2").delete_target_group(TargetGroupArn=arn)

    # --- certificates and DNS ----------------------------------------------------------
    def request_certificate(self, domain: str, owner: Optional[str] = None) -> dict[str, Any]:
        """A DNS-validated ACM certificate tagged with its owner; reuses a pending or issued one
        of the same owner only (a certificate of another service is never handed over;
        without an owner, only an untagged one)."""
        domain = domain.lower().rstrip(".")
        found = self._certificates(domain, owner)
        if found:
            return self.describe_certificate(found[0]["CertificateArn"])
        arn = self.client("acm").request_certificate(
            DomainName=domain, ValidationMethod="DNS",
            # same answer for an hour of retries; per owner, or ACM would hand back another's request
            IdempotencyToken=naming.idempotency_token("acm", domain, *([owner] if owner else [])),
            Tags=owner_tags(owner),
        )["CertificateArn"]
        return self.describe_certificate(arn)

    def _certificates(self, domain: str, owner: Optional[str]) -> list[dict[str, Any]]:
        """Pending or issued certificates for the domain whose owner tag is `owner` (None:
        untagged), an issued one first; each summary gains "owner"."""
        acm = self.client("acm")
        found: list[dict[str, Any]] = []
        for page in acm.get_paginator("list_certificates").paginate(CertificateStatuses=["PENDING_VALIDATION",
                                                                                          "ISSUED"]):
            for c in page.get("CertificateSummaryList", []):
                if c.get("DomainName", "").lower() != domain:
                    continue
                tags = acm.list_tags_for_certificate(CertificateArn=c["CertificateArn"]).get("Tags", [])
                tag = next((t.get("Value") for t in tags if t.get("Key") == OWNER_TAG), None)
                if tag == owner:
                    found.append({**c, "owner": tag})
        found.sort(key=lambda c: c.get("Status") != "ISSUED")  # an issued one first
        return found

    def describe_certificate(self, arn: str) -> dict[str, Any]:
        """{"arn", "status", "domain", "validation_records"}. Records can be empty for a few
        seconds after the request: poll again."""
        cert = self.client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
        records, seen = [], set()
        for option in cert.get("DomainValidationOptions", []):
            rr = option.get("ResourceRecord")
            if rr and (rr["Name"], rr["Type"]) not in seen:  # SANs can share one record
                seen.add((rr["Name"], rr["Type"]))
                records.append({"name": rr["Name"], "type": rr["Type"], "value": rr["Value"]})
        return {"arn": cert["CertificateArn"], "status": cert.get("Status", "PENDING_VALIDATION"),
                "domain": cert.get("DomainName"), "validation_records": records,
                "in_use": bool(cert.get("InUseBy"))}

    def lookup_txt(self, name: str) -> list[str]:
        """The TXT strings published at `name` in public DNS, each record's strings joined;
        [] when there is no such name or record. Raises DnsUnavailable when DNS does not answer."""
        import dns.exception
        import dns.resolver

        try:
            answer = dns.resolver.resolve(name.rstrip(".") + ".", "TXT", lifetime=5.0)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.resolver.NoNameservers, dns.exception.Timeout) as exc:
            raise DnsUnavailable(f"the DNS lookup of {name} did not get an answer") from exc
        return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]

    def upsert_dns_records(self, domain: str, records: list[dict[str, Any]]) -> bool:
        """UPSERT records in the longest public hosted zone that contains domain.

        A record is {"name", "type", "value", "ttl"?} or, for an alias to the ALB,
        {"name", "type": "A", "alias": {"dns_name", "zone_id"}}. False when we host
        no zone for the domain (the user adds the records at their DNS provider).
        """
        zone = self._hosted_zone_for(domain)
        if zone is None:
            return False
        zone_name = zone["Name"].rstrip(".").lower()
        changes = []
        for r in records:
            name = r["name"].rstrip(".").lower()
            if name != zone_name and not name.endswith("." + zone_name):
                raise ValueError(f"record {name} is outside the hosted zone {zone_name}")
            rrset: dict[str, Any] = {"Name": name + ".", "Type": r["type"]}
            if r.get("alias"):
                rrset["AliasTarget"] = {"DNSName": r["alias"]["dns_name"], "HostedZoneId": r["alias"]["zone_id"],
                                        "EvaluateTargetHealth": False}
            else:
                rrset.update(TTL=int(r.get("ttl", 300)), ResourceRecords=[{"Value": r["value"]}])
            changes.append({"Action": "UPSERT", "ResourceRecordSet": rrset})
        if changes:
            self.client("route53").change_resource_record_sets(
                HostedZoneId=zone["Id"], ChangeBatch={"Comment": "Launchbay", "Changes": changes})
        return True

    def _hosted_zone_for(self, domain: str) -> Optional[dict[str, Any]]:
        domain = domain.lower().rstrip(".")
        best: Optional[dict[str, Any]] = None
        for page in self.client("route53").get_paginator("list_hosted_zones").paginate():
            for z in page.get("HostedZones", []):
                if (z.get("Config") or {}).get("PrivateZone"):
                    continue
                name = z["Name"].rstrip(".").lower()
                if (domain == name or domain.endswith("." + name)) and \
                        (best is None or len(name) > len(best["Name"].rstrip("."))):
                    best = z
        return best
