"""The IAM role a customer creates in their AWS account so Launchbay can deploy there: its
least-privilege policy (exactly the calls chalicelib/cloud makes; tests/cloud/test_cloud_access.py
records every call of a full deploy, run, log read and teardown and checks each is allowed
here), the trust policy (the platform's account, with the connection's external id), the
CloudFormation template that creates it, and the check Launchbay makes of that trust itself.
Pure functions: no AWS call happens here."""
from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any, Optional

from chalicelib.cloud import naming

ROLE_PREFIX = "launchbay-access"
ROLE_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$")
STACK_NAME = "launchbay-access"
# The roles the adapter creates in the account (foundation.py) and hands to ECS and EventBridge.
MANAGED_ROLES = (naming.EXECUTION_ROLE_NAME, naming.EVENTS_ROLE_NAME, naming.CODEBUILD_ROLE_NAME)

# Actions per statement; resources are narrowed where the service supports it.
_READ = [
    "ecs:DescribeClusters", "ecs:DescribeServices", "ecs:DescribeTaskDefinition", "ecs:DescribeTasks",
    "ecs:ListTasks", "ecs:ListTaskDefinitions", "ecs:ListServices",
    "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
    "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerCertificates", "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetHealth",
    "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:FilterLogEvents",
    "ssm:DescribeParameters",
    "acm:DescribeCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate",
    "route53:ListHostedZones", "route53:ListResourceRecordSets",
    "events:DescribeRule", "events:ListTargetsByRule",
    "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:DescribeScheduledActions",
    "ecr:DescribeImages", "ecr:DescribeRepositories",
    "codebuild:BatchGetProjects", "codebuild:BatchGetBuilds", "logs:GetLogEvents",
    "cloudwatch:GetMetricData",
    "servicediscovery:ListNamespaces", "servicediscovery:GetNamespace", "servicediscovery:GetOperation",
    "servicediscovery:ListServices", "servicediscovery:GetService", "servicediscovery:ListInstances",
]
_WRITE_ANY = [  # these APIs take no resource-level permissions (or only a generated name)
    "ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:TagResource",
    "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService", "ecs:RunTask", "ecs:StopTask", "ecs:DeleteCluster",
    "ecs:PutClusterCapacityProviders",
    "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags",
    "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup",
    "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:CreateRule", "elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:AddTags",
    "acm:RequestCertificate", "acm:AddTagsToCertificate",
    "route53:ChangeResourceRecordSets",
    "application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy",
    "application-autoscaling:PutScheduledAction", "application-autoscaling:DeleteScheduledAction",
    # private networking (cloud/discovery.py): Cloud Map makes the namespace's private hosted zone
    "servicediscovery:CreatePrivateDnsNamespace", "servicediscovery:DeleteNamespace", "servicediscovery:CreateService",
    "servicediscovery:DeleteService", "servicediscovery:DeregisterInstance", "servicediscovery:TagResource",
    "route53:CreateHostedZone", "route53:GetHostedZone", "route53:ListHostedZonesByName", "route53:DeleteHostedZone",
    "ec2:DescribeVpcAttribute",
    # static egress (cloud/egress.py): an environment's NAT gateway, Elastic IP and private subnets
    "ec2:DescribeNatGateways", "ec2:DescribeAddresses", "ec2:DescribeRouteTables",
    "ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:CreateNatGateway", "ec2:DeleteNatGateway",
    "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:CreateRoute", "ec2:AssociateRouteTable",
    "ec2:DisassociateRouteTable", "ec2:CreateSubnet", "ec2:DeleteSubnet",
]

