from observe.auth.passwords import hash_password, needs_rehash, verify_password


def test_hash_is_argon2id_with_the_agreed_cost():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not needs_rehash(stored)


def test_verify_accepts_only_the_right_password():
    stored = hash_password("correct horse battery")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(None, "correct horse battery")  # an account without a password
    assert not verify_password("not a hash", "x")


def test_a_weaker_old_hash_is_upgraded_at_login(client, teacher):
    from argon2 import PasswordHasher

    from observe.extensions import db
    from tests.conftest import PASSWORD, login

    teacher.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.session.commit()
    assert login(client, teacher).status_code == 302
    db.session.refresh(teacher)
    assert teacher.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
