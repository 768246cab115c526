#!/usr/bin/env python3
"""Print a new KMS-encrypted data key for LAUNCHBAY_SECRETS_DATA_KEY.

    AWS_PROFILE=prod python scripts/new_data_key.py alias/launchbay-secrets

Only the ciphertext is printed: the plaintext key never leaves KMS except into the
memory of the processes that decrypt it. Rotating: re-encrypt the stored secrets with
the new key (a later issue) before switching."""
import base64
import sys

import boto3


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    out = boto3.client("kms").generate_data_key(KeyId=sys.argv[1], KeySpec="AES_256")
    print(base64.b64encode(out["CiphertextBlob"]).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
