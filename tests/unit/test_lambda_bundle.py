"""The Lambda bundle is built from requirements.txt: keep out what Lambda provides or what
drags in a second botocore (chalice's CLI, boto3, aws-xray-sdk): 35 MB zipped with them, 14 without;
and Celery, which only the worker runs (the API publishes with kombu: 1.8 MB less)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def names(path):
    return {line.split("==")[0].strip().lower() for line in (ROOT / path).read_text().splitlines()
            if line.strip() and not line.startswith(("#", "-r"))}


def test_requirements_leave_out_what_lambda_ships():
    api = names("requirements.txt")
    assert not api & {"chalice", "boto3", "botocore", "aws-xray-sdk", "moto", "pytest", "tantivy", "celery"}
    assert {"pydantic", "pyjwt", "argon2-cffi", "cryptography", "pymongo", "redis", "kombu"} <= api


def test_the_other_images_bring_them():
    assert {"chalice", "boto3", "aws-xray-sdk"} <= names("requirements-dev.txt")
    assert {"boto3", "aws-xray-sdk", "celery"} <= names("requirements-worker.txt")
    assert "celery" in names("requirements-dev.txt")
    docker = (ROOT / "Dockerfile").read_text()
    assert "chalice==" in docker and "aws-xray-sdk==" in docker
