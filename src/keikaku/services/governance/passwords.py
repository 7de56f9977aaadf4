"""Password policy and hashing: argon2id (argon2-cffi's RFC 9106 low-memory profile), at least 12 characters."""

from __future__ import annotations

import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from keikaku.services.core.errors import ValidationError

#: The hasher used for every password; tests swap in a cheap one.
PASSWORD_HASHER = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


def normalise_password(password: str) -> str:
    """NFC, as RFC 8265 asks for passwords, so the same keystrokes always give the same password."""
    return unicodedata.normalize("NFC", password)


def check_password_policy(password: str) -> str:
    """Return the normalised password, or raise :class:`ValidationError` if it is too short or too long."""
    pw = normalise_password(password)
    if len(pw) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"パスワードは {MIN_PASSWORD_LENGTH} 文字以上にしてください")
    if len(pw) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"パスワードは {MAX_PASSWORD_LENGTH} 文字以内にしてください")
    if not pw.strip():
        raise ValidationError("空白だけのパスワードは使えません")
    return pw


def generate_password() -> str:
    """A random one-time password (96 bits in 16 URL-safe characters), to be changed at first login."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    """The argon2id hash of a password that meets the policy (raises :class:`ValidationError` otherwise)."""
    return PASSWORD_HASHER.hash(check_password_policy(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for a malformed hash, never an exception)."""
    try:
        return PASSWORD_HASHER.verify(password_hash, normalise_password(password)[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with weaker parameters than the current hasher's."""
    try:
        return PASSWORD_HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


_dummy_hashes: dict[int, str] = {}


def waste_verification(password: str) -> None:
    """Verify ``password`` against a throwaway hash: an unknown username costs as much as a known one."""
    key = id(PASSWORD_HASHER)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = PASSWORD_HASHER.hash(secrets.token_urlsafe(16))
    verify_password(_dummy_hashes[key], password)
