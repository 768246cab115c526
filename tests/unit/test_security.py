import time

import pytest

from chalicelib.core import security
from chalicelib.core.errors import Unauthorized

SECRET = "s" * 40


def test_jwt_roundtrip_and_cached_tokens_still_expire(monkeypatch):
    token = security.issue_jwt("usr_1", SECRET, ttl=60)
    claims = security.decode_jwt(token, SECRET)
    assert claims["sub"] == "usr_1"
    real = time.time
    monkeypatch.setattr(security.time, "time", lambda: real() + 120)   # the cached token is now past exp
    with pytest.raises(Unauthorized, match="expired"):
        security.decode_jwt(token, SECRET)


def test_jwt_names_its_session_and_carries_nothing_else():
    token = security.issue_jwt("usr_1", SECRET, ttl=60, session_id="ses_1")
    claims = security.decode_jwt(token, SECRET)
    assert claims["sid"] == "ses_1"
    assert set(claims) == {"sub", "sid", "exp", "typ"}   # the address is the session's
    import jwt
    assert jwt.get_unverified_header(token) == {"alg": "HS256"}
    assert "sid" not in security.decode_jwt(security.issue_jwt("usr_1", SECRET, ttl=60), SECRET)


def test_a_remembered_token_is_not_taken_for_another_secret_or_type(monkeypatch):
    token = security.issue_jwt("usr_1", SECRET, ttl=60, session_id="ses_1")
    assert security.decode_jwt(token, SECRET)["sid"] == "ses_1"          # now remembered
    with pytest.raises(Unauthorized):
        security.decode_jwt(token, "t" * 40)                           # another key: checked again
    with pytest.raises(Unauthorized):
        security.decode_jwt(token, SECRET, typ="mfa")                  # an access token is no challenge
    assert security.decode_jwt(token, SECRET)["sub"] == "usr_1"
    monkeypatch.setattr(security, "_MAX_VERIFIED", 3)                  # bounded: forgotten all at once
    for n in range(5):
        security.decode_jwt(security.issue_jwt(f"usr_{n}", SECRET, ttl=60), SECRET)
        assert len(security._VERIFIED) <= 3


def test_jwt_rejects_other_secrets_and_garbage():
    token = security.issue_jwt("usr_1", SECRET, ttl=60)
    for bad, secret in ((token, "t" * 40), ("not.a.jwt", SECRET), (token + "x", SECRET)):
        with pytest.raises(Unauthorized):
            security.decode_jwt(bad, secret)


def test_passwords_and_api_tokens_are_hashed():
    h = security.hash_password("correct horse")
    assert h.startswith("$argon2") and security.verify_password(h, "correct horse")
    assert not security.verify_password(h, "wrong horse") and not security.verify_password("garbage", "x")
    plain, digest, prefix = security.new_api_token()
    assert plain.startswith("lb_") and digest == security.hash_api_token(plain) and plain not in digest
    assert plain.startswith(prefix)


def test_fernet_roundtrip():
    import base64
    key = base64.urlsafe_b64encode(b"k" * 32)
    token = security.encrypt(key, "value")
    assert token != "value" and security.decrypt(key, token) == "value"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_deployed_stages_refuse_the_built_in_keys(stage, monkeypatch):
    from chalicelib import settings as settings_module

    for key in ("LAUNCHBAY_JWT_SECRET", "LAUNCHBAY_SECRETS_KEY", "LAUNCHBAY_SECRETS_DATA_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LAUNCHBAY_STAGE", stage)
    settings_module.reset()
    try:
        with pytest.raises(RuntimeError, match="LAUNCHBAY_JWT_SECRET"):
            settings_module.get_settings()
        monkeypatch.setenv("LAUNCHBAY_JWT_SECRET", "j" * 40)   # the secrets key is still derived from it
        settings_module.reset()
        with pytest.raises(RuntimeError, match="LAUNCHBAY_SECRETS_DATA_KEY"):
            settings_module.get_settings()
        monkeypatch.setenv("LAUNCHBAY_SECRETS_KEY", "k" * 44)
        settings_module.reset()
        assert settings_module.get_settings().stage == stage
    finally:
        settings_module.reset()


@pytest.mark.parametrize("stage", ["local", "test"])
def test_local_and_test_stages_may_use_the_built_in_keys(stage, monkeypatch):
    from chalicelib import settings as settings_module

    for key in ("LAUNCHBAY_JWT_SECRET", "LAUNCHBAY_SECRETS_KEY", "LAUNCHBAY_SECRETS_DATA_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LAUNCHBAY_STAGE", stage)
    settings_module.reset()
    try:
        assert settings_module.get_settings().fernet_key()
    finally:
        settings_module.reset()
