"""Where alerts go: webhooks (signed JSON over HTTP), e-mail (SMTP, STARTTLS and AUTH), and the
timing of retries. (Kafka topics are sent by the stream worker's own producer.)

A webhook carries ``X-Vinculo-Signature: sha256=<HMAC-SHA256 of the body with the secret>`` and
``X-Vinculo-Delivery: <idempotency id>`` — the same on every try of one alert, so that a
receiver can drop a duplicate. Any 2xx is accepted; anything else, or no answer within the time
limit, is a failed try, retried later. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage

import httpx

from engine.settings import Settings

H_SIGNATURE = "X-Vinculo-Signature"
H_DELIVERY = "X-Vinculo-Delivery"
H_EVENT = "X-Vinculo-Event"
H_SUBSCRIPTION = "X-Vinculo-Subscription"


@dataclass(frozen=True)
class Outcome:
    """One try: accepted or not, what the other end said, how long it took."""

    ok: bool
    detail: str
    seconds: float


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature or "")


def backoff(tries: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before try ``tries + 1``: exponential, capped, with jitter (half to one and a half)."""
    rng = rng or random.Random()
    return min(cap, base * 2 ** max(tries - 1, 0)) * rng.uniform(0.5, 1.5)


class Webhooks:
    def __init__(self, timeout: float):
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                         headers={"User-Agent": "Vinculo-Alerts/1"})

    async def send(self, url: str, secret: bytes, body: bytes, delivery_id: str, event_kind: str,
                   subscription_id: str) -> Outcome:
        headers = {"Content-Type": "application/json; charset=utf-8", H_SIGNATURE: sign(secret, body),
                   H_DELIVERY: delivery_id, H_EVENT: event_kind, H_SUBSCRIPTION: subscription_id}
        started = time.perf_counter()
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(False, f"{type(exc).__name__}: {exc}".rstrip(": ") or type(exc).__name__,
                           time.perf_counter() - started)
        took = time.perf_counter() - started
        if 200 <= response.status_code < 300:
            return Outcome(True, f"HTTP {response.status_code}", took)
        text = response.text[:200].strip().replace("\n", " ")
        return Outcome(False, f"HTTP {response.status_code}{': ' + text if text else ''}", took)

    async def close(self) -> None:
        await self._client.aclose()


class Mailer:
    """SMTP as the settings say: ``VINCULO_SMTP_HOST``, ``_PORT``, ``_STARTTLS``, ``_USER`` with
    ``_PASSWORD`` or ``_PASSWORD_FILE``, ``_FROM``, ``_CAFILE``."""

    def __init__(self, settings: Settings):
        self.settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.smtp_host)

    def _password(self) -> str | None:
        s = self.settings
        if s.smtp_password is not None:
            return s.smtp_password.get_secret_value()
        if s.smtp_password_file is not None:
            from engine.alerts.secret import read_secret_file

            return read_secret_file(s.smtp_password_file).decode()
        return None

    def send(self, message: EmailMessage) -> Outcome:
        """One try, blocking (the worker runs it in a thread)."""
        s = self.settings
        started = time.perf_counter()
        if not s.smtp_host:
            return Outcome(False, "no SMTP server configured (VINCULO_SMTP_HOST)", 0.0)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
                smtp.ehlo()
                if s.smtp_starttls:
                    context = ssl.create_default_context(cafile=str(s.smtp_cafile) if s.smtp_cafile else None)
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if s.smtp_user:
                    password = self._password()
                    if password is None:
                        return Outcome(False, "SMTP user set without a password (VINCULO_SMTP_PASSWORD_FILE)",
                                       time.perf_counter() - started)
                    smtp.login(s.smtp_user, password)
                refused = smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            return Outcome(False, f"SMTP {exc.smtp_code}: {detail}"[:300], time.perf_counter() - started)
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            return Outcome(False, f"{type(exc).__name__}: {exc}"[:300], time.perf_counter() - started)
        took = time.perf_counter() - started
        if refused:
            return Outcome(False, f"recipients refused: {', '.join(refused)}", took)
        return Outcome(True, "accepted by the SMTP server", took)
