"""DPF-34's partner mode as a target names it: the `[go_live]` table of a target file (validated with the key and
line of each mistake) and the DPF_GO_LIVE_* variables of a `--base-url` run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from playbooks.harness.cli import PROJECT_ROOT
from playbooks.harness.go_live import PartnerIntegration, PartnerIntegrationError, partner_integration
from playbooks.harness.target_file import TargetFileError, parse

ENV = {"PARTNER_DEV_PASSWORD": "s3cret", "PARTNER_ADMIN_TOTP": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}
FILE = """\
[target]
base_url = "https://developers.partner.example"

[accounts.developer]
email = "qa@partner.example"
password_env = "PARTNER_DEV_PASSWORD"

[accounts.go_live_admin]
email = "admin@partner.example"
password_env = "PARTNER_DEV_PASSWORD"
totp_secret_env = "PARTNER_ADMIN_TOTP"

[go_live]
client_id = "ci_partner_live"
webhook_endpoint_id = 12
"""


def parsed(text: str = FILE):
    return parse(text, Path("partner.toml"), ENV)


def test_the_go_live_table_names_the_partners_integration_to_the_run():
    target = parsed()
    assert target.go_live == PartnerIntegration("ci_partner_live", "12")
    assert target.go_live.secret_name == "ci_partner_live.client_secret"
    env = target.environment(ENV)
    assert env["DPF_GO_LIVE_CLIENT_ID"] == "ci_partner_live" and env["DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID"] == "12"
    assert "DPF_GO_LIVE_WEBHOOK_URL" not in env
    assert env["DPF_GO_LIVE_ADMIN_TOTP_SECRET"] == ENV["PARTNER_ADMIN_TOTP"]
    assert partner_integration(env) == target.go_live


@pytest.mark.parametrize("written", ['"wh_02989bb2e50b"', '"7f0c3c1e-5b7a-4a43-9d51-1f8f3c2a9b10"', '" 12 "', "12"])
def test_the_endpoint_id_is_an_opaque_string_kept_as_written(written):
    target = parsed(FILE.replace("webhook_endpoint_id = 12", f"webhook_endpoint_id = {written}"))
    expected = written.strip('"').strip()
    assert target.go_live == PartnerIntegration("ci_partner_live", expected)
    assert target.environment(ENV)["DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID"] == expected
    assert partner_integration(target.environment(ENV)) == target.go_live


def test_the_endpoint_may_be_named_by_its_url():
    target = parsed(FILE.replace("webhook_endpoint_id = 12", 'webhook_url = "https://hooks.partner.example/in"'))
    assert target.go_live == PartnerIntegration("ci_partner_live", None, "https://hooks.partner.example/in")
    assert target.environment(ENV)["DPF_GO_LIVE_WEBHOOK_URL"] == "https://hooks.partner.example/in"


def test_without_the_table_dpf_34_prepares_fresh_objects():
    target = parsed(FILE.split("[go_live]")[0])
    assert target.go_live is None
    assert not any(name.startswith("DPF_GO_LIVE_C") for name in target.environment(ENV))
    assert partner_integration({}) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("webhook_endpoint_id = 12", "webhook_endpoint_id = 12\nsecret = \"x\""),
         r"partner.toml:\d+: go_live.secret: unknown key; expected one of client_id, webhook_endpoint_id, webhook_url"),
        (lambda t: t.replace('client_id = "ci_partner_live"\n', ""), r"partner.toml: go_live.client_id: missing"),
        (lambda t: t.replace('client_id = "ci_partner_live"', "client_id = 7"), r"go_live.client_id: missing"),
        (lambda t: t.replace("webhook_endpoint_id = 12", ""), r"go_live.webhook_endpoint_id: missing, or webhook_url"),
        (lambda t: t.replace("webhook_endpoint_id = 12", 'webhook_endpoint_id = "hooks/12"'),
         r"partner.toml:\d+: go_live.webhook_endpoint_id: 'hooks/12' is not an endpoint's ID"),
        (lambda t: t.replace("webhook_endpoint_id = 12", 'webhook_endpoint_id = ""'), r"'' is not an endpoint's ID"),
        (lambda t: t.replace("webhook_endpoint_id = 12", "webhook_endpoint_id = true"), r"True is not an endpoint's ID"),
        (lambda t: t.replace("webhook_endpoint_id = 12", "webhook_endpoint_id = 1.5"), r"1.5 is not an endpoint's ID"),
        (lambda t: t.replace("webhook_endpoint_id = 12", 'webhook_url = "hooks.partner.example"'),
         r"go_live.webhook_url: 'hooks.partner.example' is not an http\(s\) address"),
        (lambda t: t.replace("[go_live]", "[golive]"), r"golive: unknown key; expected one of .*go_live"),
        (lambda t: t.replace("[accounts.go_live_admin]", "[accounts.go_live_admin_old]"),
         r"accounts.go_live_admin_old: unknown key"),
    ],
)
def test_a_mistake_in_the_go_live_table_is_named_with_its_key(change, message):
    with pytest.raises(TargetFileError, match=message):
        parsed(change(FILE))


def test_the_integration_is_checked_as_the_go_live_admin_of_the_partner():
    without_admin = FILE.replace('[accounts.go_live_admin]\nemail = "admin@partner.example"\n'
                                 'password_env = "PARTNER_DEV_PASSWORD"\ntotp_secret_env = "PARTNER_ADMIN_TOTP"\n', "")
    with pytest.raises(TargetFileError, match="accounts.go_live_admin: missing: DPF-34 checks"):
        parsed(without_admin)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID": "3"}, "DPF_GO_LIVE_CLIENT_ID: missing"),
        ({"DPF_GO_LIVE_CLIENT_ID": "ci_x"}, "DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID: missing, or webhook_url"),
        ({"DPF_GO_LIVE_CLIENT_ID": "ci_x", "DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID": "x 3"},
         "DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID: 'x 3' is not an endpoint's ID"),
    ],
)
def test_a_base_url_run_names_the_variable_that_is_wrong(environ, message):
    with pytest.raises(PartnerIntegrationError, match=message):
        partner_integration(environ)


def test_a_base_url_run_names_the_integration_in_the_environment():
    assert partner_integration({"DPF_GO_LIVE_CLIENT_ID": "ci_x", "DPF_GO_LIVE_WEBHOOK_URL": "https://h.example/in"}) \
        == PartnerIntegration("ci_x", None, "https://h.example/in")


def test_target_check_names_a_bad_go_live_key(tmp_path: Path):
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(FILE)
    bad.write_text(FILE.replace("webhook_endpoint_id = 12", "webhook_id = 12"))

    def check(file: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "playbooks.harness.cli", "target", "check", str(file)],
                              cwd=PROJECT_ROOT, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=120)

    checked = check(good)
    assert checked.returncode == 0, checked.stderr
    assert "DPF-34 checks the partner's own integration: client ci_partner_live" in checked.stdout
    refused = check(bad)
    assert refused.returncode == 4
    assert f"{bad}:" in refused.stderr and "go_live.webhook_id: unknown key" in refused.stderr
