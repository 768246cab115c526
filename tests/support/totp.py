"""An authenticator app for tests: TOTP codes (pyotp) from the secret POST /auth/mfa/setup returns."""
from __future__ import annotations

import time
from typing import Optional

import pyotp


class Authenticator:
    """Codes of increasing time steps: the API accepts one step either side of now, each step
    once per user, so consecutive calls within a step still get fresh codes (past three in a
    30-second window, it waits for the next step)."""

    def __init__(self, secret: str):
        self.secret = secret
        self.totp = pyotp.TOTP(secret)
        self.last: Optional[int] = None

    def code(self) -> str:
        now = int(time.time() // 30)
        step = now - 1 if self.last is None else max(now - 1, self.last + 1)
        if step > now + 1:
            time.sleep((now + 1) * 30 - time.time() + 0.05)
        self.last = step
        return self.totp.generate_otp(step)

    def wrong(self) -> str:
        """Six digits that are no code of the window."""
        good = {self.totp.at(time.time() + d * 30) for d in (-1, 0, 1)}
        return next(c for c in ("123456", "654321", "111111", "222222") if c not in good)
