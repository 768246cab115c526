"""Managed resources beside the services: PostgreSQL and MySQL (RDS), Redis (ElastiCache) and
S3 buckets, one environment each; services link them and get their connection as secrets."""
