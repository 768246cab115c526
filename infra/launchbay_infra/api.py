"""The API on Lambda behind API Gateway, through Chalice's own CDK construct (`chalice
package` of the repository root with the stage's settings from .chalice/config.json),
placed in the VPC's private subnets to reach Redis and OpenSearch."""
from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from .bundle import LeanChalice
from .config import StageConfig
from .data import DataStack
from .network import NetworkStack
from .services import environment

ROOT = Path(__file__).resolve().parents[2]


def chalice_stage(cfg: StageConfig) -> dict:
    conf = json.loads((ROOT / ".chalice" / "config.json").read_text())
    stage = dict(conf["stages"][cfg.stage])
    stage["lambda_memory_size"] = cfg.sizes["lambda_memory"]
    return stage


class ApiStack(Stack):
    def __init__(self, scope: Construct, cid: str, cfg: StageConfig, net: NetworkStack, data: DataStack,
                 **kwargs) -> None:
        super().__init__(scope, cid, **kwargs)
        self.api_name = cfg.prefix
        self.chalice = LeanChalice(self, "Launchbay", source_dir=str(ROOT), stage_config=chalice_stage(cfg))
        cfn = self.chalice.sam_template
        private = net.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        env = environment(cfg, data, lambda_=True)
        self.functions: list[CfnResource] = []
        roles: list[CfnResource] = []
        for child in cfn.node.children:
            if not isinstance(child, CfnResource):
                continue
            if child.cfn_resource_type == "AWS::Serverless::Function":
                self.functions.append(child)
                for key, value in env.items():
                    child.add_property_override(f"Environment.Variables.{key}", value)
                child.add_property_override("VpcConfig", {"SubnetIds": private.subnet_ids,
                                                          "SecurityGroupIds": [net.api.security_group_id]})
            elif child.cfn_resource_type == "AWS::IAM::Role":
                roles.append(child)
        rest = cfn.get_resource("RestAPI")
        rest.add_property_override("Name", self.api_name)
        rest.add_property_override("TracingEnabled", cfg.prod)
        self.handler = cfn.get_resource("APIHandler")
        # Each function's role (from .chalice/policy-<stage>.json) may also read the three secrets.
        iam.CfnPolicy(self, "ReadSecrets", policy_name="launchbay-read-secrets",
                      roles=[r.ref for r in roles],
                      policy_document=iam.PolicyDocument(statements=[iam.PolicyStatement(
                          actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                          resources=[s.secret_arn for s in data.secrets])]).to_json())
        self.url = f"https://{rest.ref}.execute-api.{self.region}.{self.url_suffix}/api"
