"""ECS: task definitions, services, one-off tasks, and watching a rollout."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud import capacity as capacities
from chalicelib.cloud import naming, observer, taskdef
from chalicelib.cloud.automation import drop_scheduled_actions
from chalicelib.cloud.base import MANAGED_TAG, aws_tags, ignoring
from chalicelib.cloud.errors import RetryLater, error_code
from chalicelib.cloud.foundation import FoundationMixin
from chalicelib.cloud.port import ContainerSpec, Network, RolloutStatus

DEPLOYMENT_CONFIGURATION = {
    "minimumHealthyPercent": 100,  # keep full capacity while the new tasks start
    "maximumPercent": 200,
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
}
HEALTH_CHECK_GRACE_SECONDS = 60
# Deployment id when ECS does not report a PRIMARY for our task definition (moto's update_service).
TASKDEF_MARKER = observer.TASKDEF_MARKER


def deployment_marker(task_definition_arn: str) -> str:
    return TASKDEF_MARKER + task_definition_arn


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def summarize_service(svc: dict[str, Any]) -> dict[str, Any]:
    """A JSON-able digest of an ECS service (what describe_service returns)."""
    return {
        "arn": svc["serviceArn"],
        "name": svc["serviceName"],
        "status": svc.get("status"),
        "task_definition": svc.get("taskDefinition"),
        "desired": svc.get("desiredCount", 0),
        "running": svc.get("runningCount", 0),
        "pending": svc.get("pendingCount", 0),
        "load_balancers": [{"target_group_arn": lb.get("targetGroupArn"), "container_name": lb.get("containerName"),
                            "container_port": lb.get("containerPort")} for lb in svc.get("loadBalancers", [])],
        "service_registries": sorted(r.get("registryArn") for r in svc.get("serviceRegistries") or []),
        # [[provider, base, weight]]: where its tasks run (a FARGATE launch type reads as [["FARGATE", 0, 1]])
        "capacity": [list(x) for x in capacities.key(svc.get("capacityProviderStrategy"))],
        "deployments": [{
            "id": d.get("id"), "status": d.get("status"), "task_definition": d.get("taskDefinition"),
            "rollout_state": d.get("rolloutState"), "rollout_state_reason": d.get("rolloutStateReason"),
            "desired": d.get("desiredCount", 0), "running": d.get("runningCount", 0),
            "pending": d.get("pendingCount", 0), "failed_tasks": d.get("failedTasks", 0),
            "created_at": _iso(d.get("createdAt")), "updated_at": _iso(d.get("updatedAt")),
        } for d in svc.get("deployments", [])],
        "events": [{"at": _iso(e.get("createdAt")), "message": e.get("message", "")}
                   for e in svc.get("events", [])[:10]],
    }


class ComputeMixin(FoundationMixin):
    # --- task definitions --------------------------------------------------------
    def register_task_definition(self, family: str, container: ContainerSpec) -> dict[str, Any]:
        """Register a Fargate revision, or return the latest ACTIVE one when it is identical."""
        request = taskdef.build_request(family, container, self.region, self.execution_role_arn())
        digest = taskdef.spec_hash(request)
        latest = self._latest_active_revision(family)
        if latest is not None:
            td, tags = latest
            if any(t.get("key") == taskdef.SPEC_TAG and t.get("value") == digest for t in tags):
                return {"arn": td["taskDefinitionArn"], "revision": td["revision"], "reused": True}
        td = self.client("ecs").register_task_definition(
            **request, tags=aws_tags({taskdef.SPEC_TAG: digest}, key="key", value="value"),
        )["taskDefinition"]
        return {"arn": td["taskDefinitionArn"], "revision": td["revision"], "reused": False}

    def _latest_active_revision(self, family: str) -> Optional[tuple[dict[str, Any], list[dict[str, str]]]]:
        ecs = self.client("ecs")
        try:
            resp = ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
        except Exception as exc:
            if error_code(exc) == "ClientException":  # no revision of this family yet
                return None
            raise
        if resp["taskDefinition"].get("status") == "ACTIVE":
            return resp["taskDefinition"], resp.get("tags", [])
        # AWS answers the latest ACTIVE revision; moto the latest of any status.
        arns = self.list_task_definitions(family)
        if not arns:
            return None
        resp = ecs.describe_task_definition(taskDefinition=arns[0], include=["TAGS"])
        return resp["taskDefinition"], resp.get("tags", [])

    def list_task_definitions(self, family: str) -> list[str]:
        """ACTIVE revisions of exactly this family, newest first."""
        paginator = self.client("ecs").get_paginator("list_task_definitions")
        arns: list[str] = []
        for page in paginator.paginate(familyPrefix=family, status="ACTIVE", sort="DESC"):
            arns.extend(a for a in page.get("taskDefinitionArns", []) if naming.task_definition_family(a) == family)
        return sorted(arns, key=lambda a: int(a.rsplit(":", 1)[1]), reverse=True)

    def deregister_task_definition(self, arn: str) -> None:
        # Deregistering twice is fine on AWS; a revision that never existed is a ClientException.
        with ignoring("ClientException"):
            self.client("ecs").deregister_task_definition(taskDefinition=arn)

    # --- services ------------------------------------------------------------------
    def _raw_service(self, name: str) -> Optional[dict[str, Any]]:
        try:
            resp = self.client("ecs").describe_services(cluster=self.cluster, services=[name])
        except Exception as exc:  # no cluster (nothing was ever deployed, or it was removed): no service
            if error_code(exc) == "ClusterNotFoundException":
                return None
            raise
        for svc in resp.get("services", []):
            if svc.get("status") != "INACTIVE":  # deleted services linger as INACTIVE
                return svc
        return None

    def describe_service(self, name: str) -> Optional[dict[str, Any]]:
        svc = self._raw_service(name)
        return summarize_service(svc) if svc else None

    def ensure_service(self, name: str, task_definition_arn: str, desired_count: int, network: Network,
                       target_group_arn: Optional[str] = None, container_name: Optional[str] = None,
                       container_port: Optional[int] = None, force_new_deployment: bool = False,
                       service_registries: Optional[list[str]] = None,
                       capacity: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
        """Create the service, or point it at task_definition_arn.

        capacity: ECS's capacity provider strategy (cloud/capacity.py: regular Fargate, Fargate Spot
        or both); None keeps an existing service's. A change starts a new deployment, which moves the
        tasks (UpdateService alone would leave the running ones where they are).

        service_registries: the Cloud Map service ARNs its tasks register in (A records);
        None leaves an existing service's registries as they are (a rollback, a cancel).

        An unchanged service (same task definition, count, network and load
        balancer) is left alone: a redelivered deploy must not start a second
        rollout. force_new_deployment=True restarts the tasks anyway (a "restart"
        button, or a mutable image tag re-pushed; deploy by digest to avoid that).
        """
        if target_group_arn and not (container_name and container_port):
            raise ValueError("a service behind a target group needs container_name and container_port")
        load_balancers = ([{"targetGroupArn": target_group_arn, "containerName": container_name,
                            "containerPort": int(container_port)}] if target_group_arn else [])  # type: ignore[arg-type]
        awsvpc = {"awsvpcConfiguration": self._awsvpc(network)}
        registries = None if service_registries is None else [{"registryArn": a} for a in sorted(service_registries)]
        svc = self._raw_service(name)
        if svc is None:
            svc, created = self._create_service(name, task_definition_arn, desired_count, awsvpc, load_balancers,
                                                registries or [], capacity or capacities.strategy(None))
            if created:
                return {"arn": svc["serviceArn"], "deployment_id": self._deployment_id(svc, task_definition_arn)}
        if svc.get("status") == "DRAINING":
            raise RetryLater(f"service {name} is still being deleted; try again in a minute")
        desired = self._desired_on_update(name, svc, desired_count)
        changed = (svc.get("taskDefinition") != task_definition_arn
                   or svc.get("desiredCount") != desired
                   or self._net_key(svc.get("networkConfiguration")) != self._net_key(awsvpc)
                   or self._lb_key(svc.get("loadBalancers", [])) != self._lb_key(load_balancers)
                   or (registries is not None and self._registry_key(svc) != self._registry_key({"serviceRegistries": registries})))
        moved = capacity is not None and capacities.key(svc.get("capacityProviderStrategy")) != capacities.key(capacity)
        if changed or force_new_deployment or moved:
            svc = self._update_service(name, svc, task_definition_arn, desired, awsvpc, load_balancers,
                                       force_new_deployment or moved, registries, capacity if moved else None)
        return {"arn": svc["serviceArn"], "deployment_id": self._deployment_id(svc, task_definition_arn)}

    def _create_service(self, name: str, td: str, desired: int, awsvpc: dict[str, Any],
                        load_balancers: list[dict[str, Any]], registries: list[dict[str, Any]],
                        capacity: list[dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        kwargs: dict[str, Any] = dict(
            cluster=self.cluster, serviceName=name, taskDefinition=td, desiredCount=desired,
            capacityProviderStrategy=capacity, platformVersion="LATEST", networkConfiguration=awsvpc,
            deploymentConfiguration=DEPLOYMENT_CONFIGURATION, propagateTags="SERVICE",
            enableECSManagedTags=True, tags=aws_tags(key="key", value="value"),
        )
        if load_balancers:
            kwargs.update(loadBalancers=load_balancers, healthCheckGracePeriodSeconds=HEALTH_CHECK_GRACE_SECONDS)
        if registries:
            kwargs["serviceRegistries"] = registries
        try:
            return self.client("ecs").create_service(**kwargs)["service"], True
        except Exception as exc:
            # A concurrent (redelivered) call created it first: fall through to the update path.
            if error_code(exc) == "InvalidParameterException" and "idempotent" in str(exc).lower():
                svc = self._raw_service(name)
                if svc is not None:
                    return svc, False
            raise

    def _update_service(self, name: str, svc: dict[str, Any], td: str, desired: int, awsvpc: dict[str, Any],
                        load_balancers: list[dict[str, Any]], force: bool,
                        registries: Optional[list[dict[str, Any]]] = None,
                        capacity: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = dict(
            cluster=self.cluster, service=name, taskDefinition=td,
            desiredCount=desired,
            networkConfiguration=awsvpc, deploymentConfiguration=DEPLOYMENT_CONFIGURATION,
            forceNewDeployment=force,
        )
        if self._lb_key(svc.get("loadBalancers", [])) != self._lb_key(load_balancers):
            kwargs["loadBalancers"] = load_balancers
        if load_balancers:
            kwargs["healthCheckGracePeriodSeconds"] = HEALTH_CHECK_GRACE_SECONDS
        if registries is not None and self._registry_key(svc) != self._registry_key({"serviceRegistries": registries}):
            kwargs["serviceRegistries"] = registries   # UpdateService replaces the list (ECS, since 2023)
        if capacity is not None:
            kwargs["capacityProviderStrategy"] = capacity
        try:
            return self.client("ecs").update_service(**kwargs)["service"]
        except Exception as exc:
            if capacity is not None and svc.get("launchType") and error_code(exc) == "InvalidParameterException":
                # made with the FARGATE launch type (before services were made with a strategy)
                raise ValueError(f"ECS cannot move service {name}, made with the FARGATE launch type, onto a "
                                 f"capacity provider strategy ({exc}): delete and deploy the service again to "
                                 "use Fargate Spot") from exc
            raise

    def _desired_on_update(self, name: str, svc: dict[str, Any], desired: int) -> int:
        """With autoscaling on, keep the scaled count (clamped to the range) instead of
        resetting it to the deploy's count in the middle of traffic."""
        rng = self._scalable_range(name)
        if rng is None:
            return desired
        lo, hi = rng
        return max(lo, min(int(svc.get("desiredCount", desired)), hi))

    def _scalable_range(self, name: str) -> Optional[tuple[int, int]]:
        resp = self.client("application-autoscaling").describe_scalable_targets(
            ServiceNamespace="ecs", ResourceIds=[naming.scaling_resource_id(self.cluster, name)],
            ScalableDimension="ecs:service:DesiredCount")
        targets = resp.get("ScalableTargets", [])
        return (targets[0]["MinCapacity"], targets[0]["MaxCapacity"]) if targets else None

    @staticmethod
    def _net_key(cfg: Optional[dict[str, Any]]) -> tuple[Any, ...]:
        vpc = (cfg or {}).get("awsvpcConfiguration") or {}
        return (sorted(vpc.get("subnets", [])), sorted(vpc.get("securityGroups", [])),
                vpc.get("assignPublicIp", "DISABLED"))

    @staticmethod
    def _lb_key(lbs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted((lb.get("targetGroupArn"), lb.get("containerName"), lb.get("containerPort")) for lb in lbs)

    @staticmethod
    def _registry_key(svc: dict[str, Any]) -> list[Any]:
        return sorted(r.get("registryArn") for r in svc.get("serviceRegistries") or [])

    @staticmethod
    def _deployment_id(svc: dict[str, Any], td: str) -> str:
        for d in svc.get("deployments", []):
            if d.get("status") == "PRIMARY" and d.get("taskDefinition") == td:
                return d["id"]
        # moto's update_service keeps the old deployments: name the rollout by its task definition.
        return deployment_marker(td)

    def scale_to_zero(self, name: str) -> bool:
        """Suspend: no tasks, and a scalable target (present only when the service's settings ask
        for autoscaling) held at 0..0 first, so autoscaling starts none again. Nothing is
        remembered: a resume restores both from the release's settings. Idempotent.
        -> whether there was an ECS service."""
        svc = self._raw_service(name)
        if svc is None:
            return False
        if self._scalable_range(name) is not None:
            aas, resource = self.client("application-autoscaling"), naming.scaling_resource_id(self.cluster, name)
            aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource,
                                         ScalableDimension="ecs:service:DesiredCount", MinCapacity=0, MaxCapacity=0)
            # a scheduled scale-up (deploys/scaling.py) would start tasks again: the resume puts them back
            drop_scheduled_actions(aas, resource, name)
        if svc.get("desiredCount"):
            self.client("ecs").update_service(cluster=self.cluster, service=name, desiredCount=0)
        return True

    def delete_service(self, name: str) -> None:
        svc = self._raw_service(name)
        if svc is None:
            return
        with ignoring("ObjectNotFoundException", "ValidationException"):
            self.client("application-autoscaling").deregister_scalable_target(
                ServiceNamespace="ecs", ResourceId=naming.scaling_resource_id(self.cluster, name),
                ScalableDimension="ecs:service:DesiredCount")
        ecs = self.client("ecs")
        with ignoring("ServiceNotFoundException", "ServiceNotActiveException"):
            if svc.get("desiredCount"):
                ecs.update_service(cluster=self.cluster, service=name, desiredCount=0)
            ecs.delete_service(cluster=self.cluster, service=name, force=True)

    # --- one-off tasks -------------------------------------------------------------
    def run_task(self, task_definition_arn: str, network: Network, env: Optional[dict[str, str]] = None,
                 client_token: Optional[str] = None, command: Optional[list[str]] = None,
                 container: Optional[str] = None, release: bool = False) -> dict[str, Any]:
        """Start one Fargate task. Pass client_token (<= 64 chars, e.g. the run id) so a
        redelivered call does not start a second task. env and release (a release command:
        LAUNCHBAY_SANDBOX_FAIL=release fails it) are read only by the sandbox.
        command (with the container's name): run that instead of the image's command
        (a release command, a one-off run), the task definition otherwise unchanged."""
        kwargs: dict[str, Any] = dict(
            cluster=self.cluster, taskDefinition=task_definition_arn, launchType="FARGATE",
            platformVersion="LATEST", count=1, startedBy="launchbay",
            networkConfiguration={"awsvpcConfiguration": self._awsvpc(network)},
            propagateTags="TASK_DEFINITION", enableECSManagedTags=True,
        )
        if client_token:
            kwargs["clientToken"] = naming.idempotency_token("run", client_token, n=64)
        if command:
            if not container:
                raise ValueError("a command override needs the container's name")
            kwargs["overrides"] = {"containerOverrides": [{"name": container, "command": list(command)}]}
        resp = self.client("ecs").run_task(**kwargs)
        tasks = resp.get("tasks", [])
        if not tasks:
            failures = "; ".join(f"{f.get('arn', '')} {f.get('reason', '')} {f.get('detail', '')}".strip()
                                 for f in resp.get("failures", []))
            raise RuntimeError(f"ECS did not start the task: {failures or 'no reason given'}")
        return {"task_arn": tasks[0]["taskArn"], "started": True}

    def stop_task(self, task_arn: str, reason: str) -> bool:
        """Stop a one-off task (a release command cancelled or out of time). -> False when ECS
        no longer knows it; stopping a stopped task is harmless."""
        try:
            self.client("ecs").stop_task(cluster=self.cluster, task=task_arn, reason=reason[:255])
        except Exception as exc:
            if error_code(exc) in ("InvalidParameterException", "ClientException"):
                return False
            raise
        return True

    # --- rollout ---------------------------------------------------------------------
    def observe_rollout(self, service_name: str, deployment_id: str, env: dict[str, str],
                        started_at: float) -> RolloutStatus:
        return observer.observe(self.client("ecs"), self.client("elbv2"), self.cluster, service_name,
                                deployment_id)


__all__ = ["ComputeMixin", "DEPLOYMENT_CONFIGURATION", "MANAGED_TAG", "deployment_marker", "summarize_service"]
