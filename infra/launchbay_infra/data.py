"""Data: the secrets (Secrets Manager), ElastiCache Redis for Celery and the throttles, and
the OpenSearch domain. MongoDB is Atlas: only its connection string lives here, in a secret.

Secrets reach the processes by ARN (LAUNCHBAY_SECRET_ARNS, read at start by
chalicelib/core/secret_env.py): no value is in a template or a plain environment variable."""
from __future__ import annotations

import json

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_iam as iam
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import aws_secretsmanager as sm
from constructs import Construct

from .config import StageConfig
from .network import NetworkStack

# Keys of the app secret the operator fills after the first deploy (docs/deploy-aws.md).
OPERATOR_KEYS = ("MONGODB_URI", "LAUNCHBAY_SECRETS_KEY")
SEARCH_USER = "launchbay"


class DataStack(Stack):
    def __init__(self, scope: Construct, cid: str, cfg: StageConfig, net: NetworkStack, **kwargs) -> None:
        super().__init__(scope, cid, **kwargs)
        keep = RemovalPolicy.RETAIN if cfg.prod else RemovalPolicy.DESTROY
        private = net.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)

        # --- secrets ---------------------------------------------------------------------------
        self.app_secret = sm.Secret(
            self, "AppSecret", secret_name=f"{cfg.prefix}/app", removal_policy=keep,
            description="MONGODB_URI (Atlas) and LAUNCHBAY_SECRETS_KEY: fill after the first deploy; "
                        "LAUNCHBAY_JWT_SECRET is generated",
            generate_secret_string=sm.SecretStringGenerator(
                secret_string_template=json.dumps({k: "" for k in OPERATOR_KEYS}),
                generate_string_key="LAUNCHBAY_JWT_SECRET", password_length=64, exclude_punctuation=True))
        self.redis_secret = sm.Secret(
            self, "RedisSecret", secret_name=f"{cfg.prefix}/redis", removal_policy=keep,
            description="ElastiCache auth token (REDIS_PASSWORD)",
            generate_secret_string=sm.SecretStringGenerator(
                secret_string_template="{}", generate_string_key="REDIS_PASSWORD", password_length=64,
                exclude_punctuation=True))
        self.search_secret = sm.Secret(
            self, "SearchSecret", secret_name=f"{cfg.prefix}/opensearch", removal_policy=keep,
            description="OpenSearch fine-grained access master user",
            generate_secret_string=sm.SecretStringGenerator(
                secret_string_template=json.dumps({"OPENSEARCH_USERNAME": SEARCH_USER}),
                generate_string_key="OPENSEARCH_PASSWORD", password_length=40, require_each_included_type=True,
                exclude_characters="\"'@/\\:%?#&+ `"))
        self.secrets = (self.app_secret, self.redis_secret, self.search_secret)

        # --- Redis (Celery broker and results, throttle counters) ---------------------------------
        subnets = elasticache.CfnSubnetGroup(
            self, "RedisSubnets", description="Launchbay Redis", subnet_ids=private.subnet_ids)
        replicas = cfg.sizes["redis_replicas"]
        self.redis = elasticache.CfnReplicationGroup(
            self, "Redis", replication_group_description=f"{cfg.prefix} Celery broker",
            engine="redis", engine_version="7.1", cache_node_type=cfg.sizes["redis_node"],
            num_cache_clusters=1 + replicas, automatic_failover_enabled=replicas > 0,
            multi_az_enabled=replicas > 0, cache_subnet_group_name=subnets.ref,
            security_group_ids=[net.redis.security_group_id],
            transit_encryption_enabled=True, at_rest_encryption_enabled=True,
            auth_token=self.redis_secret.secret_value_from_json("REDIS_PASSWORD").unsafe_unwrap(),
            snapshot_retention_limit=7 if cfg.prod else 0)
        self.redis.apply_removal_policy(keep)
        # The password is put in by secret_env (rediss://:PASSWORD@host:port/0).
        self.redis_url = f"rediss://{self.redis.attr_primary_end_point_address}:{self.redis.attr_primary_end_point_port}/0"

        # --- OpenSearch ----------------------------------------------------------------------------
        nodes = cfg.sizes["search_nodes"]
        self.search = opensearch.Domain(
            self, "Search", version=opensearch.EngineVersion.OPENSEARCH_2_19, removal_policy=keep,
            vpc=net.vpc, vpc_subnets=[ec2.SubnetSelection(subnets=private.subnets[:nodes])],
            security_groups=[net.search],
            capacity=opensearch.CapacityConfig(data_nodes=nodes, data_node_instance_type=cfg.sizes["search_node"],
                                               multi_az_with_standby_enabled=False),
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=nodes > 1, availability_zone_count=nodes)
            if nodes > 1 else None,
            ebs=opensearch.EbsOptions(volume_size=cfg.sizes["search_volume_gb"]),
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True),
            node_to_node_encryption=True, enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            fine_grained_access_control=opensearch.AdvancedSecurityOptions(
                master_user_name=SEARCH_USER,
                master_user_password=self.search_secret.secret_value_from_json("OPENSEARCH_PASSWORD")))
        # In a VPC domain with fine-grained access control the resource policy lets requests reach
        # the domain; the master user (basic auth over HTTPS) is what authorizes them.
        self.search.add_access_policies(iam.PolicyStatement(
            actions=["es:ESHttp*"], principals=[iam.AnyPrincipal()], resources=[f"{self.search.domain_arn}/*"]))
        self.search_url = f"https://{self.search.domain_endpoint}"