# Managed resources (cloud/datastores.py): databases, caches and buckets named launchbay-*, and the
# Secrets Manager secrets (launchbay/*) that carry their connections to the tasks.
_RESOURCES = [
    "rds:CreateDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:CreateDBInstance", "rds:ModifyDBInstance",
    "rds:DeleteDBInstance", "rds:DescribeDBInstances", "rds:AddTagsToResource", "rds:CreateDBSnapshot",
    "rds:RestoreDBInstanceToPointInTime",
    "elasticache:CreateCacheSubnetGroup", "elasticache:DeleteCacheSubnetGroup", "elasticache:CreateReplicationGroup",
    "elasticache:ModifyReplicationGroup", "elasticache:DeleteReplicationGroup",
    "elasticache:DescribeReplicationGroups", "elasticache:AddTagsToResource", "elasticache:CreateSnapshot",
    "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:PutBucketPublicAccessBlock",
    "s3:PutEncryptionConfiguration", "s3:PutBucketTagging",
    "elasticfilesystem:CreateFileSystem", "elasticfilesystem:DescribeFileSystems",
    "elasticfilesystem:DeleteFileSystem", "elasticfilesystem:CreateMountTarget",
    "elasticfilesystem:DescribeMountTargets", "elasticfilesystem:DeleteMountTarget",
    "elasticfilesystem:CreateAccessPoint", "elasticfilesystem:DescribeAccessPoints",
    "elasticfilesystem:DeleteAccessPoint", "elasticfilesystem:PutLifecycleConfiguration",
    "elasticfilesystem:PutFileSystemPolicy",
    "elasticfilesystem:TagResource", "elasticfilesystem:CreateTags",
    "ec2:DeleteSecurityGroup", "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
]


