"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults are RFC 9106's second recommended option: argon2id,
# t=3, m=64 MiB, p=4. Kept explicit so a library upgrade cannot weaken them silently.
HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16)

# Verified against when the e-mail is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = HASHER.hash("observe-timing-equaliser")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
