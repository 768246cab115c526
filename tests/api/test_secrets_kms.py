"""Secrets at rest under a KMS data key (envelope encryption), against the sandbox's KMS."""
import base64

import boto3
from cryptography.fernet import Fernet, InvalidToken

from chalicelib import wiring as settings_module


def test_secrets_are_encrypted_with_the_kms_data_key(make_org, launchbay_env, monkeypatch):
    kms = boto3.client("kms", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    key_id = kms.create_key(Description="launchbay secrets")["KeyMetadata"]["KeyId"]
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    monkeypatch.setenv("LAUNCHBAY_SECRETS_DATA_KEY", base64.b64encode(data_key["CiphertextBlob"]).decode())
    settings_module.reset()
    ports = settings_module.get_ports()
    org = make_org()
    svc = org.service(name="w", image="nginx")
    assert org.call("PUT", f"/services/{svc['id']}/secrets/TOKEN", {"value": "kms-protected"})[0] == 200
    stored = ports.store.collection("secrets").find_one({"service_id": svc["id"]})
    right = Fernet(base64.urlsafe_b64encode(data_key["Plaintext"]))
    assert right.decrypt(stored["ciphertext"].encode()) == b"kms-protected"
    monkeypatch.delenv("LAUNCHBAY_SECRETS_DATA_KEY")
    settings_module.reset()
    local = Fernet(settings_module.get_settings().fernet_key())
    try:
        local.decrypt(stored["ciphertext"].encode())
        raise AssertionError("the local key must not open a KMS-protected secret")
    except InvalidToken:
        pass
