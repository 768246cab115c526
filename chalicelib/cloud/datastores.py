"""Managed resources on AWS: RDS instances, ElastiCache replication groups, S3 buckets, EFS file
systems (volumes), SQS queues (cloud/queues.py), their security groups and the Secrets Manager secret that carries each
database's, cache's or bucket's connection (a volume has none: it is mounted).

Every method is idempotent (a redelivered task is safe) and never waits: the resource engine
(chalicelib/resources/engine.py) looks again later with observe_datastore().

Shapes: observe_datastore -> {"state": "in_progress" | "available" | "failed" | "missing",
"reason", "address", "port", "size", "storage_gb"}; for a volume also "file_system_id",
"file_system_arn", "access_point_id", "access_point_arn", "size_bytes", and "next": "mounts" while
its file system is available but its mount targets or access point are not made yet
(ensure_volume_mounts makes them: a file system takes mount targets only once available).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from chalicelib.cloud.base import aws_tags, ignoring
from chalicelib.cloud.drains import DrainsMixin
from chalicelib.cloud.errors import error_code
from chalicelib.cloud.foundation import FoundationMixin
from chalicelib.cloud.queues import QueuesMixin

RDS_BUSY = {"creating", "modifying", "backing-up", "rebooting", "resetting-master-credentials", "upgrading",
            "configuring-enhanced-monitoring", "storage-optimization", "starting", "renaming"}
RDS_BROKEN = {"failed", "incompatible-parameters", "incompatible-network", "incompatible-restore",
              "inaccessible-encryption-credentials", "storage-full", "restore-error"}
CACHE_BUSY = {"creating", "modifying", "snapshotting"}
EFS_ROOT = "/data"   # the access point's root: each volume's files live under it


class DatastoresMixin(QueuesMixin, DrainsMixin, FoundationMixin):
    # --- network --------------------------------------------------------------------
    def ensure_datastore_group(self, vpc_id: str, name: str, port: int, client_group_id: str) -> str:
        """A security group that admits the environment's task group on the resource's port, and nothing else."""
        return self.ensure_security_group(vpc_id, name, "Launchbay managed resource",
                                          ingress={("tcp", port, port, "group", client_group_id)})

    def delete_security_group_named(self, vpc_id: str, name: str) -> bool:
        ec2 = self.client("ec2")
        groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]},
                                                       {"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
        for g in groups:
            with ignoring("InvalidGroup.NotFound"):
                ec2.delete_security_group(GroupId=g["GroupId"])
        return bool(groups)

    def _subnet_group(self, aws: str, name: str, subnets: list[str]) -> None:
        if aws == "rds":
            with ignoring("DBSubnetGroupAlreadyExists"):
                self.client("rds").create_db_subnet_group(
                    DBSubnetGroupName=name, DBSubnetGroupDescription="Launchbay managed resource",
                    SubnetIds=subnets, Tags=aws_tags())
        else:
            with ignoring("CacheSubnetGroupAlreadyExists"):
                self.client("elasticache").create_cache_subnet_group(
                    CacheSubnetGroupName=name, CacheSubnetGroupDescription="Launchbay managed resource",
                    SubnetIds=subnets, Tags=aws_tags())

    # --- create ---------------------------------------------------------------------
    def ensure_datastore(self, spec: dict[str, Any]) -> None:
        """spec: {aws, ident, engine, version, size, storage_gb, backup_retention_days,
        deletion_protection, subnets, security_group, username, password, db_name, tags}."""
        aws, ident, tags = spec["aws"], spec["ident"], aws_tags(spec.get("tags"))
        if aws == "s3":
            self._ensure_bucket(ident, tags)
            return
        if aws == "sqs":
            self.ensure_queue(ident, bool(spec.get("fifo")), spec, {t["Key"]: t["Value"] for t in tags})
            return
        if aws == "firehose":
            self.ensure_drain(ident, spec["endpoint"], {t["Key"]: t["Value"] for t in tags})
            return
        if aws == "efs":
            # the creation token makes a retried create find the same file system
            with ignoring("FileSystemAlreadyExists"):
                self.client("efs").create_file_system(
                    CreationToken=ident, PerformanceMode="generalPurpose", ThroughputMode="elastic",
                    Encrypted=True, Backup=True, Tags=tags + [{"Key": "Name", "Value": ident}])
            return
        self._subnet_group(aws, ident, spec["subnets"])
        if aws == "rds" and spec.get("restore"):
            self._restore_db(spec, tags)
        elif aws == "rds":
            with ignoring("DBInstanceAlreadyExists"):
                self.client("rds").create_db_instance(
                    DBInstanceIdentifier=ident, Engine=spec["engine"], EngineVersion=spec["version"],
                    DBInstanceClass=spec["size"], AllocatedStorage=spec["storage_gb"], StorageType="gp3",
                    DBName=spec["db_name"], MasterUsername=spec["username"], MasterUserPassword=spec["password"],
                    DBSubnetGroupName=ident, VpcSecurityGroupIds=[spec["security_group"]],
                    PubliclyAccessible=False, StorageEncrypted=True,
                    BackupRetentionPeriod=spec["backup_retention_days"],
                    DeletionProtection=spec["deletion_protection"], CopyTagsToSnapshot=True, Tags=tags)
        else:
            with ignoring("ReplicationGroupAlreadyExists"):
                self.client("elasticache").create_replication_group(
                    ReplicationGroupId=ident, ReplicationGroupDescription="Launchbay managed Redis",
                    Engine="redis", EngineVersion=spec["version"], CacheNodeType=spec["size"], NumCacheClusters=1,
                    CacheSubnetGroupName=ident, SecurityGroupIds=[spec["security_group"]],
                    AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True, AuthToken=spec["password"],
                    SnapshotRetentionLimit=spec["backup_retention_days"], Tags=tags)

    def _restore_db(self, spec: dict[str, Any], tags: list[dict[str, str]]) -> None:
        """A new instance from the source's automated backups at spec["restore"]["time"] (ISO 8601;
        None: the latest restorable time), in this resource's subnet group and security group.
        It keeps the source's master password, engine and encryption."""
        import datetime as dt

        when = spec["restore"]["time"]
        kw: dict[str, Any] = {
            "SourceDBInstanceIdentifier": spec["restore"]["source"], "TargetDBInstanceIdentifier": spec["ident"],
            "DBInstanceClass": spec["size"], "DBSubnetGroupName": spec["ident"],
            "VpcSecurityGroupIds": [spec["security_group"]], "PubliclyAccessible": False, "MultiAZ": False,
            "StorageType": "gp3", "DeletionProtection": spec["deletion_protection"], "CopyTagsToSnapshot": True,
            "Tags": tags}
        if when:
            kw["RestoreTime"] = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
        else:
            kw["UseLatestRestorableTime"] = True
        with ignoring("DBInstanceAlreadyExists"):
            self.client("rds").restore_db_instance_to_point_in_time(**kw)

    def restore_window(self, ident: str) -> Optional[dict[str, Any]]:
        """{"created", "latest"} (datetimes) of an RDS instance's point-in-time restores; None: gone."""
        try:
            db = self.client("rds").describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
        except Exception as exc:
            if error_code(exc) in ("DBInstanceNotFound", "DBInstanceNotFoundFault"):
                return None
            raise
        return {"created": db.get("InstanceCreateTime"), "latest": db.get("LatestRestorableTime")}

    # --- volumes: mount targets and the access point ----------------------------------
    def _file_system(self, ident: str) -> Optional[dict[str, Any]]:
        found = self.client("efs").describe_file_systems(CreationToken=ident).get("FileSystems") or []
        return next((f for f in found if f.get("LifeCycleState") != "deleted"), None)

    def _access_point(self, fs_id: str) -> Optional[dict[str, Any]]:
        points = self.client("efs").describe_access_points(FileSystemId=fs_id).get("AccessPoints") or []
        return next((p for p in points if (p.get("RootDirectory") or {}).get("Path") == EFS_ROOT), None)

    def ensure_volume_mounts(self, file_system_id: str, subnets: list[str], security_group: str,
                             ident: str) -> dict[str, Any]:
        """A mount target in each of the environment's subnets (guarded by the volume's security
        group: NFS from the services' tasks only), the access point the tasks mount through, and
        files unused for 30 days moved to Infrequent Access. Idempotent."""
        efs = self.client("efs")
        have = {m["SubnetId"] for m in efs.describe_mount_targets(FileSystemId=file_system_id).get("MountTargets") or []}
        for subnet in subnets:
            if subnet not in have:
                # one per availability zone: a second subnet in a zone already served is refused
                with ignoring("MountTargetConflict"):
                    efs.create_mount_target(FileSystemId=file_system_id, SubnetId=subnet, SecurityGroups=[security_group])
        point = self._access_point(file_system_id)
        if point is None:
            # the root is made on first use, writable by any user of the container (images often
            # run as a user of their own); who may mount it at all is the task role's policy
            point = efs.create_access_point(
                ClientToken=ident, FileSystemId=file_system_id, Tags=aws_tags() + [{"Key": "Name", "Value": ident}],
                RootDirectory={"Path": EFS_ROOT, "CreationInfo": {"OwnerUid": 0, "OwnerGid": 0, "Permissions": "0777"}})
        efs.put_lifecycle_configuration(FileSystemId=file_system_id,
                                        LifecyclePolicies=[{"TransitionToIA": "AFTER_30_DAYS"}])
        efs.put_file_system_policy(FileSystemId=file_system_id, Policy=json.dumps(self._volume_policy(file_system_id)))
        return {"access_point_id": point["AccessPointId"], "access_point_arn": point.get("AccessPointArn")}

    def _volume_policy(self, file_system_id: str) -> dict[str, Any]:
        """Without a file system policy EFS lets any client that reaches a mount target in. With
        this one, only the account's IAM principals whose own policies allow it (a service's task
        role: deploys/task_role.py) mount it, through a mount target, over TLS."""
        arn = f"arn:{self.partition}:elasticfilesystem:{self.region}:{self.account_id()}:file-system/{file_system_id}"
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "AccountPrincipalsByTheirOwnPolicies", "Effect": "Allow",
             "Principal": {"AWS": f"arn:{self.partition}:iam::{self.account_id()}:root"},
             "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], "Resource": arn,
             "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}},
            {"Sid": "EncryptedTransportOnly", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*",
             "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}

    def _observe_volume(self, ident: str) -> dict[str, Any]:
        fs = self._file_system(ident)
        if fs is None:
            return {"state": "missing", "reason": "not found"}
        state, fs_id = fs.get("LifeCycleState", ""), fs["FileSystemId"]
        out: dict[str, Any] = {"address": fs_id, "port": 2049, "file_system_id": fs_id,
                               "file_system_arn": fs.get("FileSystemArn"), "status": state,
                               "size_bytes": (fs.get("SizeInBytes") or {}).get("Value")}
        if state == "error":
            return {**out, "state": "failed", "reason": "EFS could not create the file system"}
        if state != "available":
            return {**out, "state": "in_progress", "reason": f"EFS: {state}"}
        targets = self.client("efs").describe_mount_targets(FileSystemId=fs_id).get("MountTargets") or []
        point = self._access_point(fs_id)
        if not targets or point is None:
            return {**out, "state": "in_progress", "next": "mounts", "reason": "EFS: making mount targets"}
        busy = [t["SubnetId"] for t in targets if t.get("LifeCycleState") != "available"]
        if busy or point.get("LifeCycleState", "available") != "available":
            return {**out, "state": "in_progress", "reason": f"EFS: mount targets in {len(busy)} subnet(s) being made"}
        return {**out, "state": "available", "reason": f"EFS: available, {len(targets)} mount target(s)",
                "access_point_id": point["AccessPointId"], "access_point_arn": point.get("AccessPointArn")}

    def _delete_volume(self, ident: str) -> str:
        """Access point and mount targets first; the file system once they are gone (EFS refuses
        it before: the resource task calls this again on its next look)."""
        efs = self.client("efs")
        fs = self._file_system(ident)
        if fs is None:
            return "file system already gone"
        fs_id = fs["FileSystemId"]
        for point in efs.describe_access_points(FileSystemId=fs_id).get("AccessPoints") or []:
            with ignoring("AccessPointNotFound"):
                efs.delete_access_point(AccessPointId=point["AccessPointId"])
        targets = efs.describe_mount_targets(FileSystemId=fs_id).get("MountTargets") or []
        for target in targets:
            if target.get("LifeCycleState") not in ("deleting", "deleted"):
                with ignoring("MountTargetNotFound"):
                    efs.delete_mount_target(MountTargetId=target["MountTargetId"])
        try:
            efs.delete_file_system(FileSystemId=fs_id)
        except Exception as exc:
            if error_code(exc) == "FileSystemNotFound":
                return "file system already gone"
            if error_code(exc) == "FileSystemInUse":
                return "mount targets being deleted"
            raise
        return "file system deleted"

    # --- read back ------------------------------------------------------------------
    def observe_datastore(self, aws: str, ident: str, started_at: float = 0.0) -> dict[str, Any]:
        try:
            if aws == "efs":
                return self._observe_volume(ident)
            if aws == "sqs":
                return self.observe_queue(ident)
            if aws == "firehose":
                return self.observe_drain(ident)
            if aws == "rds":
                db = self.client("rds").describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
                status, ep = db.get("DBInstanceStatus", ""), db.get("Endpoint") or {}
                pending = db.get("PendingModifiedValues") or {}
                out = {"address": ep.get("Address"), "port": ep.get("Port"), "size": db.get("DBInstanceClass"), "status": status,
                       "storage_gb": db.get("AllocatedStorage"), "deletion_protection": db.get("DeletionProtection")}
                if status in RDS_BROKEN:
                    return {**out, "state": "failed", "reason": f"RDS reports the instance {status}"}
                busy = status in RDS_BUSY or bool(pending)
                return {**out, "state": "in_progress" if busy else "available", "reason": f"RDS: {status}"}
            if aws == "elasticache":
                rg = self.client("elasticache").describe_replication_groups(
                    ReplicationGroupId=ident)["ReplicationGroups"][0]
                status = rg.get("Status", "")
                ep = ((rg.get("NodeGroups") or [{}])[0].get("PrimaryEndpoint")) or {}
                out = {"address": ep.get("Address"), "port": ep.get("Port") or 6379, "size": rg.get("CacheNodeType"),
                       "status": status}
                if status == "create-failed":
                    return {**out, "state": "failed", "reason": "ElastiCache could not create the cluster"}
                return {**out, "state": "in_progress" if status in CACHE_BUSY else "available",
                        "reason": f"ElastiCache: {status}"}
            self.client("s3").head_bucket(Bucket=ident)
            return {"state": "available", "reason": "bucket exists", "address": ident, "port": None}
        except Exception as exc:
            if error_code(exc) in ("DBInstanceNotFound", "DBInstanceNotFoundFault", "ReplicationGroupNotFoundFault",
                                   "404", "NoSuchBucket", "NotFound"):
                return {"state": "missing", "reason": "not found"}
            raise

    # --- change ---------------------------------------------------------------------
    def modify_datastore(self, aws: str, ident: str, changes: dict[str, Any]) -> None:
        """changes: size, storage_gb, backup_retention_days, deletion_protection (applied now); for a
        queue visibility_timeout_seconds, retention_days, max_receives."""
        if aws == "sqs":
            self.modify_queue(ident, changes)
        elif aws == "rds":
            kw: dict[str, Any] = {"DBInstanceIdentifier": ident, "ApplyImmediately": True}
            for key, name in (("size", "DBInstanceClass"), ("storage_gb", "AllocatedStorage"),
                              ("backup_retention_days", "BackupRetentionPeriod"),
                              ("deletion_protection", "DeletionProtection")):
                if key in changes:
                    kw[name] = changes[key]
            self.client("rds").modify_db_instance(**kw)
        elif aws == "elasticache":
            kw = {"ReplicationGroupId": ident, "ApplyImmediately": True}
            if "size" in changes:
                kw["CacheNodeType"] = changes["size"]
            if "backup_retention_days" in changes:
                kw["SnapshotRetentionLimit"] = changes["backup_retention_days"]
            if len(kw) > 2:
                self.client("elasticache").modify_replication_group(**kw)

    def set_datastore_password(self, aws: str, ident: str, password: str) -> None:
        """A new master password (RDS: the old one stops working) or auth token (ElastiCache:
        ROTATE keeps the old one valid until the next change)."""
        if aws == "rds":
            self.client("rds").modify_db_instance(DBInstanceIdentifier=ident, MasterUserPassword=password,
                                                  ApplyImmediately=True)
        elif aws == "elasticache":
            self.client("elasticache").modify_replication_group(
                ReplicationGroupId=ident, AuthToken=password, AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True)

    # --- delete ---------------------------------------------------------------------
    def delete_datastore(self, aws: str, ident: str, final_snapshot: Optional[str]) -> str:
        """-> what happened, in words. A protected instance raises (the API refuses first); a
        non-empty bucket raises ValueError: Launchbay never deletes objects. A volume's file system
        goes with its files (its AWS Backup recovery points stay): the API asked for its name typed again."""
        if aws == "efs":
            return self._delete_volume(ident)
        if aws == "sqs":
            return self.delete_queue(ident)
        if aws == "firehose":
            return self.delete_drain(ident)
        if aws == "rds":
            try:
                kw: dict[str, Any] = {"DBInstanceIdentifier": ident, "DeleteAutomatedBackups": False}
                kw.update({"FinalDBSnapshotIdentifier": final_snapshot} if final_snapshot else {"SkipFinalSnapshot": True})
                self.client("rds").delete_db_instance(**kw)
            except Exception as exc:
                if error_code(exc) not in ("DBInstanceNotFound", "DBInstanceNotFoundFault"):
                    raise
                return "instance already gone"
            return f"instance deleted, final snapshot {final_snapshot}" if final_snapshot else "instance deleted"
        if aws == "elasticache":
            try:
                kw = {"ReplicationGroupId": ident, **({"FinalSnapshotIdentifier": final_snapshot} if final_snapshot else {})}
                self.client("elasticache").delete_replication_group(**kw)
            except Exception as exc:
                if error_code(exc) != "ReplicationGroupNotFoundFault":
                    raise
                return "cluster already gone"
            return f"cluster deleted, final snapshot {final_snapshot}" if final_snapshot else "cluster deleted"
        s3 = self.client("s3")
        try:
            listed = s3.list_objects_v2(Bucket=ident, MaxKeys=1)
        except Exception as exc:
            if error_code(exc) in ("NoSuchBucket", "404"):
                return "bucket already gone"
            raise
        if listed.get("KeyCount"):
            raise ValueError(f"bucket {ident} still holds objects: empty it first (Launchbay never deletes data)")
        s3.delete_bucket(Bucket=ident)
        return "bucket deleted"

    def delete_subnet_group(self, aws: str, name: str) -> None:
        if aws == "rds":
            with ignoring("DBSubnetGroupNotFoundFault", "InvalidDBSubnetGroupStateFault"):
                self.client("rds").delete_db_subnet_group(DBSubnetGroupName=name)
        elif aws == "elasticache":
            with ignoring("CacheSubnetGroupNotFoundFault", "CacheSubnetGroupInUse"):
                self.client("elasticache").delete_cache_subnet_group(CacheSubnetGroupName=name)

    # --- the connection, for linked services ----------------------------------------
    def put_connection(self, name: str, value: str) -> str:
        """A Secrets Manager secret (names start launchbay/: the execution role may read those) -> its ARN."""
        sm = self.client("secretsmanager")
        try:
            return sm.put_secret_value(SecretId=name, SecretString=value) and sm.describe_secret(SecretId=name)["ARN"]
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
        return sm.create_secret(Name=name, SecretString=value, Tags=aws_tags())["ARN"]

    def delete_connection(self, name: str) -> None:
        with ignoring("ResourceNotFoundException"):
            self.client("secretsmanager").delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
