"""The node's credential on its disk, and the token it sends before it holds one."""

import stat

from ovirt_node_config.agent.credential import CREDENTIAL_FILE, TOKEN_PREFIX, CredentialStore


def test_before_a_credential_a_run_sends_one_token_of_its_own_and_writes_nothing(tmp_path):
    store = CredentialStore(tmp_path)
    first = store.presented()
    assert first.startswith(TOKEN_PREFIX) and store.presented() == first  # the same on every retry
    assert CredentialStore(tmp_path).presented() != first  # another run, another token
    assert list(tmp_path.iterdir()) == []


def test_the_credential_is_kept_root_only_and_sent_from_then_on(tmp_path):
    store = CredentialStore(tmp_path)
    store.keep("c" * 43)
    assert store.presented() == "c" * 43 and CredentialStore(tmp_path).presented() == "c" * 43
    assert stat.S_IMODE((tmp_path / CREDENTIAL_FILE).stat().st_mode) == 0o600
