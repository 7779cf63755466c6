"""A partner's target file: validated with the key and line of each mistake, profiles and expected deviations
applied to the verdict, and `dpf target check` / `dpf run --target` honouring it."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fixtures.overrides import partner_path, route_patterns
from playbooks.harness.cli import PROJECT_ROOT
from playbooks.harness.target_file import TargetFileError, judge, parse, unused_deviations

ENV = {"PARTNER_DEV_PASSWORD": "s3cret", "PARTNER_TOTP": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}
TODAY = datetime.date(2026, 11, 29)
GOOD = """\
[target]
base_url = "https://developers.partner.example/"
webhook_public_url = "https://hooks.partner.example/dpf"

[accounts.developer]
email = "qa@partner.example"
password_env = "PARTNER_DEV_PASSWORD"

[accounts.developer_2fa]
email = "qa-2fa@partner.example"
password_env = "PARTNER_DEV_PASSWORD"
totp_secret_env = "PARTNER_TOTP"

[flows]
DPF-28 = { profile = "not-applicable", reason = "sign-in is SSO only" }
DPF-16 = { profile = "optional" }

[overrides.testids]
key-row = "tr.credential"

[overrides.routes]
applications = "/developer/apps"
application = "/developer/apps/<id>/overview"

[[deviations]]
flow = "DPF-22"
reason = "old signature dropped at once; fixed in 4.2"
ticket = "PORT-1234"
expires = 2027-01-31
"""


def parsed(text: str = GOOD, env: dict[str, str] | None = None):
    return parse(text, Path("partner.toml"), ENV if env is None else env)


def test_a_good_file_gives_the_run_its_target_and_accounts():
    target = parsed()
    assert target.base_url == "https://developers.partner.example"
    assert target.profile("DPF-28").profile == "not-applicable" and target.profile("DPF-01").profile == "mandatory"
    env = target.environment(ENV)
    assert env["DPF_BASE_URL"] == "https://developers.partner.example"
    assert env["DPF_DEVELOPER_PASSWORD"] == "s3cret" and env["DPF_2FA_DEVELOPER_TOTP_SECRET"] == ENV["PARTNER_TOTP"]
    assert env["DPF_WEBHOOK_PUBLIC_URL"] == "https://hooks.partner.example/dpf"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("[flows]", "[flow]"), r"partner.toml:\d+: flow: unknown key"),
        (lambda t: t.replace('email = "qa@partner.example"', 'email = "qa@partner.example"\nphone = "1"'),
         r"partner.toml:\d+: accounts.developer.phone: unknown key"),
        (lambda t: t.replace("[accounts.developer]", "[accounts.dev]"), r"accounts.dev: unknown key"),
        (lambda t: t.replace('base_url = "https://developers.partner.example/"', "base_url = 8080"),
         r"target.base_url: must be a non-empty string"),
        (lambda t: t.replace('profile = "optional"', 'profile = "maybe"'), r"flows.DPF-16.profile: 'maybe': choose"),
        (lambda t: t.replace("DPF-16 =", "DPF-99 ="), r"flows.DPF-99: no such flow"),
        (lambda t: t.replace('key-row = "tr.credential"', 'key-colour = "tr"'),
         r"overrides.testids.key-colour: the contract names no such test ID"),
        (lambda t: t.replace('applications = "/developer/apps"', 'apps = "/developer/apps"'),
         r"overrides.routes.apps: the contract names no such route"),
        (lambda t: t.replace("expires = 2027-01-31", 'expires = "soon"'), r"deviations\[1\].expires: must be a date"),
        (lambda t: t.replace('flow = "DPF-22"', 'flow = "DPF-22"\nstep = "Dance."'), r"DPF-22 has no step 'Dance.'"),
        (lambda t: t.replace(', reason = "sign-in is SSO only"', ""), r"flows.DPF-28.reason: missing"),
        (lambda t: t.replace("[target]", "[target\n"), r"partner.toml: "),
    ],
)
def test_a_mistake_is_named_with_its_line(change, message):
    with pytest.raises(TargetFileError, match=message):
        parsed(change(GOOD))


def test_an_account_secret_must_be_in_the_environment():
    with pytest.raises(TargetFileError, match="accounts.developer.password_env: the environment variable "
                                              "PARTNER_DEV_PASSWORD is not set"):
        parsed(env={})


def test_the_developer_account_is_required():
    without = GOOD.replace('[accounts.developer]\nemail = "qa@partner.example"\npassword_env = "PARTNER_DEV_PASSWORD"\n',
                           "")
    with pytest.raises(TargetFileError, match="accounts.developer: missing"):
        parsed(without)


def test_an_expected_deviation_turns_a_failure_into_a_listed_one():
    verdict = judge("DPF-22", "failed", "old signature refused", parsed(), TODAY)
    assert (verdict.outcome, verdict.counts_as_failure) == ("deviation (expected)", False)
    assert "PORT-1234" in verdict.message


def test_a_deviation_that_no_longer_fails_fails_the_run():
    verdict = judge("DPF-22", "passed", "", parsed(), TODAY)
    assert verdict.counts_as_failure and "remove the entry" in verdict.message


def test_an_expired_deviation_fails_the_run():
    verdict = judge("DPF-22", "failed", "", parsed(), datetime.date(2027, 2, 1))
    assert verdict.counts_as_failure and "expired" in verdict.message


def test_an_optional_flow_failing_does_not_fail_the_run_but_says_so():
    verdict = judge("DPF-16", "failed", "no sandbox", parsed(), TODAY)
    assert (verdict.outcome, verdict.counts_as_failure) == ("failed (optional)", False)
    assert judge("DPF-01", "failed", "", parsed(), TODAY).counts_as_failure


def test_a_deviation_for_a_flow_not_run_is_unused():
    assert [d.flow for d in unused_deviations(parsed(), {"DPF-01"})] == ["DPF-22"]
    assert unused_deviations(parsed(), {"DPF-22"}) == []


def test_route_overrides_map_contract_paths_to_the_partners():
    routes = route_patterns(parsed().route_overrides)
    assert partner_path("/app/apps", routes) == "/developer/apps"
    assert partner_path("/app/apps/42", routes) == "/developer/apps/42/overview"
    assert partner_path("/app/keys", routes) is None


def dpf(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "playbooks.harness.cli", *args], cwd=PROJECT_ROOT,
                          env={**os.environ, **ENV, **(env or {})}, capture_output=True, text=True, timeout=600)


def test_target_check_says_what_is_wrong_and_exits_4(tmp_path: Path):
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace('profile = "optional"', 'profile = "maybe"'))
    checked = dpf("target", "check", str(good))
    assert checked.returncode == 0, checked.stderr
    assert "valid" in checked.stdout and "1 expected deviation" in checked.stdout
    refused = dpf("target", "check", str(bad))
    assert refused.returncode == 4
    assert f"{bad}:" in refused.stderr and "flows.DPF-16.profile" in refused.stderr


@pytest.mark.browser
def test_run_with_a_target_honours_profiles_and_only_warns_of_a_deviation_outside_the_subset(tmp_path: Path):
    from reference_portal import Config, Portal
    from reference_portal.serve import serve_in_background

    portal = serve_in_background(Portal(Config(database=str(tmp_path / "portal.sqlite3"))))
    try:
        file = tmp_path / "partner.toml"
        file.write_text(f"""\