def policy_document(partition: str = "aws") -> dict[str, Any]:
    """The role's permissions policy: what the Cloud adapters call, and nothing else."""
    p = partition
    roles = [f"arn:{p}:iam::*:role/{name}" for name in MANAGED_ROLES]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": _READ, "Resource": "*"},
        {"Sid": "Deploy", "Effect": "Allow", "Action": _WRITE_ANY, "Resource": "*"},
        {"Sid": "LogGroups", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:TagLogGroup",
                    "logs:DeleteLogGroup", "logs:DescribeSubscriptionFilters", "logs:PutSubscriptionFilter",
                    "logs:DeleteSubscriptionFilter"],
         "Resource": f"arn:{p}:logs:*:*:log-group:{naming.SECRET_PREFIX}/*"},
        {"Sid": "Secrets", "Effect": "Allow", "Action": ["ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter"],
         "Resource": f"arn:{p}:ssm:*:*:parameter{naming.SECRET_PREFIX}/*"},
        {"Sid": "Schedules", "Effect": "Allow",
         "Action": ["events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:DeleteRule"],
         "Resource": f"arn:{p}:events:*:*:rule/lb-*"},
        {"Sid": "Builds", "Effect": "Allow", "Action": ["codebuild:CreateProject", "codebuild:UpdateProject",
                                                        "codebuild:StartBuild", "codebuild:StopBuild",
                                                        "codebuild:DeleteProject"],
         "Resource": f"arn:{p}:codebuild:*:*:project/lb-*"},
        # ...and, for a release promoted to an environment in another account, let that account pull
        {"Sid": "ImageRepositories", "Effect": "Allow", "Action": ["ecr:CreateRepository", "ecr:TagResource",
                                                                       "ecr:DeleteRepository", "ecr:GetRepositoryPolicy",
                                                                       "ecr:SetRepositoryPolicy"],
         "Resource": f"arn:{p}:ecr:*:*:repository/launchbay/*"},
        {"Sid": "OwnRoles", "Effect": "Allow", "Action": ["iam:GetRole", "iam:CreateRole", "iam:PutRolePolicy",
                                                          "iam:TagRole"], "Resource": roles},
        # one task role per service (cloud/foundation.py ensure_task_role), and only those
        {"Sid": "TaskRoles", "Effect": "Allow", "Action": ["iam:GetRole", "iam:CreateRole", "iam:TagRole",
                                                           "iam:GetRolePolicy", "iam:PutRolePolicy",
                                                           "iam:DeleteRolePolicy", "iam:DeleteRole"],
         "Resource": f"arn:{p}:iam::*:role/{naming.TASK_ROLE_PREFIX}*"},
        {"Sid": "PassTaskRoles", "Effect": "Allow", "Action": ["iam:PassRole"],
         "Resource": f"arn:{p}:iam::*:role/{naming.TASK_ROLE_PREFIX}*",
         "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
        {"Sid": "ReadAccessRole", "Effect": "Allow", "Action": ["iam:GetRole"],
         "Resource": f"arn:{p}:iam::*:role/{ROLE_PREFIX}*"},
        {"Sid": "PassOwnRoles", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": roles,
         "Condition": {"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com", "events.amazonaws.com",
                                                                  "codebuild.amazonaws.com"]}}},
        {"Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"], "Resource": "*",
         "Condition": {"StringEquals": {"iam:AWSServiceName": [
             "ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com",
             "rds.amazonaws.com", "elasticache.amazonaws.com"]}}},
        {"Sid": "ManagedResources", "Effect": "Allow", "Action": _RESOURCES, "Resource": "*"},
        # managed queues (cloud/queues.py) and their dead-letter queues, named launchbay-*; the
        # message calls move dead letters back, and a purge empties one (resources/queues.py)
        {"Sid": "Queues", "Effect": "Allow",
         "Action": ["sqs:CreateQueue", "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
                    "sqs:TagQueue", "sqs:DeleteQueue", "sqs:ReceiveMessage", "sqs:SendMessage",
                    "sqs:DeleteMessage", "sqs:PurgeQueue"],
         "Resource": f"arn:{p}:sqs:*:*:launchbay-*"},
        # log drains (cloud/drains.py): a Firehose stream each, its bucket for failed deliveries and
        # the role it writes that with; one role CloudWatch Logs feeds the streams with
        {"Sid": "LogDrains", "Effect": "Allow",
         "Action": ["firehose:CreateDeliveryStream", "firehose:DescribeDeliveryStream", "firehose:UpdateDestination",
                    "firehose:DeleteDeliveryStream", "firehose:PutRecord", "firehose:TagDeliveryStream"],
         "Resource": f"arn:{p}:firehose:*:*:deliverystream/launchbay-*"},
        {"Sid": "LogDrainBuckets", "Effect": "Allow",
         "Action": ["s3:PutLifecycleConfiguration", "s3:DeleteObject"],
         "Resource": [f"arn:{p}:s3:::launchbay-*-drain-failed", f"arn:{p}:s3:::launchbay-*-drain-failed/*"]},
        {"Sid": "LogDrainRoles", "Effect": "Allow",
         "Action": ["iam:GetRole", "iam:CreateRole", "iam:TagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                    "iam:DeleteRole"],
         "Resource": [f"arn:{p}:iam::*:role/launchbay-*-firehose", f"arn:{p}:iam::*:role/{naming.DRAIN_LOGS_ROLE}"]},
        {"Sid": "PassLogDrainRoles", "Effect": "Allow", "Action": ["iam:PassRole"],
         "Resource": [f"arn:{p}:iam::*:role/launchbay-*-firehose", f"arn:{p}:iam::*:role/{naming.DRAIN_LOGS_ROLE}"],
         "Condition": {"StringEquals": {"iam:PassedToService": ["firehose.amazonaws.com", "logs.amazonaws.com"]}}},
        {"Sid": "ResourceConnections", "Effect": "Allow",
         "Action": ["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret",
                    "secretsmanager:DeleteSecret", "secretsmanager:TagResource"],
         "Resource": f"arn:{p}:secretsmanager:*:*:secret:launchbay/*"},
    ]}


def allowed_actions(partition: str = "aws") -> set[str]:
    return {a for s in policy_document(partition)["Statement"] for a in s["Action"]}


def trust_document(platform_account: str, external_id: str, partition: str = "aws") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{platform_account}:root"},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}]}


def role_name(connection_id: str) -> str:
    return f"{ROLE_PREFIX}-{connection_id.rsplit('_', 1)[-1][-12:]}"


