"""Administrator accounts: scrypt hashes, create-or-reset, authentication."""

import pytest

from ovirt_node_config.accounts import admins, sessions
from ovirt_node_config.errors import InvalidInput


def test_hashes_are_salted_scrypt_and_verify():
    first, second = admins.hash_password("correct horse"), admins.hash_password("correct horse")
    assert first.startswith("scrypt$16384$8$1$") and first != second
    assert admins.verify_password("correct horse", first)
    assert not admins.verify_password("correct horsf", first)
    assert not admins.verify_password("x", "md5$abc")


def test_unknown_names_are_checked_against_a_real_hash_at_the_same_cost():
    assert admins.hash_password("not a password", salt=b"\0" * 16) == admins.DUMMY_HASH


def test_create_reset_and_authenticate(db):
    assert admins.set_admin(db, "alice", "first-password") is True
    assert admins.authenticate(db, "alice", "first-password") == ("alice", "admin")
    assert admins.set_admin(db, "alice", "second-password") is False
    assert admins.authenticate(db, "alice", "first-password") is None
    assert admins.authenticate(db, "alice", "second-password") == ("alice", "admin")
    assert admins.authenticate(db, "mallory", "second-password") is None
    assert admins.authenticate(db, None, None) is None


def test_a_password_reset_ends_the_sessions_opened_with_the_old_one(db):
    admins.set_admin(db, "alice", "first-password")
    admins.set_admin(db, "bob", "bobs-password")
    alices, bobs = sessions.login(db, "alice")["token"], sessions.login(db, "bob")["token"]
    admins.set_admin(db, "alice", "second-password")
    assert sessions.holder(db, alices) is None
    assert sessions.holder(db, bobs) == ("bob", "admin")


@pytest.mark.parametrize("name, password", [("a b", "long-enough"), ("", "long-enough"), ("alice", "short")])
def test_bad_accounts_are_refused(db, name, password):
    with pytest.raises(InvalidInput):
        admins.set_admin(db, name, password)
