"""Cloud adapters: AwsCloud (real AWS) and SandboxCloud (the moto server).

Import the concrete classes from their modules (chalicelib.cloud.aws,
chalicelib.cloud.sandbox); this package import stays free of boto3.
"""
