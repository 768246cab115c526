"""Celery on EC2: an Auto Scaling group of workers (deploys and default queues) scaled on
the queue depth that a beat-scheduled task publishes (CloudWatch Launchbay/QueueDepth), and one host, exactly
one, for beat and the single consumer of the search queue."""
from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.cloud.access import ROLE_PREFIX, policy_document
from chalicelib.observe import platform_metrics
from chalicelib.queue import queue_name

from .config import StageConfig
from .data import DataStack
from .network import NetworkStack
from .registry import RegistryStack
from .services import docker_host, environment, host_role, launch_template, mail_names, mail_sender

METRICS_NAMESPACE = platform_metrics.NAMESPACE   # what the beat task publishes
CELERY = "celery -A worker.celery_app:celery"


def queue_metric(name: str, queue: str, statistic: str = "Maximum") -> cloudwatch.Metric:
    return cloudwatch.Metric(namespace=METRICS_NAMESPACE, metric_name=name, dimensions_map={"Queue": queue},
                             statistic=statistic, period=Duration.minutes(1))


class WorkersStack(Stack):
    def __init__(self, scope: Construct, cid: str, cfg: StageConfig, net: NetworkStack, data: DataStack,
                 registry: RegistryStack, image_tag: str, **kwargs) -> None:
        super().__init__(scope, cid, **kwargs)
        sizes = cfg.sizes
        image = registry.repos["worker"].repository_uri_for_tag(image_tag)
        self.log_group = logs.LogGroup(self, "Logs", log_group_name=f"/{cfg.prefix}/workers",
                                       retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY)
        env = environment(cfg, data)
        xray = env["LAUNCHBAY_XRAY"] == "true"
        self.deploys_queue = queue_name(env.get("LAUNCHBAY_QUEUE_PREFIX", "launchbay"), "deploys")

        def role(cid: str) -> iam.Role:
            r = host_role(self, cid, data)
            registry.repos["worker"].grant_pull(r)
            self.log_group.grant_write(r)
            return r

        # --- workers: deploys run here, with what the platform does in AWS (the same policy the
        # connection template gives a connected account) and the right to act in connected accounts.
        worker_role = role("WorkerRole")
        worker_role.attach_inline_policy(iam.Policy(self, "Deploy", document=iam.PolicyDocument.from_json(
            policy_document(self.partition))))
        worker_role.add_to_policy(iam.PolicyStatement(
            actions=["sts:AssumeRole"], resources=[f"arn:{self.partition}:iam::*:role/{ROLE_PREFIX}*"]))
        # beat schedules the platform-metrics task; a worker (default queue) runs it and puts the data
        worker_role.add_to_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],  # PutMetricData takes no resource ARN
            conditions={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}}))
        # e-mail (password resets, invitations, notifications): the notify worker sends it with SES,
        # from the domain's identity only; its DKIM records go in the domain's DNS (docs/deploy-aws.md)
        mail = ses.EmailIdentity(self, "MailDomain", identity=ses.Identity.domain(cfg.domain_name))
        worker_role.add_to_policy(iam.PolicyStatement(
            actions=["ses:SendEmail"],
            resources=[f"arn:{self.partition}:ses:{self.region}:{self.account}:identity/{cfg.domain_name}",
                       f"arn:{self.partition}:ses:{self.region}:{self.account}:configuration-set/{mail_names(cfg)[0]}"],
            conditions={"StringEquals": {"ses:FromAddress": mail_sender(cfg)}}))
        # bounces and complaints: the configuration set's event destination publishes them to SNS, which
        # feeds a queue the worker reads (mail/feedback.py). SES's own suppression is off for this set:
        # Launchbay keeps its own list, which an address's owner can lift once their mailbox works.
        set_name, queue_name_ = mail_names(cfg)
        config_set = ses.CfnConfigurationSet(self, "MailConfigurationSet", name=set_name,
                                             suppression_options=ses.CfnConfigurationSet.SuppressionOptionsProperty(
                                                 suppressed_reasons=[]))
        # encrypted with a key of its own: SES cannot use the AWS-managed SNS key to publish
        feedback_key = kms.Key(self, "MailFeedbackKey", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY,
                               description="Launchbay's e-mail bounce and complaint topic")
        ses_principal = iam.ServicePrincipal("ses.amazonaws.com")
        feedback_key.grant(ses_principal, "kms:GenerateDataKey*", "kms:Decrypt")
        feedback_topic = sns.Topic(self, "MailFeedback", display_name=f"{cfg.prefix} e-mail bounces and complaints",
                                   master_key=feedback_key)
        feedback_topic.add_to_resource_policy(iam.PolicyStatement(
            principals=[ses_principal], actions=["sns:Publish"], resources=[feedback_topic.topic_arn],
            conditions={"StringEquals": {"AWS:SourceAccount": self.account}}))
        feedback_dlq = sqs.Queue(self, "MailEventsDead", retention_period=Duration.days(14),
                                 encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
        feedback_queue = sqs.Queue(self, "MailEvents", queue_name=queue_name_, retention_period=Duration.days(4),
                                   encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                                   dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=feedback_dlq))
        feedback_topic.add_subscription(subs.SqsSubscription(feedback_queue))
        destination = ses.CfnConfigurationSetEventDestination(
            self, "MailEventDestination", configuration_set_name=set_name,
            event_destination=ses.CfnConfigurationSetEventDestination.EventDestinationProperty(
                enabled=True, matching_event_types=["bounce", "complaint"],
                sns_destination=ses.CfnConfigurationSetEventDestination.SnsDestinationProperty(
                    topic_arn=feedback_topic.topic_arn)))
        destination.add_dependency(config_set)
        feedback_queue.grant_consume_messages(worker_role)
        self.mail_events_dead = feedback_dlq   # alarms.py watches it
        for i, record in enumerate((mail.dkim_dns_token_name1, mail.dkim_dns_token_name2, mail.dkim_dns_token_name3), 1):
            value = (mail.dkim_dns_token_value1, mail.dkim_dns_token_value2, mail.dkim_dns_token_value3)[i - 1]
            CfnOutput(self, f"MailDkim{i}", value=f"{record} CNAME {value}",
                      description="a DNS record SES needs to verify the domain that sends Launchbay's e-mail")
        worker_ud = docker_host(self, cfg, [{
            "name": "worker", "image": image,
            "args": f"{CELERY} worker -Q launchbay.deploys,launchbay.default --concurrency=2 -n worker@%h"},
            # webhook deliveries: their own consumer, so slow receivers never take a deploy's slot
            {"name": "notify", "image": image,
             "args": f"{CELERY} worker -Q launchbay.notify --concurrency=4 -n notify@%h"}],
            env, self.log_group.log_group_name, xray)
        self.workers = autoscaling.AutoScalingGroup(
            self, "Workers", vpc=net.vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            launch_template=launch_template(self, "WorkerTemplate", instance_type=sizes["worker_instance"],
                                            role=worker_role, sg=net.worker, user_data=worker_ud),
            min_capacity=sizes["workers_min"], max_capacity=sizes["workers_max"],
            update_policy=autoscaling.UpdatePolicy.rolling_update(max_batch_size=1,
                                                                  min_instances_in_service=sizes["workers_min"]),
            # a scale-in waits for running tasks: Celery's warm shutdown on SIGTERM
            default_instance_warmup=Duration.minutes(2))
        self.workers.scale_on_metric(
            "QueueDepth", metric=queue_metric("QueueDepth", self.deploys_queue),
            adjustment_type=autoscaling.AdjustmentType.CHANGE_IN_CAPACITY, estimated_instance_warmup=Duration.minutes(2),
            scaling_steps=[autoscaling.ScalingInterval(upper=2, change=-1),
                           autoscaling.ScalingInterval(lower=10, change=+1),
                           autoscaling.ScalingInterval(lower=50, change=+3)])

        # --- beat and the search consumer: one host, never two (a second beat would double every
        # periodic task; the embedded search index takes one writer).
        beat_role = role("BeatRole")
        beat_ud = docker_host(self, cfg, [
            {"name": "beat", "image": image, "args": f"{CELERY} beat --schedule /var/lib/launchbay/celerybeat-schedule"},
            {"name": "search", "image": image,
             "args": f"{CELERY} worker -Q launchbay.search --concurrency=1 -n search@%h"}],
            env, self.log_group.log_group_name, xray)
        self.beat = autoscaling.AutoScalingGroup(
            self, "Beat", vpc=net.vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            launch_template=launch_template(self, "BeatTemplate", instance_type=sizes["beat_instance"],
                                            role=beat_role, sg=net.beat, user_data=beat_ud),
            min_capacity=1, max_capacity=1, desired_capacity=1,
            # replace by stopping the old host first: two beats must never run at once
            update_policy=autoscaling.UpdatePolicy.rolling_update(max_batch_size=1, min_instances_in_service=0))
