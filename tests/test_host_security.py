"""Where the token may go: plain http only to this machine (or with the loudly named flag),
TLS verified against the OS trust store plus a configurable CA bundle, a certificate error
that says what to change, and a warning for a token file other users can read."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest
import trustme
import uvicorn

from circletui.api import CertificateNotTrusted, CircleCIClient
from circletui.api.transport_security import InsecureHostError, ssl_context
from circletui.cli import main
from circletui.config import ConfigError, Settings, resolve_settings
from circletui.hostsafety import INSECURE_HTTP_FLAG
from circletui.simulator import ManualClock, Simulator
from tests.config_helpers import TOKEN_ENV, args, write_cli_yml, write_config

# -- plain http ----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["http://ci.example.com", "http://10.0.0.5:8080",
                                  "http://circleci.internal/"])
def test_plain_http_to_another_machine_is_refused_with_the_fix(host: str, isolated_env) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(args(host=host), TOKEN_ENV, home=isolated_env.home)
    message = str(caught.value)
    assert "unencrypted" in message and "--host" in message
    assert "https://" + host.removeprefix("http://").rstrip("/") in message
    assert INSECURE_HTTP_FLAG in message


def test_the_refusal_names_where_the_host_came_from(isolated_env) -> None:
    env = {**TOKEN_ENV, "CIRCLECI_HOST": "http://ci.example.com"}
    with pytest.raises(ConfigError, match="CIRCLECI_HOST"):
        resolve_settings(args(), env, home=isolated_env.home)


@pytest.mark.parametrize("host", ["http://127.0.0.1:8080", "http://localhost:9000",
                                  "http://[::1]:8080", "http://127.1.2.3"])
def test_plain_http_to_loopback_is_accepted(host: str, isolated_env) -> None:
    settings = resolve_settings(args(host=host), TOKEN_ENV, home=isolated_env.home)
    assert settings.host.startswith("http://") and not settings.insecure_http


def test_the_flag_lets_it_through_and_the_cli_says_so(
    isolated_env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[Settings] = []
    monkeypatch.setenv("CIRCLECI_TOKEN", "tok")
    monkeypatch.setattr("circletui.ui.app.run_app", lambda s, state=None: started.append(s) or 0)
    assert main(["--host", "http://ci.example.com"]) == 2
    assert INSECURE_HTTP_FLAG in capsys.readouterr().err
    assert started == []

    assert main(["--host", "http://ci.example.com", INSECURE_HTTP_FLAG]) == 0
    (settings,) = started
    assert settings.insecure_http and settings.host == "http://ci.example.com"
    assert "unencrypted" in capsys.readouterr().err


def test_the_client_refuses_it_too_unless_allowed() -> None:
    with pytest.raises(InsecureHostError, match=INSECURE_HTTP_FLAG):
        CircleCIClient("tok", "http://ci.example.com")
    CircleCIClient("tok", "http://ci.example.com", allow_insecure_http=True)
    CircleCIClient("tok", "http://127.0.0.1:8080")


# -- the CA bundle -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def test_ca_bundle_comes_from_the_config_file_then_ssl_cert_file(
    isolated_env, tmp_path: Path, ca: trustme.CA
) -> None:
    mine, standard = tmp_path / "company.pem", tmp_path / "standard.pem"
    ca.cert_pem.write_to_path(str(mine))
    ca.cert_pem.write_to_path(str(standard))
    env = {**TOKEN_ENV, "SSL_CERT_FILE": str(standard)}
    assert resolve_settings(args(), env, home=isolated_env.home).ca_bundle == str(standard)
    write_config(isolated_env.config_file, f'ca_bundle = "{mine}"\n')
    assert resolve_settings(args(), env, home=isolated_env.home).ca_bundle == str(mine)
    assert resolve_settings(args(), TOKEN_ENV, home=isolated_env.home).ca_bundle == str(mine)


def test_a_missing_ca_bundle_is_a_config_error_naming_it(isolated_env, tmp_path: Path) -> None:
    env = {**TOKEN_ENV, "SSL_CERT_FILE": str(tmp_path / "nope.pem")}
    with pytest.raises(ConfigError, match=r"SSL_CERT_FILE.*nope\.pem"):
        resolve_settings(args(), env, home=isolated_env.home)


def test_an_unreadable_ca_bundle_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ValueError, match=r"bad\.pem"):
        ssl_context(bad)


async def test_a_plain_http_host_reads_neither_the_trust_store_nor_the_ca_bundle(
    tmp_path: Path,
) -> None:
    """Nothing goes over TLS to an http:// host (redirects are not followed), so a start
    against the simulator or a port-forward does not pay for reading CAs it cannot use."""
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    client = CircleCIClient("tok", "http://127.0.0.1:9", ca_bundle=str(bad))  # not read
    await client.aclose()
    with pytest.raises(ValueError, match=r"bad\.pem"):
        CircleCIClient("tok", "https://circleci.example", ca_bundle=str(bad))


def test_an_unreadable_ca_bundle_stops_the_command_with_its_name(
    isolated_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "not-a-ca.pem"
    bad.write_text("garbage")
    monkeypatch.setenv("CIRCLECI_TOKEN", "tok")
    monkeypatch.setenv("SSL_CERT_FILE", str(bad))
    assert main([]) == 2  # the real build_app: it fails before any terminal handling
    err = capsys.readouterr().err
    assert "not-a-ca.pem" in err and "Traceback" not in err


async def serve_tls(sim: Simulator, cert_pem: Path) -> tuple[uvicorn.Server, asyncio.Task, int]:
    config = uvicorn.Config(sim.app, host="127.0.0.1", port=0, lifespan="off",
                            log_level="critical", access_log=False,
                            ssl_certfile=str(cert_pem), ssl_keyfile=str(cert_pem))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.005)
    return server, task, server.servers[0].sockets[0].getsockname()[1]


async def test_tls_with_an_unknown_ca_says_which_host_and_which_setting(
    tmp_path: Path, ca: trustme.CA
) -> None:
    cert = tmp_path / "server.pem"
    ca.issue_cert("localhost", "127.0.0.1").private_key_and_cert_chain_pem.write_to_path(
        str(cert))
    bundle = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    sim = Simulator(seed=0, clock=ManualClock())
    server, task, port = await serve_tls(sim, cert)
    try:
        host = f"https://localhost:{port}"
        async with CircleCIClient(sim.token, host) as client:
            with pytest.raises(CertificateNotTrusted) as caught:
                await client.get_me()
            assert client.request_count == 1  # not retried: it cannot get better
        message = caught.value.message
        assert "localhost" in message and "ca_bundle" in message and "SSL_CERT_FILE" in message
        assert sim.token not in str(caught.value)
        assert sim.requests == []  # nothing reached the server, token included

        # The company CA configured: the same server is trusted, on top of the OS store.
        async with CircleCIClient(sim.token, host, ca_bundle=str(bundle)) as client:
            me = await client.get_me()
        assert me.login
    finally:
        server.should_exit = True
        async with asyncio.timeout(10):
            await task


# -- token files other users can read ------------------------------------------------------

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX mode bits")


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_readable_config_file_with_a_token_is_warned_about(mode: int, isolated_env) -> None:
    path = write_config(isolated_env.config_file, 'token = "tok-file"\n')
    path.chmod(mode)
    settings = resolve_settings(args(), {}, home=isolated_env.home)
    (warning,) = settings.warnings
    assert f"chmod 600 {path}" in warning
    assert "tok-file" not in warning


@posix_only
def test_a_readable_cli_yml_with_a_token_is_warned_about(isolated_env) -> None:
    path = write_cli_yml(isolated_env.home, "token: tok-yml\n")
    path.chmod(0o644)
    (warning,) = resolve_settings(args(), {}, home=isolated_env.home).warnings
    assert f"chmod 600 {path}" in warning and "cli.yml" in warning


@posix_only
def test_private_files_or_files_without_a_token_are_not_warned_about(isolated_env) -> None:
    config = write_config(isolated_env.config_file, 'token = "tok-file"\n')
    config.chmod(0o600)
    yml = write_cli_yml(isolated_env.home, "host: https://circleci.com\n")
    yml.chmod(0o644)
    assert resolve_settings(args(), {}, home=isolated_env.home).warnings == ()


@posix_only
def test_the_cli_prints_the_warning_before_starting(
    isolated_env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(isolated_env.config_file, 'token = "tok-file"\n')
    path.chmod(0o644)
    monkeypatch.setattr("circletui.ui.app.run_app", lambda s, state=None: 0)
    assert main([]) == 0
    assert f"chmod 600 {path}" in capsys.readouterr().err
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # told, not changed behind the user's back
