"""Cluster, network, IAM roles, log groups and secrets: what every service sits on."""
from __future__ import annotations

import json
from typing import Any, Iterable, Optional

from chalicelib.cloud import naming
from chalicelib.cloud.base import MANAGED_TAG, aws_tags, ignoring
from chalicelib.cloud.egress import EgressMixin
from chalicelib.cloud.errors import error_code
from chalicelib.cloud.port import Network

# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)
SSM_STANDARD_MAX_BYTES = 4096

# One rule = (protocol, from_port, to_port, kind, source); kind: cidr | cidr6 | group.
Permission = tuple[str, int, int, str, str]


def allowed_retention(days: int) -> int:
    """The smallest allowed retention period >= days (never keep logs for less)."""
    for allowed in LOG_RETENTION_DAYS:
        if allowed >= days:
            return allowed
    return LOG_RETENTION_DAYS[-1]


def _permissions(ip_permissions: Iterable[dict[str, Any]]) -> set[Permission]:
    out: set[Permission] = set()
    for p in ip_permissions:
        proto = str(p.get("IpProtocol", "-1"))
        lo, hi = int(p.get("FromPort", -1) if proto != "-1" else -1), int(p.get("ToPort", -1) if proto != "-1" else -1)
        out.update((proto, lo, hi, "cidr", r["CidrIp"]) for r in p.get("IpRanges", []))
        out.update((proto, lo, hi, "cidr6", r["CidrIpv6"]) for r in p.get("Ipv6Ranges", []))
        out.update((proto, lo, hi, "group", r["GroupId"]) for r in p.get("UserIdGroupPairs", []))
    return out


def _ip_permission(perm: Permission) -> dict[str, Any]:
    proto, lo, hi, kind, source = perm
    p: dict[str, Any] = {"IpProtocol": proto}
    if proto != "-1":
        p.update(FromPort=lo, ToPort=hi)
    if kind == "cidr":
        p["IpRanges"] = [{"CidrIp": source}]
    elif kind == "cidr6":
        p["Ipv6Ranges"] = [{"CidrIpv6": source}]
    else:
        p["UserIdGroupPairs"] = [{"GroupId": source}]
    return p


CAPACITY_PROVIDERS = ("FARGATE", "FARGATE_SPOT")

class NoNetwork(ValueError):
    """No default VPC (or no default subnets) and no LAUNCHBAY_SUBNETS."""


