"""The public entrance: an Application Load Balancer with TLS, the web UI (nginx in the ui
image on EC2) behind it, and, with `-c api_container=true`, the API as an ECS Fargate service
behind the same load balancer at /v1 (the fallback when Lambda does not fit)."""
from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from .config import StageConfig
from .data import DataStack
from .network import API_PORT, UI_PORT, NetworkStack
from .registry import RegistryStack
from .services import XRAY_IMAGE, docker_host, environment, host_role, launch_template


class WebStack(Stack):
    def __init__(self, scope: Construct, cid: str, cfg: StageConfig, net: NetworkStack, data: DataStack,
                 registry: RegistryStack, image_tag: str, api_url: str, **kwargs) -> None:
        super().__init__(scope, cid, **kwargs)
        private = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.log_group = logs.LogGroup(self, "Logs", log_group_name=f"/{cfg.prefix}/web",
                                       retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY)
        self.alb = elbv2.ApplicationLoadBalancer(
            self, "Alb", vpc=net.vpc, internet_facing=True, security_group=net.alb,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC), drop_invalid_header_fields=True)
        cert = (acm.Certificate.from_certificate_arn(self, "Cert", cfg.certificate_arn) if cfg.certificate_arn
                else acm.Certificate(self, "Cert", domain_name=cfg.domain_name,
                                     validation=acm.CertificateValidation.from_dns()))
        self.alb.add_redirect(source_port=80, target_port=443)
        https = self.alb.add_listener("Https", port=443, certificates=[cert],
                                      ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS)

        # --- the UI: nginx serves the built bundle and passes /v1 to the API -----------------------
        ui_role = host_role(self, "UiRole", data, secrets=False)
        registry.repos["ui"].grant_pull(ui_role)
        self.log_group.grant_write(ui_role)
        upstream = f"http://{self.alb.load_balancer_dns_name}" if cfg.api_container else api_url
        ui_ud = docker_host(self, cfg, [{"name": "ui", "image": registry.repos["ui"].repository_uri_for_tag(image_tag),
                                         "args": ""}],
                            {"LAUNCHBAY_API_UPSTREAM": upstream}, self.log_group.log_group_name, xray=False)
        self.ui = autoscaling.AutoScalingGroup(
            self, "Ui", vpc=net.vpc, vpc_subnets=private,
            launch_template=launch_template(self, "UiTemplate", instance_type=cfg.sizes["ui_instance"],
                                            role=ui_role, sg=net.ui, user_data=ui_ud),
            min_capacity=cfg.sizes["ui_count"], max_capacity=cfg.sizes["ui_count"] * 2,
            update_policy=autoscaling.UpdatePolicy.rolling_update(max_batch_size=1))
        https.add_targets("UiTargets", port=UI_PORT, protocol=elbv2.ApplicationProtocol.HTTP, targets=[self.ui],
                          health_check=elbv2.HealthCheck(path="/", healthy_http_codes="200"),
                          deregistration_delay=Duration.seconds(30))

        # --- the API container (fallback), switched on by context -----------------------------------
        self.api_service: ecs.FargateService | None = None
        if cfg.api_container:
            cluster = ecs.Cluster(self, "ApiCluster", vpc=net.vpc,
                                  container_insights_v2=ecs.ContainerInsights.ENABLED)
            task = ecs.FargateTaskDefinition(self, "ApiTask", cpu=512, memory_limit_mib=1024)
            for secret in data.secrets:
                secret.grant_read(task.task_role)
            env = environment(cfg, data, proxy_hops=1)
            log = ecs.LogDrivers.aws_logs(stream_prefix="api", log_group=self.log_group)
            task.add_container("api", image=ecs.ContainerImage.from_ecr_repository(registry.repos["api"], image_tag),
                               environment=env, logging=log, port_mappings=[ecs.PortMapping(container_port=API_PORT)],
                               readonly_root_filesystem=False)
            if env["LAUNCHBAY_XRAY"] == "true":
                task.add_container("xray", image=ecs.ContainerImage.from_registry(XRAY_IMAGE), logging=log,
                                   port_mappings=[ecs.PortMapping(container_port=2000, protocol=ecs.Protocol.UDP)])
                task.task_role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(
                    "AWSXRayDaemonWriteAccess"))
            self.api_service = ecs.FargateService(
                self, "ApiService", cluster=cluster, task_definition=task, desired_count=cfg.sizes["api_tasks"],
                security_groups=[net.api], vpc_subnets=private, assign_public_ip=False,
                circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True))
            https.add_targets("ApiTargets", priority=10, conditions=[elbv2.ListenerCondition.path_patterns(["/v1/*"])],
                              port=API_PORT, protocol=elbv2.ApplicationProtocol.HTTP, targets=[self.api_service],
                              health_check=elbv2.HealthCheck(path="/v1/health", healthy_http_codes="200"),
                              deregistration_delay=Duration.seconds(30))