[target]
base_url = "{portal.url}"

[accounts.developer]
email = "dev@example.com"
password_env = "PARTNER_DEV_PASSWORD"

[flows]
DPF-02 = {{ profile = "not-applicable", reason = "no roles without developer access" }}

[[deviations]]
flow = "DPF-04"
reason = "not run here"
ticket = "PORT-9"
expires = 2099-12-31
""")
        ran = dpf("run", "DPF-02", "DPF-03", "--target", str(file), "--no-report",
                  env={"PARTNER_DEV_PASSWORD": "developer-demo-pass", "DPF_REPORTS_DIR": str(tmp_path / "reports")})
    finally:
        portal.stop()
    assert "DPF-02  not applicable" in ran.stdout and "no roles without developer access" in ran.stdout
    assert "DPF-03  passed" in ran.stdout
    assert "warning: expected deviation PORT-9 for DPF-04 was not judged: its flow is not in this run" in ran.stdout
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_a_test_id_override_lets_the_contract_name_find_the_partners_markup(browser, tmp_path, monkeypatch):
    from fixtures import overrides

    file = tmp_path / "partner.toml"
    file.write_text(GOOD)
    monkeypatch.setenv("DPF_TARGET_FILE", str(file))
    monkeypatch.setattr(overrides, "load", lambda path: parse(path.read_text(), path, ENV))
    overrides.target_overrides.cache_clear()
    context = browser.new_context()
    try:
        overrides.apply_overrides(context)
        page = context.new_page()
        page.set_content('<table><tr class="credential"><td>one</td></tr></table>')
        page.evaluate("document.querySelector('table').insertAdjacentHTML('beforeend', '<tr class=credential><td>two"
                      "</td></tr>')")
        expect(page.get_by_test_id("key-row")).to_have_text(["one", "two"])
    finally:
        context.close()
        overrides.target_overrides.cache_clear()


def test_target_check_names_every_mistake_with_its_line(tmp_path: Path):
    bad = tmp_path / "partner.toml"
    bad.write_text(GOOD.replace('profile = "optional"', 'profile = "maybe"')
                   .replace('key-row = "tr.credential"', 'no-such-id = "tr.credential"')
                   .replace("expires = 2027-01-31", "expires = 2020-01-31"))
    refused = dpf("target", "check", str(bad))
    assert refused.returncode == 4
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 3, refused.stderr
    assert "flows.DPF-16.profile" in lines[0] and "overrides.testids.no-such-id" in lines[1]
    assert "deviations[1].expires: expired on 2020-01-31" in lines[2]
    assert all(line.startswith(f"dpf: {bad}:") for line in lines)


def test_a_totp_secret_that_gives_no_codes_is_a_mistake_not_a_traceback():
    with pytest.raises(TargetFileError, match=r"accounts\.developer_2fa\.totp_secret_env: .* is not base32"):
        parsed(env={**ENV, "PARTNER_TOTP": "not base32 at all!"})
    with pytest.raises(TargetFileError, match="at least 112 bits"):
        parsed(env={**ENV, "PARTNER_TOTP": "JBSWY3DPEHPK3PXP"})


def test_flow_ids_are_read_as_leniently_as_on_the_command_line():
    target = parsed(GOOD.replace("DPF-16 =", "dpf-16 =").replace('flow = "DPF-22"', 'flow = "22"'))
    assert target.profile("DPF-16").profile == "optional" and target.deviations[0].flow == "DPF-22"


def test_an_expired_deviation_is_a_mistake_for_target_check_and_a_failure_for_a_run():
    expired = GOOD.replace("expires = 2027-01-31", "expires = 2026-01-31")
    with pytest.raises(TargetFileError, match="expired on 2026-01-31"):
        parse(expired, Path("partner.toml"), ENV, TODAY)
    target = parsed(expired)  # a run loads it, and reports the flow failed with the expiry
    assert judge("DPF-22", "failed", "x", target, TODAY).counts_as_failure


def test_a_deviation_about_to_expire_is_warned_of(tmp_path: Path):
    soon = tmp_path / "partner.toml"
    soon.write_text(GOOD.replace("expires = 2027-01-31", f"expires = {datetime.date.today() + datetime.timedelta(days=3)}"))
    checked = dpf("target", "check", str(soon))
    assert checked.returncode == 0, checked.stderr
    assert "warning: expected deviation PORT-1234 for DPF-22 expires on" in checked.stderr


def test_a_ca_file_is_read_beside_the_target_file(tmp_path: Path):
    (tmp_path / "partner-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    text = GOOD.replace('webhook_public_url = "https://hooks.partner.example/dpf"\n',
                        'webhook_public_url = "https://hooks.partner.example/dpf"\nca_file = "partner-ca.pem"\n')
    assert parse(text, tmp_path / "partner.toml", ENV).ca_file == tmp_path / "partner-ca.pem"
    with pytest.raises(TargetFileError, match=r"target\.ca_file: .*no such file"):
        parse(text.replace("partner-ca.pem", "missing.pem"), tmp_path / "partner.toml", ENV)


def test_a_flow_whose_account_the_file_lacks_is_not_run_and_says_which(tmp_path: Path):
    target = parsed()
    assert target.missing_accounts("DPF-02") == ["non_developer"]
    assert target.missing_accounts("DPF-33") == []  # developer_2fa is given
    assert target.missing_accounts("DPF-04") == []
    assert "operator" not in target.missing_accounts("DPF-31")  # asked for only when a product needs approving
    file = tmp_path / "partner.toml"
    file.write_text(GOOD)
    listed = dpf("run", "DPF-02", "DPF-04", "--target", str(file), "--list")
    assert listed.returncode == 0, listed.stderr
    assert "not run: needs [accounts.non_developer] in partner.toml" in listed.stdout
    assert "1 of 2 selected flow(s) would run" in listed.stdout
    checked = dpf("target", "check", str(file))
    assert checked.returncode == 0 and "DPF-02 will not run: it needs [accounts.non_developer]" in checked.stderr
    assert "DPF-28 will not run" not in checked.stderr  # not applicable there
