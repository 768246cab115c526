"""What each kind of resource is made of: engine, versions, sizes, port, the variables a linked
service receives, and the defaults. One table, read by validation, provisioning and cost.

A volume (EFS) is mounted into the services that link it, at the link's path; the variable it
gives them (`<NAME>_PATH`) holds that path. A queue (SQS, with its dead-letter queue) gives its
URL (`<NAME>_QUEUE_URL`): neither is a secret, so neither goes through Secrets Manager. A log
drain (Firehose) is linked by nobody: it takes the logs of its environment's services (all, or
those it names) and gives them no variable (resources/drains.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Kind:
    name: str
    aws: str                          # "rds" | "elasticache" | "s3" | "efs" | "sqs" | "firehose"
    engine: Optional[str]
    versions: tuple[str, ...]
    default_version: Optional[str]
    sizes: tuple[str, ...]            # instance / node classes offered (small to large)
    default_size: Optional[str]
    port: Optional[int]
    variable: str                     # what a linked service receives (the connection URL or name)
    holds_data: bool = True
    storage: bool = False             # has allocated storage (GB)
    mounted: bool = False             # a volume: linked at a path in the container, not by a connection

    @property
    def backups(self) -> bool:
        """Has a backup retention setting, and a final snapshot when deleted (RDS, ElastiCache)."""
        return self.aws in ("rds", "elasticache")

    @property
    def in_vpc(self) -> bool:
        """Lives in the environment's network: its own security group (and subnet group)."""
        return self.aws in ("rds", "elasticache", "efs")

    @property
    def secret_connection(self) -> bool:
        """Reaches linked services as a Secrets Manager secret (valueFrom); a volume's path and a
        queue's URL are plain variables."""
        return self.aws in ("rds", "elasticache", "s3")

    @property
    def queue(self) -> bool:
        return self.aws == "sqs"

    @property
    def drain(self) -> bool:
        """A log drain: no links and no variable; it takes its environment's services' logs."""
        return self.aws == "firehose"

    @property
    def read_only_links(self) -> bool:
        """A link may be read-only: a volume mounted read-only, a bucket its tasks may only read."""
        return self.aws in ("s3", "efs")

    @property
    def deletion_note(self) -> str:
        """What deleting one does to its data, in words."""
        if self.backups:
            return "a final snapshot is kept"
        if self.aws == "efs":
            return "the file system and its files go (its daily backups stay in AWS Backup for 35 days)"
        if self.queue:
            return "the queue, its dead-letter queue and every message in them go"
        if self.drain:
            return ("the services' logs stop going to its destination (they stay in CloudWatch Logs); "
                    "the deliveries that failed, kept in its bucket, go")
        return "the bucket goes (refused while it holds objects)"

    def variable_for(self, name: str) -> str:
        """The variable a link gives by default: the kind's, or `<NAME>_PATH` (a volume),
        `<NAME>_QUEUE_URL` (a queue): a service often links several of those."""
        return self.variable.replace("<NAME>", name.upper().replace("-", "_"))


_DB_SIZES = ("db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.m7g.large", "db.m7g.xlarge",
             "db.r7g.large", "db.r7g.xlarge")
KINDS: dict[str, Kind] = {
    "postgres": Kind("postgres", "rds", "postgres", ("17", "16", "15", "14"), "16", _DB_SIZES, "db.t4g.micro",
                     5432, "DATABASE_URL", storage=True),
    "mysql": Kind("mysql", "rds", "mysql", ("8.4", "8.0"), "8.0", _DB_SIZES, "db.t4g.micro", 3306, "DATABASE_URL",
                  storage=True),
    "redis": Kind("redis", "elasticache", "redis", ("7.1", "6.2"), "7.1",
                  ("cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium", "cache.m7g.large", "cache.r7g.large"),
                  "cache.t4g.micro", 6379, "REDIS_URL"),
    "bucket": Kind("bucket", "s3", None, (), None, (), None, None, "S3_BUCKET"),
    "volume": Kind("volume", "efs", None, (), None, (), None, 2049, "<NAME>_PATH", mounted=True),
    "queue": Kind("queue", "sqs", None, (), None, (), None, None, "<NAME>_QUEUE_URL"),
    "log_drain": Kind("log_drain", "firehose", None, (), None, (), None, None, "", holds_data=False),
}
STORAGE_GB = (20, 16384)       # RDS gp3 limits
BACKUP_DAYS = (0, 35)          # RDS/ElastiCache automated backup retention
# SQS: how long a received message stays hidden from other consumers, how long an unreceived one is
# kept, and after how many receives it goes to the dead-letter queue (AWS's limits)
VISIBILITY_SECONDS = (0, 43200)
RETENTION_DAYS = (1, 14)
MAX_RECEIVES = (1, 1000)
QUEUE_DEFAULTS = {"visibility_timeout_seconds": 60, "retention_days": 4, "max_receives": 5}
PRODUCTION_NAMES = frozenset({"production", "prod"})   # deletion protection on by default there
