"""The synthesized templates hold the whole stack, and its safety rules hold: nothing but
the public load balancer open to the internet, no public data, encryption at rest wherever
it exists, no `*` action for the Lambda, secrets only by reference."""
from __future__ import annotations

import json
import re

import pytest

from tests.infra.conftest import environments, resources


def all_templates(assemblies):
    for config, stacks in assemblies.items():
        for name, s in stacks.items():
            yield config, name, s["template"]


def test_every_piece_is_there(assemblies):
    from aws_cdk.assertions import Match, Template

    for config, stacks in assemblies.items():
        t = {name: Template.from_stack(s["stack"]) for name, s in stacks.items()}
        t["network"].resource_count_is("AWS::EC2::VPC", 1)
        t["network"].has_resource_properties("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": False})
        t["registry"].resource_count_is("AWS::ECR::Repository", 3)
        t["data"].has_resource_properties("AWS::ElastiCache::ReplicationGroup", {
            "TransitEncryptionEnabled": True, "AtRestEncryptionEnabled": True})
        (redis,) = resources(stacks["data"]["template"], "AWS::ElastiCache::ReplicationGroup").values()
        assert "{{resolve:secretsmanager:" in json.dumps(redis["Properties"]["AuthToken"])
        t["data"].has_resource_properties("AWS::OpenSearchService::Domain", {
            "VPCOptions": Match.object_like({"SubnetIds": Match.any_value()}),
            "EncryptionAtRestOptions": {"Enabled": True}, "NodeToNodeEncryptionOptions": {"Enabled": True},
            "DomainEndpointOptions": Match.object_like({"EnforceHTTPS": True}),
            "AdvancedSecurityOptions": Match.object_like({"Enabled": True, "InternalUserDatabaseEnabled": True})})
        t["data"].resource_count_is("AWS::SecretsManager::Secret", 3)
        t["api"].has_resource_properties("AWS::Serverless::Function", {
            "Handler": "app.app", "VpcConfig": Match.object_like({"SubnetIds": Match.any_value()})})
        # the scheduled handlers come from the app (chalicelib/api/scheduled.py) through the construct
        t["api"].has_resource_properties("AWS::Serverless::Function", {
            "Events": Match.object_like({"RelayOutboxEvent": Match.any_value()})})
        t["workers"].resource_count_is("AWS::AutoScaling::AutoScalingGroup", 2)
        t["workers"].has_resource_properties("AWS::AutoScaling::AutoScalingGroup",
                                             {"MinSize": "1", "MaxSize": "1", "DesiredCapacity": "1"})   # beat
        t["workers"].has_resource_properties("AWS::CloudWatch::Alarm", {
            "Namespace": "Launchbay", "MetricName": "QueueDepth"})   # the step scaling's own alarms
        t["workers"].resource_count_is("AWS::AutoScaling::ScalingPolicy", 2)
        # e-mail: the domain's SES identity, and the workers may send from its one address only
        t["workers"].has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "launchbay.example.com"})
        t["workers"].has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": Match.object_like({
            "Statement": Match.array_with([Match.object_like({
                "Action": "ses:SendEmail",
                "Condition": {"StringEquals": {"ses:FromAddress": "no-reply@launchbay.example.com"}}})])})})
        # bounces and complaints: the configuration set (SES's suppression off: Launchbay keeps its list)
        # publishes them to an encrypted topic that SES may publish to, which feeds the worker's queue
        t["workers"].has_resource_properties("AWS::SES::ConfigurationSet", {
            "Name": f"launchbay-{config}", "SuppressionOptions": {"SuppressedReasons": []}})
        t["workers"].has_resource_properties("AWS::SES::ConfigurationSetEventDestination", {
            "ConfigurationSetName": f"launchbay-{config}", "EventDestination": Match.object_like({
                "MatchingEventTypes": ["bounce", "complaint"], "SnsDestination": Match.any_value()})})
        t["workers"].has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
        t["workers"].has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": Match.object_like({
            "Statement": Match.array_with([Match.object_like({"Action": "sns:Publish",
                                                              "Principal": {"Service": "ses.amazonaws.com"}})])})})
        t["workers"].has_resource_properties("AWS::SNS::Subscription", {"Protocol": "sqs"})
        t["workers"].has_resource_properties("AWS::SQS::Queue", {"QueueName": f"launchbay-{config}-mail-events",
                                                                 "RedrivePolicy": Match.any_value()})
        t["workers"].has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": Match.object_like({
            "Statement": Match.array_with([Match.object_like({
                "Action": Match.array_with(["sqs:ReceiveMessage", "sqs:DeleteMessage"])})])})})
        t["web"].has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internet-facing"})
        t["web"].has_resource_properties("AWS::ElasticLoadBalancingV2::Listener", {
            "Port": 443, "Protocol": "HTTPS", "Certificates": Match.any_value()})
        t["web"].has_resource_properties("AWS::ElasticLoadBalancingV2::Listener", {
            "Port": 80, "DefaultActions": [Match.object_like({"Type": "redirect"})]})
        t["alarms"].has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
        metrics = {a["Properties"].get("MetricName") for a in resources(stacks["alarms"]["template"],
                                                                      "AWS::CloudWatch::Alarm").values()}
        assert {"5XXError", "Latency", "Throttles", "QueueDepth", "QueueAge", "DeploymentsFailed", "EmailsFailed",
                "Reputation.BounceRate", "Reputation.ComplaintRate", "ApproximateNumberOfMessagesVisible"} <= metrics
        for alarm in resources(stacks["alarms"]["template"], "AWS::CloudWatch::Alarm").values():
            assert alarm["Properties"]["AlarmActions"], alarm
        fargate = resources(stacks["web"]["template"], "AWS::ECS::Service")
        if config == "prod":   # api_container=true
            assert len(fargate) == 1 and next(iter(fargate.values()))["Properties"]["LaunchType"] == "FARGATE"
            assert {"HTTPCode_Target_5XX_Count", "TargetResponseTime"} <= metrics
        else:
            assert not fargate


