"""The VPC (public subnets for the load balancer and NAT, private ones for everything else)
and every security group with its rules, so that the other stacks only take them."""
from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from .config import StageConfig

API_PORT = 8000   # gunicorn in the API container (Dockerfile)
UI_PORT = 80      # nginx in the UI container (infra/ui/Dockerfile)


class NetworkStack(Stack):
    def __init__(self, scope: Construct, cid: str, cfg: StageConfig, **kwargs) -> None:
        super().__init__(scope, cid, **kwargs)
        self.vpc = ec2.Vpc(
            self, "Vpc", availability_zones=cfg.azs, nat_gateways=cfg.sizes["nat_gateways"],
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20),
            ])
        self.vpc.add_flow_log("FlowLog")

        def group(name: str, description: str) -> ec2.SecurityGroup:
            return ec2.SecurityGroup(self, name, vpc=self.vpc, description=description, allow_all_outbound=True)

        # The only group open to the internet: the public load balancer, HTTPS and the redirect from HTTP.
        self.alb = group("AlbSg", "public load balancer: 443 and 80 (redirected) from anywhere")
        self.alb.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS")
        self.alb.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP, redirected to HTTPS")
        self.api = group("ApiSg", "the API: Lambda in the VPC and the Fargate fallback")
        self.api.add_ingress_rule(self.alb, ec2.Port.tcp(API_PORT), "the load balancer to the API container")
        self.worker = group("WorkerSg", "Celery workers (no inbound)")
        self.beat = group("BeatSg", "Celery beat (no inbound)")
        self.ui = group("UiSg", "nginx serving the web UI")
        self.ui.add_ingress_rule(self.alb, ec2.Port.tcp(UI_PORT), "the load balancer to nginx")
        self.redis = group("RedisSg", "ElastiCache Redis: from the API, workers and beat")
        self.search = group("SearchSg", "OpenSearch: from the API, workers and beat")
        for client in (self.api, self.worker, self.beat):
            self.redis.add_ingress_rule(client, ec2.Port.tcp(6379), "Celery broker and throttles (TLS)")
            self.search.add_ingress_rule(client, ec2.Port.tcp(443), "OpenSearch over HTTPS")