def template(platform_account: str, external_id: str, name: str, partition: str = "aws") -> dict[str, Any]:
    """CloudFormation: the role, trusting the platform's account with this external id. The values
    are parameters (with this connection's as defaults), so one published copy serves everyone."""
    trust = trust_document("${PlatformAccountId}", "${ExternalId}", partition)
    stmt = trust["Statement"][0]
    stmt["Principal"]["AWS"] = {"Fn::Sub": stmt["Principal"]["AWS"]}
    stmt["Condition"]["StringEquals"]["sts:ExternalId"] = {"Ref": "ExternalId"}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Lets Launchbay deploy containers in this account (ECS Fargate behind an ALB)",
        "Parameters": {
            "PlatformAccountId": {"Type": "String", "Default": platform_account, "AllowedPattern": r"\d{12}",
                                  "Description": "the AWS account Launchbay runs in"},
            "ExternalId": {"Type": "String", "Default": external_id, "MinLength": 16,
                           "Description": "the connection's external id (Launchbay gives it)"},
            "RoleName": {"Type": "String", "Default": name, "AllowedPattern": ROLE_PREFIX + r"[\w+=,.@-]{0,47}"},
        },
        "Resources": {"LaunchbayAccessRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": {"Ref": "RoleName"}, "AssumeRolePolicyDocument": trust, "MaxSessionDuration": 3600,
            "Description": "Launchbay deploys here: see GET /v1/aws/policy.json",
            "Policies": [{"PolicyName": "launchbay", "PolicyDocument": policy_document(partition)}],
            "Tags": [{"Key": "launchbay:managed", "Value": "true"}]}}},
        "Outputs": {"RoleArn": {"Description": "paste this into Launchbay to finish the connection",
                                "Value": {"Fn::GetAtt": ["LaunchbayAccessRole", "Arn"]}}},
    }


def quick_create_url(template_url: str, region: str, external_id: str, platform_account: str, name: str) -> str:
    """The console's one-click stack creation; template_url must be the template published on S3."""
    query = urllib.parse.urlencode({"templateURL": template_url, "stackName": STACK_NAME,
                                    "param_ExternalId": external_id, "param_PlatformAccountId": platform_account,
                                    "param_RoleName": name})
    return f"https://console.aws.amazon.com/cloudformation/home?region={region}#/stacks/quickcreate?{query}"


def parse_role_arn(arn: str) -> Optional[tuple[str, str, str]]:
    """(partition, account, role name) of a role ARN, or None."""
    m = ROLE_ARN.match(arn or "")
    return (m.group(1), m.group(2), m.group(3)) if m else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def trust_problem(trust: Any, platform_account: str, external_id: str) -> Optional[str]:
    """Why this trust policy is not the one Launchbay asks for (None when it is): every statement
    that lets the platform's account (or anyone: "*") assume the role requires this external id,
    and at least one does. AWS enforces the trust on AssumeRole; Launchbay checks it too, so a
    role that skips the external id (the confused deputy) is refused, and the sandbox, whose
    AssumeRole checks nothing, follows the same rules. Other principals are the customer's own."""
    if isinstance(trust, str):
        trust = json.loads(urllib.parse.unquote(trust))
    ours = re.compile(rf"^({platform_account}|arn:[\w-]+:iam::{platform_account}:.*)$")
    found = False
    for stmt in _as_list((trust or {}).get("Statement") or []):
        if stmt.get("Effect") != "Allow" or not {"sts:AssumeRole", "sts:*", "*"} & set(_as_list(stmt.get("Action"))):
            continue
        principal = stmt.get("Principal")
        principals = _as_list(principal.get("AWS") if isinstance(principal, dict) else principal)
        if "*" in principals:
            return "the role's trust policy lets anyone (\"*\") assume it"
        if not any(ours.match(str(p)) for p in principals if p is not None):
            continue
        ids = _as_list(((stmt.get("Condition") or {}).get("StringEquals") or {}).get("sts:ExternalId"))
        if ids != [external_id]:
            return ("the role's trust policy lets Launchbay's account assume it without this connection's "
                    "external id (sts:ExternalId condition)")
        found = True
    if not found:
        return f"the role does not trust Launchbay's account {platform_account}"
    return None
