"""CloudWatch alarms routed to one SNS topic (encrypted): API errors and latency, Lambda
throttles, queue depth and age, failed deployments, and the API container when it runs."""
from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from .api import ApiStack
from .config import StageConfig
from .web import WebStack
from .workers import METRICS_NAMESPACE, WorkersStack, queue_metric

FIVE_MIN = Duration.minutes(5)


class AlarmsStack(Stack):
    def __init__(self, scope: Construct, cid: str, cfg: StageConfig, api: ApiStack, workers: WorkersStack,
                 web: WebStack, **kwargs) -> None:
        super().__init__(scope, cid, **kwargs)
        self.topic = sns.Topic(self, "Alarms", display_name=f"{cfg.prefix} alarms",
                               master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"))
        if cfg.alarm_email:
            self.topic.add_subscription(subs.EmailSubscription(cfg.alarm_email))
        notify = actions.SnsAction(self.topic)

        def alarm(cid: str, metric: cloudwatch.IMetric, threshold: float, description: str, periods: int = 1) -> None:
            a = cloudwatch.Alarm(self, cid, metric=metric, threshold=threshold, evaluation_periods=periods,
                                 alarm_description=description,
                                 comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                                 treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
            a.add_alarm_action(notify)
            a.add_ok_action(notify)

        gateway = {"ApiName": api.api_name}
        alarm("Api5xx", cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name="5XXError", dimensions_map=gateway,
                                          statistic="Sum", period=FIVE_MIN), 5, "API answered 5 or more 5xx in 5 min")
        alarm("ApiLatency", cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name="Latency",
                                              dimensions_map=gateway, statistic="p99", period=FIVE_MIN),
              2000, "API p99 latency at or above 2 s for 15 min", periods=3)
        alarm("LambdaThrottles", cloudwatch.Metric(namespace="AWS/Lambda", metric_name="Throttles",
                                                   dimensions_map={"FunctionName": api.handler.ref},
                                                   statistic="Sum", period=FIVE_MIN), 1, "the API Lambda is throttled")
        alarm("QueueDepth", queue_metric("QueueDepth", workers.deploys_queue), 100,
              "100 or more deploy tasks waiting for 10 min", periods=10)
        alarm("QueueAge", queue_metric("QueueAge", workers.deploys_queue), 300,
              "the oldest waiting deploy task is 5 min old or more", periods=3)
        alarm("FailedDeployments", cloudwatch.Metric(namespace=METRICS_NAMESPACE, metric_name="DeploymentsFailed",
                                                     statistic="Sum", period=Duration.minutes(15)),
              5, "5 or more deployments failed in 15 min")
        alarm("FailedEmails", cloudwatch.Metric(namespace=METRICS_NAMESPACE, metric_name="EmailsFailed",
                                                statistic="Sum", period=Duration.minutes(15)),
              1, "an e-mail failed (SES refused it or could not be reached): password resets may not arrive")
        # SES reviews an account above 5 % bounces or 0.1 % complaints, and may pause all its sending
        alarm("MailBounceRate", cloudwatch.Metric(namespace="AWS/SES", metric_name="Reputation.BounceRate",
                                                  statistic="Maximum", period=Duration.hours(1)),
              0.04, "SES's bounce rate reached 4 % (it reviews the account at 5 %)")
        alarm("MailComplaintRate", cloudwatch.Metric(namespace="AWS/SES", metric_name="Reputation.ComplaintRate",
                                                     statistic="Maximum", period=Duration.hours(1)),
              0.0008, "SES's complaint rate reached 0.08 % (it reviews the account at 0.1 %)")
        alarm("MailFeedbackDead", workers.mail_events_dead.metric_approximate_number_of_messages_visible(
            period=FIVE_MIN, statistic="Maximum"), 1, "bounces or complaints the worker could not record (dead letters)")
        if web.api_service is not None:
            lb = {"LoadBalancer": web.alb.load_balancer_full_name}
            alarm("ContainerApi5xx", cloudwatch.Metric(namespace="AWS/ApplicationELB",
                                                       metric_name="HTTPCode_Target_5XX_Count", dimensions_map=lb,
                                                       statistic="Sum", period=FIVE_MIN), 5,
                  "the API container answered 5 or more 5xx in 5 min")
            alarm("ContainerApiLatency", cloudwatch.Metric(namespace="AWS/ApplicationELB",
                                                           metric_name="TargetResponseTime", dimensions_map=lb,
                                                           statistic="p99", period=FIVE_MIN), 2,
                  "the API container's p99 at or above 2 s for 15 min", periods=3)
