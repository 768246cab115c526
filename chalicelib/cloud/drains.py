"""Log drains (Amazon Data Firehose): one delivery stream per drain, sending to an HTTP endpoint
(Datadog, New Relic, or any receiver of Firehose's HTTP protocol), retrying for an hour and
keeping what still failed in an S3 bucket of its own (expired after 14 days); and the
CloudWatch Logs subscription filters that feed it from the services' log groups, through one
role per account that CloudWatch Logs assumes to put records into launchbay-* streams.

Shapes: observe -> {"state", "reason", "address": None, "port": None, "stream_arn", "bucket"}.
Every call converges: a stream already there is kept (its destination is updated instead).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.cloud.base import aws_tags, ignoring
from chalicelib.cloud.errors import error_code
from chalicelib.cloud.foundation import FoundationMixin

RETRY_SECONDS = 3600                        # Firehose retries a refused batch this long, then backs it up
FAILED_DAYS = 14                            # what still failed is kept this long in the drain's bucket
BUFFER = {"SizeInMBs": 1, "IntervalInSeconds": 60}   # a minute's lines, or 1 MB, per request
_GONE = ("ResourceNotFoundException",)


def drain_names(ident: str) -> dict[str, str]:
    return {"stream": ident, "role": f"{ident}-firehose", "bucket": f"{ident}-drain-failed"}


class DrainsMixin(FoundationMixin):
    # --- the stream ------------------------------------------------------------------
    def _stream(self, name: str) -> Optional[dict[str, Any]]:
        try:
            return self.client("firehose").describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        except Exception as exc:
            if error_code(exc) in _GONE:
                return None
            raise

    def _destination(self, endpoint: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {"Url": endpoint["url"], "Name": endpoint["name"][:256]}
        if endpoint.get("access_key"):
            config["AccessKey"] = endpoint["access_key"]
        processing: dict[str, Any] = {"Enabled": bool(endpoint.get("decompress"))}
        if endpoint.get("decompress"):   # CloudWatch Logs gzips its records; a generic receiver reads JSON
            processing["Processors"] = [{"Type": "Decompression", "Parameters": [
                {"ParameterName": "CompressionFormat", "ParameterValue": "GZIP"}]}]
        return {"EndpointConfiguration": config, "BufferingHints": BUFFER,
                "RequestConfiguration": {"ContentEncoding": "GZIP"},
                "RetryOptions": {"DurationInSeconds": RETRY_SECONDS}, "ProcessingConfiguration": processing}

    def ensure_drain(self, ident: str, endpoint: dict[str, Any], tags: dict[str, str]) -> None:
        """The bucket for failed deliveries, the role Firehose writes it with, then the stream."""
        n = drain_names(ident)
        self._ensure_bucket(n["bucket"], aws_tags(tags))
        s3 = self.client("s3")
        s3.put_bucket_lifecycle_configuration(Bucket=n["bucket"], LifecycleConfiguration={"Rules": [
            {"ID": "failed-deliveries", "Status": "Enabled", "Filter": {"Prefix": ""},
             "Expiration": {"Days": FAILED_DAYS}}]})
        bucket_arn = f"arn:{self.partition}:s3:::{n['bucket']}"
        role = self.ensure_role(n["role"], "firehose.amazonaws.com", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetBucketLocation", "s3:ListBucket",
                                           "s3:AbortMultipartUpload"],
             "Resource": [bucket_arn, f"{bucket_arn}/*"]}]})
        if self._stream(n["stream"]) is not None:   # an earlier try made it; changes go through update_drain
            return
        config = {**self._destination(endpoint), "RoleARN": role, "S3BackupMode": "FailedDataOnly",
                  "S3Configuration": {"RoleARN": role, "BucketARN": bucket_arn, "Prefix": "failed/",
                                      "ErrorOutputPrefix": "errors/", "CompressionFormat": "GZIP"}}
        with ignoring("ResourceInUseException"):   # made meanwhile by an earlier try
            self.client("firehose").create_delivery_stream(
                DeliveryStreamName=n["stream"], DeliveryStreamType="DirectPut",
                HttpEndpointDestinationConfiguration=config,
                Tags=aws_tags(tags))

    def update_drain(self, ident: str, endpoint: dict[str, Any]) -> None:
        """A new URL or key: the stream's destination changes in place (no log line is lost)."""
        found = self._stream(drain_names(ident)["stream"])
        if found is None:
            raise ValueError(f"log drain stream {ident} is gone")
        self.client("firehose").update_destination(
            DeliveryStreamName=found["DeliveryStreamName"], CurrentDeliveryStreamVersionId=found["VersionId"],
            DestinationId=found["Destinations"][0]["DestinationId"],
            HttpEndpointDestinationUpdate=self._destination(endpoint))

    def observe_drain(self, ident: str) -> dict[str, Any]:
        n = drain_names(ident)
        found = self._stream(n["stream"])
        if found is None:
            return {"state": "missing", "reason": f"no delivery stream {n['stream']}"}
        status = found.get("DeliveryStreamStatus", "")
        state = {"ACTIVE": "available", "CREATING": "in_progress", "DELETING": "in_progress"}.get(status, "failed")
        reason = (found.get("FailureDescription") or {}).get("Details") or f"delivery stream {status.lower()}"
        return {"state": state, "reason": reason, "address": None, "port": None,
                "stream_arn": found.get("DeliveryStreamARN"), "bucket": n["bucket"]}

    def send_test_line(self, ident: str, line: str) -> None:
        """One record through the stream, as the drain's services' lines go (CloudWatch Logs' shape)."""
        self.client("firehose").put_record(DeliveryStreamName=drain_names(ident)["stream"],
                                           Record={"Data": line.encode()})

    def delete_drain(self, ident: str) -> str:
        """The stream, then its failed deliveries and their bucket, then its role."""
        n = drain_names(ident)
        if self._stream(n["stream"]) is not None:
            with ignoring(*_GONE, "ResourceInUseException"):   # already being deleted
                self.client("firehose").delete_delivery_stream(DeliveryStreamName=n["stream"])
            return "stream deleted"
        self._empty_and_delete_bucket(n["bucket"])
        iam = self.client("iam")
        with ignoring("NoSuchEntity"):
            iam.delete_role_policy(RoleName=n["role"], PolicyName="launchbay")
        with ignoring("NoSuchEntity"):
            iam.delete_role(RoleName=n["role"])
        self._memo.pop(f"role:{n['role']}", None)
        return "drain deleted"

    def _empty_and_delete_bucket(self, name: str) -> None:
        s3 = self.client("s3")
        try:
            while True:
                listed = s3.list_objects_v2(Bucket=name, MaxKeys=1000)
                keys = [{"Key": o["Key"]} for o in listed.get("Contents") or []]
                if not keys:
                    break
                s3.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
            s3.delete_bucket(Bucket=name)
        except Exception as exc:
            if error_code(exc) not in ("NoSuchBucket", "404"):
                raise

    # --- the log groups' subscription filters --------------------------------------------
    def find_log_subscriptions(self, group: str, prefix: str) -> dict[str, dict[str, str]]:
        """The group's filters named `prefix`*: filter name -> {"arn": its destination, "pattern"}
        (others are not ours)."""
        try:
            found = self.client("logs").describe_subscription_filters(logGroupName=group, filterNamePrefix=prefix)
        except Exception as exc:
            if error_code(exc) in _GONE:
                return {}
            raise
        return {f["filterName"]: {"arn": f["destinationArn"], "pattern": f.get("filterPattern") or ""}
                for f in found.get("subscriptionFilters", [])
                if f["filterName"].startswith(prefix)}   # moto ignores the prefix

    def check_filter_pattern(self, pattern: str) -> Optional[str]:
        """Why CloudWatch Logs refuses the pattern (None: it takes it, or cannot say: moto)."""
        try:
            self.client("logs").test_metric_filter(filterPattern=pattern, logEventMessages=["launchbay"])
        except Exception as exc:
            if error_code(exc) == "InvalidParameterException":
                return str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Message") or exc)
            if self.sandbox:
                return None
            raise
        return None

    def _logs_role(self) -> str:
        return self.ensure_role(naming.DRAIN_LOGS_ROLE, "logs.amazonaws.com", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
             "Resource": f"arn:{self.partition}:firehose:*:*:deliverystream/launchbay-*"}]})

    def set_log_subscriptions(self, group: str, wanted: dict[str, dict[str, str]],
                              prefix: str) -> dict[str, list[str]]:
        """The group's `prefix`* filters become exactly `wanted` (name -> {"arn": the stream's,
        "pattern"}): removals first (CloudWatch Logs takes two filters per group), then the new or
        changed ones (a put replaces a filter of the same name) -> {"added", "removed"}."""
        logs, have = self.client("logs"), self.find_log_subscriptions(group, prefix)
        removed = sorted(name for name in have if name not in wanted)
        for name in removed:
            with ignoring(*_GONE):
                logs.delete_subscription_filter(logGroupName=group, filterName=name)
        added = sorted(name for name, want in wanted.items() if have.get(name) != want)
        for name in added:
            logs.put_subscription_filter(logGroupName=group, filterName=name, filterPattern=wanted[name]["pattern"],
                                         destinationArn=wanted[name]["arn"], roleArn=self._logs_role())
        return {"added": added, "removed": removed}


def cloudwatch_record(group: str, stream: str, messages: list[str], at_ms: int) -> str:
    """A CloudWatch Logs subscription record (what a drain's receiver reads, decompressed)."""
    return json.dumps({"messageType": "DATA_MESSAGE", "owner": "launchbay", "logGroup": group, "logStream": stream,
                       "subscriptionFilters": ["launchbay-drain-test"],
                       "logEvents": [{"id": str(i), "timestamp": at_ms, "message": m} for i, m in enumerate(messages)]})