class FoundationMixin(EgressMixin):
    # --- cluster -----------------------------------------------------------------
    def ensure_cluster(self) -> str:
        """The cluster, with the Fargate and Fargate Spot capacity providers (services are made with a
        capacity provider strategy, which may only name providers associated with the cluster)."""
        ecs = self.client("ecs")
        for c in ecs.describe_clusters(clusters=[self.cluster]).get("clusters", []):
            if c.get("status") == "ACTIVE":
                if not set(CAPACITY_PROVIDERS) <= set(c.get("capacityProviders") or []):   # made before Spot
                    ecs.put_cluster_capacity_providers(
                        cluster=self.cluster, capacityProviders=sorted(set(CAPACITY_PROVIDERS) | set(c.get("capacityProviders") or [])),
                        defaultCapacityProviderStrategy=c.get("defaultCapacityProviderStrategy") or [])
                return c["clusterArn"]
        # CreateCluster is itself idempotent for an existing name, so a race is harmless.
        return ecs.create_cluster(
            clusterName=self.cluster,
            settings=[{"name": "containerInsights", "value": "enabled"}],
            capacityProviders=list(CAPACITY_PROVIDERS),
            tags=aws_tags(key="key", value="value"),
        )["cluster"]["clusterArn"]

    # --- network -----------------------------------------------------------------
    def vpc_and_subnets(self) -> tuple[str, list[str], bool]:
        """(VPC id, subnet ids, whether tasks need a public IP) from LAUNCHBAY_SUBNETS, else the
        default VPC's default subnets; read-only, shared by ensure_network and find_network.
        Raises NoNetwork when there is no default VPC or it has no default subnets."""
        ec2 = self.client("ec2")
        wanted = self.configured(self.settings.subnets)
        if wanted:
            subnets = ec2.describe_subnets(SubnetIds=wanted)["Subnets"]
            vpcs = {s["VpcId"] for s in subnets}
            if len(vpcs) != 1:
                raise ValueError(f"LAUNCHBAY_SUBNETS must all be in one VPC, found {sorted(vpcs)}")
            vpc_id = vpcs.pop()
            subnet_ids = wanted
        else:
            vpcs_found = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
            if not vpcs_found:
                raise NoNetwork(f"no default VPC in {self.region}: set LAUNCHBAY_SUBNETS and LAUNCHBAY_SECURITY_GROUPS")
            vpc_id = vpcs_found[0]["VpcId"]
            subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                    {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
            subnets.sort(key=lambda s: s.get("AvailabilityZone", ""))
            subnet_ids = [s["SubnetId"] for s in subnets]
            if not subnet_ids:
                raise NoNetwork(f"the default VPC {vpc_id} has no default subnets")
        # Tasks need a public IP to pull images when the subnets route through an
        # internet gateway without NAT (the default VPC); private subnets must not get one.
        return vpc_id, subnet_ids, bool(subnets) and all(s.get("MapPublicIpOnLaunch") for s in subnets)

    def ensure_network(self) -> Network:
        """The VPC, subnets and task security group a service runs with; in an environment with
        static egress (the place's `egress`), its private subnets behind its NAT gateway (egress.py)."""
        vpc_id, subnet_ids, public = self.vpc_and_subnets()
        groups = self.configured(self.settings.security_groups)
        if not groups:
            sg = self.ensure_security_group(vpc_id, self.place.services_group,
                                            "Launchbay service tasks", self_ingress=True)
            groups = [sg]
        network: Network = {"vpc_id": vpc_id, "subnets": subnet_ids, "security_groups": groups,
                            "assign_public_ip": public}
        if self.place.egress:
            egress = self.ensure_static_egress(self.place.egress)
            network["subnets"], network["assign_public_ip"] = egress["subnets"], False
            network["egress_ips"] = egress["ips"]
        return network

    def ensure_security_group(self, vpc_id: str, name: str, description: str,
                              ingress: Iterable[Permission] = (), self_ingress: bool = False) -> str:
        """Find or create a named group in the VPC and add the missing ingress rules."""
        ec2 = self.client("ec2")
        found = self._find_security_group(vpc_id, name)
        if found is None:
            try:
                ec2.create_security_group(
                    GroupName=name, Description=description, VpcId=vpc_id,
                    TagSpecifications=[{"ResourceType": "security-group", "Tags": aws_tags({"Name": name})}],
                )
            except Exception as exc:
                if error_code(exc) != "InvalidGroup.Duplicate":
                    raise
            found = self._find_security_group(vpc_id, name)
            if found is None:  # pragma: no cover - eventual consistency
                raise RuntimeError(f"security group {name} was created but cannot be found yet")
        group_id = found["GroupId"]
        desired = set(ingress)
        if self_ingress:  # tasks may talk to each other on their private IPs
            desired.add(("-1", -1, -1, "group", group_id))
        self.authorize_ingress(group_id, desired, have=_permissions(found.get("IpPermissions", [])))
        return group_id

    def authorize_ingress(self, group_id: str, desired: set[Permission],
                          have: Optional[set[Permission]] = None) -> None:
        ec2 = self.client("ec2")
        if have is None:
            groups = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
            have = _permissions(groups[0].get("IpPermissions", [])) if groups else set()
        missing = sorted(desired - have)
        if missing:
            with ignoring("InvalidPermission.Duplicate"):
                ec2.authorize_security_group_ingress(GroupId=group_id,
                                                     IpPermissions=[_ip_permission(p) for p in missing])

    def _find_security_group(self, vpc_id: str, name: str) -> Optional[dict[str, Any]]:
        groups = self.client("ec2").describe_security_groups(
            Filters=[{"Name": "group-name", "Values": [name]}, {"Name": "vpc-id", "Values": [vpc_id]}]
        )["SecurityGroups"]
        return groups[0] if groups else None

    def _awsvpc(self, network: Network, capitalized: bool = False) -> dict[str, Any]:
        """The awsvpcConfiguration ECS wants (EventBridge wants the same keys capitalized)."""
        public = network.get("assign_public_ip")
        if public is None:  # callers that built a Network by hand: default VPC semantics
            public = not self.configured(self.settings.subnets)
        cfg = {"subnets": list(network["subnets"]), "securityGroups": list(network["security_groups"]),
               "assignPublicIp": "ENABLED" if public else "DISABLED"}
        if capitalized:
            cfg = {k[0].upper() + k[1:]: v for k, v in cfg.items()}
        return cfg

    # --- IAM roles ---------------------------------------------------------------
    def execution_role_arn(self) -> str:
        """The task execution role: settings (if the field exists) or launchbay-task-execution."""
        configured = self.settings.task_execution_role_arn
        if configured:
            return configured
        p, r = self.partition, self.region
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Resource": "*", "Action": [
                "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"]},
            {"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"],
             "Resource": f"arn:{p}:ssm:{r}:*:parameter{naming.SECRET_PREFIX}/*"},
            {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
             "Resource": f"arn:{p}:secretsmanager:{r}:*:secret:launchbay/*"},
            {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": [f"ssm.{r}.amazonaws.com",
                                                               f"secretsmanager.{r}.amazonaws.com"]}}},
        ]}
        return self.ensure_role(naming.EXECUTION_ROLE_NAME, "ecs-tasks.amazonaws.com", policy)

    def events_role_arn(self) -> str:
        """The role EventBridge assumes to RunTask scheduled jobs on our cluster."""
        configured = self.settings.events_role_arn
        if configured:
            return configured
        p, r = self.partition, self.region
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ecs:RunTask"], "Resource": f"arn:{p}:ecs:{r}:*:task-definition/*",
             # every organization's cluster in this account (one role, shared by name, per account)
             "Condition": {"ArnLike": {"ecs:cluster": f"arn:{p}:ecs:{r}:*:cluster/{self.settings.cluster_name}*"}}},
            {"Effect": "Allow", "Action": ["ecs:TagResource"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*",
             "Condition": {"StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
        ]}
        return self.ensure_role(naming.EVENTS_ROLE_NAME, "events.amazonaws.com", policy)

    def ensure_role(self, name: str, principal: str, policy: dict[str, Any]) -> str:
        memo_key = f"role:{name}"
        if memo_key in self._memo:
            return self._memo[memo_key]
        iam = self.client("iam")
        arn = self._role_arn(name) or self._create_role(name, principal, "Managed by Launchbay")
        # PutRolePolicy replaces the inline policy: once per process keeps it current.
        iam.put_role_policy(RoleName=name, PolicyName="launchbay", PolicyDocument=json.dumps(policy))
        self._memo[memo_key] = arn
        return arn

    def _role_arn(self, name: str) -> Optional[str]:
        """The role's ARN, or None when there is no such role."""
        try:
            return self.client("iam").get_role(RoleName=name)["Role"]["Arn"]
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            return None

    def _create_role(self, name: str, principal: str, description: str) -> str:
        """A role only `principal` (a service) may assume -> its ARN; one made meanwhile is found."""
        iam = self.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]}
        try:
            return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                                   Description=description, Tags=aws_tags())["Role"]["Arn"]
        except Exception as exc:
            if error_code(exc) != "EntityAlreadyExists":
                raise
            return iam.get_role(RoleName=name)["Role"]["Arn"]

    # --- a service's task role ----------------------------------------------------
    def find_task_role(self, name: str) -> Optional[dict[str, Any]]:
        """{"arn", "policy"} (its inline policy, None without one) or None: no such role."""
        arn = self._role_arn(name)
        if arn is None:
            return None
        iam = self.client("iam")
        try:
            doc = iam.get_role_policy(RoleName=name, PolicyName="launchbay")["PolicyDocument"]
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            doc = None
        if isinstance(doc, str):   # boto3 decodes it; some endpoints answer it URL-encoded
            from urllib.parse import unquote

            doc = json.loads(unquote(doc))
        return {"arn": arn, "policy": doc}

    def ensure_task_role(self, name: str, policy: dict[str, Any]) -> str:
        """The role (assumed by ECS tasks only) with exactly `policy` inline -> its ARN. Unlike
        ensure_role, never remembered: the policy follows the service's links on every deploy."""
        iam = self.client("iam")
        found = self.find_task_role(name)
        arn = found["arn"] if found else self._create_role(name, "ecs-tasks.amazonaws.com",
                                                           "A Launchbay service's task role")
        if found is None or found["policy"] != policy:
            iam.put_role_policy(RoleName=name, PolicyName="launchbay", PolicyDocument=json.dumps(policy))
        return arn

    def delete_task_role(self, name: str) -> bool:
        """Removes the role and its inline policy; False when there was none."""
        iam = self.client("iam")
        with ignoring("NoSuchEntity"):
            iam.delete_role_policy(RoleName=name, PolicyName="launchbay")
        try:
            iam.delete_role(RoleName=name)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            return False
        return True

    # --- buckets (a managed bucket, a log drain's failed deliveries) --------------------
    def _ensure_bucket(self, name: str, tags: list[dict[str, str]]) -> None:
        s3 = self.client("s3")
        region = s3.meta.region_name
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with ignoring("BucketAlreadyOwnedByYou"):
            s3.create_bucket(**kwargs)
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]})
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})

    # --- logs --------------------------------------------------------------------
    def ensure_log_group(self, name: str, retention_days: int = 30) -> str:
        logs = self.client("logs")
        days = allowed_retention(retention_days)
        group = self._log_group(name)
        if group is None:
            with ignoring("ResourceAlreadyExistsException"):
                logs.create_log_group(logGroupName=name, tags={MANAGED_TAG: "true"})
            group = self._log_group(name) or {}
        if group.get("retentionInDays") != days:
            logs.put_retention_policy(logGroupName=name, retentionInDays=days)
        arn = group.get("logGroupArn") or group.get("arn", "")
        return arn[:-2] if arn.endswith(":*") else arn

    def _log_group(self, name: str) -> Optional[dict[str, Any]]:
        resp = self.client("logs").describe_log_groups(logGroupNamePrefix=name, limit=50)
        return next((g for g in resp.get("logGroups", []) if g["logGroupName"] == name), None)

    def read_logs(self, group: str, stream_prefix: str, start_ms: Optional[int] = None,
                  next_token: Optional[str] = None, limit: int = 100) -> tuple[list[dict[str, Any]], Optional[str]]:
        kwargs: dict[str, Any] = {"logGroupName": group, "limit": max(1, min(limit, 10000))}
        streams = self._log_streams_filter(group, stream_prefix)
        if streams is None:  # no stream of that prefix (sandbox only)
            return [], None
        kwargs.update(streams)
        if start_ms is not None:
            kwargs["startTime"] = int(start_ms)
        if next_token:
            kwargs["nextToken"] = next_token
        try:
            resp = self.client("logs").filter_log_events(**kwargs)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":  # no task has logged yet
                return [], None
            raise
        # Filter again here: moto ignores logStreamNamePrefix (SandboxCloud names the streams instead).
        events = [{"ts": e["timestamp"], "message": e["message"], "stream": e.get("logStreamName", "")}
                  for e in resp.get("events", []) if e.get("logStreamName", "").startswith(stream_prefix or "")]
        return events, resp.get("nextToken")

    def _log_streams_filter(self, group: str, stream_prefix: str) -> Optional[dict[str, Any]]:
        """FilterLogEvents arguments that pick the streams (None: no stream can match)."""
        return {"logStreamNamePrefix": stream_prefix} if stream_prefix else {}

    # --- secrets (SSM Parameter Store) -------------------------------------------
    def put_secret(self, name: str, value: str) -> dict[str, Any]:
        """Store value as a SecureString; the returned ARN goes into a task definition's valueFrom.

        Writes only when the value changed, so a repeated call keeps the version.
        """
        if not name.startswith(naming.SECRET_PREFIX + "/"):
            raise ValueError(f"secret parameter names must start with {naming.SECRET_PREFIX}/ "
                             "(the task execution role may read only those)")
        ssm = self.client("ssm")
        try:
            current = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        except Exception as exc:
            if error_code(exc) != "ParameterNotFound":
                raise
            current = None
        if current is not None and current.get("Value") == value:
            return {"arn": current.get("ARN") or self._parameter_arn(name), "version": current["Version"],
                    "changed": False}
        kwargs: dict[str, Any] = {"Name": name, "Value": value, "Type": "SecureString", "Overwrite": True}
        if len(value.encode()) > SSM_STANDARD_MAX_BYTES:
            kwargs["Tier"] = "Advanced"
        version = ssm.put_parameter(**kwargs)["Version"]
        arn = (current or {}).get("ARN") or self._parameter_arn(name)
        return {"arn": arn, "version": version, "changed": True}

    def delete_secret(self, name: str) -> None:
        with ignoring("ParameterNotFound"):
            self.client("ssm").delete_parameter(Name=name)

    def _parameter_arn(self, name: str) -> str:
        path = name if name.startswith("/") else "/" + name
        return f"arn:{self.partition}:ssm:{self.region}:{self.account_id()}:parameter{path}"