def _ingress(template):
    for rid, res in template["Resources"].items():
        if res["Type"] == "AWS::EC2::SecurityGroup":
            for rule in res["Properties"].get("SecurityGroupIngress", []):
                yield rid, rule
        elif res["Type"] == "AWS::EC2::SecurityGroupIngress":
            yield res["Properties"]["GroupId"], res["Properties"]


def test_only_the_load_balancer_is_open_to_the_internet(assemblies):
    for config, name, template in all_templates(assemblies):
        for group, rule in _ingress(template):
            if rule.get("CidrIp") == "0.0.0.0/0" or rule.get("CidrIpv6") == "::/0":
                assert name == "network" and group.startswith("AlbSg"), (config, name, group, rule)
                assert rule["FromPort"] == rule["ToPort"] and rule["FromPort"] in (80, 443), rule


def test_no_public_database_or_search(assemblies):
    for config, stacks in assemblies.items():
        net = stacks["network"]["template"]
        private = {k for k, v in resources(net, "AWS::EC2::Subnet").items() if not v["Properties"]["MapPublicIpOnLaunch"]}
        exported = {o["Export"]["Name"]: o["Value"].get("Ref") for o in net.get("Outputs", {}).values() if "Export" in o}
        data = stacks["data"]["template"]
        for kind in ("AWS::ElastiCache::SubnetGroup", "AWS::OpenSearchService::Domain"):
            (res,) = resources(data, kind).values()
            imported = re.findall(r'"Fn::ImportValue": "([^"]+)"', json.dumps(res))
            subnets = {exported[i] for i in imported} & set(resources(net, "AWS::EC2::Subnet"))
            assert subnets and subnets <= private, (config, kind, imported)
        assert "PubliclyAccessible" not in json.dumps(data)


def test_encryption_at_rest_everywhere(assemblies):
    for config, name, template in all_templates(assemblies):
        for res in template["Resources"].values():
            kind, props = res["Type"], res.get("Properties", {})
            if kind == "AWS::EC2::LaunchTemplate":
                for device in props["LaunchTemplateData"]["BlockDeviceMappings"]:
                    assert device["Ebs"]["Encrypted"] is True, (config, name)
            elif kind == "AWS::ECR::Repository":
                # no EncryptionConfiguration is ECR's default, AES256: every repository is encrypted
                assert props.get("EncryptionConfiguration", {"EncryptionType": "AES256"})["EncryptionType"] in (
                    "AES256", "KMS")
            elif kind == "AWS::ElastiCache::ReplicationGroup":
                assert props["AtRestEncryptionEnabled"] is True
            elif kind == "AWS::OpenSearchService::Domain":
                assert props["EncryptionAtRestOptions"]["Enabled"] is True
            elif kind == "AWS::SNS::Topic":
                assert props["KmsMasterKeyId"]
            elif kind == "AWS::EBS::Volume" or kind == "AWS::RDS::DBInstance":
                pytest.fail(f"unexpected {kind} in {name}: check its encryption")


def _actions(policy_document):
    for st in policy_document.get("Statement", []):
        actions = st.get("Action", [])
        yield from ([actions] if isinstance(actions, str) else actions)


def test_the_lambda_roles_have_no_wildcard_action(assemblies):
    for config, stacks in assemblies.items():
        template = stacks["api"]["template"]
        docs = []
        for res in template["Resources"].values():
            if res["Type"] == "AWS::IAM::Role":
                docs += [p["PolicyDocument"] for p in res["Properties"].get("Policies", [])]
            elif res["Type"] == "AWS::IAM::Policy":
                docs.append(res["Properties"]["PolicyDocument"])
        assert docs
        for action in (a for d in docs for a in _actions(d)):
            assert action != "*" and not action.endswith(":*"), (config, action)


def test_secrets_only_by_reference(assemblies):
    secret_keys = {"LAUNCHBAY_JWT_SECRET", "LAUNCHBAY_SECRETS_KEY", "MONGODB_URI", "REDIS_PASSWORD",
                   "OPENSEARCH_PASSWORD", "LAUNCHBAY_SECRETS_DATA_KEY"}
    for config, stacks in assemblies.items():
        for service, env in environments(stacks).items():
            assert not secret_keys & set(env), (config, service)
            assert env["LAUNCHBAY_SECRET_ARNS"].count(",") == 2, (config, service)   # app, redis, opensearch
            assert "@" not in env["REDIS_URL"] + env["OPENSEARCH_URL"], (config, service)   # no credentials
