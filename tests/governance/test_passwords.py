"""Password policy and hashing, and CSRF tokens: no database needed."""

import pytest
from argon2 import PasswordHasher, profiles

from keikaku.services.core.errors import ValidationError
from keikaku.services.governance import passwords
from keikaku.services.governance.sessions import check_csrf, csrf_token, hash_token, new_csrf_secret


def test_production_hasher_is_argon2id_with_rfc9106_low_memory_parameters() -> None:
    # The autouse fixture swapped the module global; the class default is what production uses.
    hasher = PasswordHasher()
    expected = profiles.RFC_9106_LOW_MEMORY
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        expected.time_cost,
        expected.memory_cost,
        expected.parallelism,
    )
    assert hasher.type.name == "ID"


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first = passwords.hash_password("正しい馬のバッテリー留め金")
    second = passwords.hash_password("正しい馬のバッテリー留め金")
    assert first.startswith("$argon2id$")
    assert first != second  # a new salt every time
    assert passwords.verify_password(first, "正しい馬のバッテリー留め金")
    assert not passwords.verify_password(first, "正しい馬のバッテリー留め")


def test_verify_normalises_to_nfc() -> None:
    composed = "パスワードがばがば１２３"  # が as one code point
    decomposed = "パスワードか\u3099は\u3099か\u3099は\u3099１２３"  # か + combining voiced mark
    assert passwords.verify_password(passwords.hash_password(composed), decomposed)


def test_malformed_hash_is_false_not_an_exception() -> None:
    assert passwords.verify_password("not-a-hash", "whatever password") is False
    assert passwords.needs_rehash("not-a-hash") is True


@pytest.mark.parametrize("bad", ["short", "x" * 11, " " * 12, "x" * 1025])
def test_policy_refuses_short_blank_and_huge_passwords(bad: str) -> None:
    with pytest.raises(ValidationError):
        passwords.hash_password(bad)


def test_generated_password_meets_the_policy_and_differs() -> None:
    generated = {passwords.generate_password() for _ in range(20)}
    assert len(generated) == 20
    for pw in generated:
        assert passwords.check_password_policy(pw) == pw


def test_csrf_token_verifies_only_with_its_secret() -> None:
    secret, other = new_csrf_secret(), new_csrf_secret()
    token = csrf_token(secret)
    assert token != csrf_token(secret)  # masked: a fresh token per form
    assert check_csrf(secret, token)
    assert check_csrf(secret, csrf_token(secret))
    assert not check_csrf(other, token)
    nonce, mac = token.split(".")
    assert not check_csrf(secret, f"{nonce}.{'0' * len(mac)}")
    for bad in (None, "", "nodot", "a.b.c", "x" * 500, token + "0"):
        assert not check_csrf(secret, bad)
    assert not check_csrf("", token)


def test_token_hash_is_sha256_hex() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
