"""Webhook secrets: read from a file or an environment variable when an alert is signed, never
taken on a command line, never stored in the graph, never logged. A secret given through the
API is kept in the data folder, 0600 in a 0700 folder, and the subscription names that file."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from engine.alerts.model import Subscription

MAX_SECRET = 4096


class SecretError(ValueError):
    """A secret that cannot be read (the message never contains it)."""


def read_secret_file(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise SecretError(f"the secret file {path} is not a regular file")
        data = path.read_bytes()[: MAX_SECRET + 1]
    except OSError as exc:
        raise SecretError(f"cannot read the secret file {path}: {exc.strerror}") from exc
    value = data.strip()
    if not value:
        raise SecretError(f"the secret file {path} is empty")
    if len(value) > MAX_SECRET:
        raise SecretError(f"the secret in {path} is over {MAX_SECRET} bytes")
    return value


def loose_permissions(path: Path) -> bool:
    """True if others than the owner may read the file (worth a warning)."""
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def webhook_secret(sub: Subscription) -> bytes:
    """The secret that signs ``sub``'s webhooks."""
    if sub.secret_env:
        value = os.environ.get(sub.secret_env, "").strip()
        if not value:
            raise SecretError(f"the environment variable {sub.secret_env} holding the webhook secret is not set")
        return value.encode()
    if sub.secret_file:
        return read_secret_file(Path(sub.secret_file))
    raise SecretError("this subscription has no webhook secret")


def keep_secret(home: Path, secret: str) -> Path:
    """Keep a secret given through the API: ``<home>/alerts/secrets/<digest>``, 0600 in 0700."""
    value = secret.strip().encode()
    if not value or len(value) > MAX_SECRET:
        raise SecretError(f"a webhook secret is 1 to {MAX_SECRET} bytes")
    folder = home / "alerts" / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    os.chmod(folder.parent, 0o700)
    path = folder / hashlib.sha256(value).hexdigest()[:24]
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(value)
        os.replace(tmp, path)
    os.chmod(path, 0o600)
    return path.resolve()
