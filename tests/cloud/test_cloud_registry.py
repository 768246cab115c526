"""ECR image tags are pinned to digests; other registries are left alone."""
import hashlib
import json

import boto3
import pytest

from chalicelib.cloud.sandbox import SandboxCloud
from tests.support.cloud import make_settings


@pytest.fixture
def cloud(moto_url):
    return SandboxCloud(make_settings(moto_url))


def test_ecr_tags_resolve_to_digests(cloud, moto_url):
    ecr = boto3.client("ecr", endpoint_url=moto_url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    repo = ecr.create_repository(repositoryName="shop-api")["repository"]
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {"digest": "sha256:" + "a" * 64}, "layers": []})
    ecr.put_image(repositoryName="shop-api", imageManifest=manifest, imageTag="v1")
    digest = ecr.describe_images(repositoryName="shop-api")["imageDetails"][0]["imageDigest"]
    out = cloud.resolve_image(f"{repo['repositoryUri']}:v1")
    assert out == {"image": f"{repo['repositoryUri']}@{digest}", "digest": digest, "pinned": True}
    assert cloud.resolve_image("nginx:1.27") == {"image": "nginx:1.27", "digest": None, "pinned": False}
    pinned = f"{repo['repositoryUri']}@sha256:{hashlib.sha256(b'x').hexdigest()}"
    assert cloud.resolve_image(pinned)["image"] == pinned
