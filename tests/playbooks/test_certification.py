"""playbooks.harness.certification: the bundle is complete, says READY only when every required flow passed,
holds no secret, and its verification catches one changed byte, an added or a removed file, a wrong key; the
command refuses an existing output folder. The flows themselves are not run here: run_flows is replaced by one that
writes the results a run would."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from playbooks.harness import catalog, certification
from playbooks.harness.cli import main


@pytest.fixture(autouse=True)
def key_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("DPF_CONFIG_DIR", str(folder))
    return folder


def write_results(work: Path, outcomes: dict[str, str]) -> None:
    """What `dpf run` leaves: an Allure result per flow (with steps), the environment, JUnit and the HTML report."""
    results = work / "allure-results"
    results.mkdir(parents=True, exist_ok=True)
    for flow_id, outcome in outcomes.items():
        flow = catalog.get(flow_id)
        status, message = {"passed": ("passed", ""), "failed": ("failed", "AssertionError: the call answered 500"),
                           "not run": ("skipped", "not run: not executable yet"),
                           "not applicable": ("skipped", "not applicable: sign-in is SSO only"),
                           "deviation": ("skipped", "deviation (expected): PORT-1234: old signature dropped at once\n\n"
                                                    "It failed: AssertionError: the old signature was refused")}[outcome]
        result = {"uuid": str(uuid.uuid4()), "name": f"{flow.id} {flow.title}", "status": status,
                  "statusDetails": {"message": message}, "start": 1000, "stop": 3500,
                  "steps": [{"name": flow.step_title(i), "status": status} for i in range(len(flow.steps))],
                  "labels": [{"name": "as_id", "value": flow.id}]}
        (results / f"{result['uuid']}-result.json").write_text(json.dumps(result), encoding="utf-8")
    (results / "environment.properties").write_text("browser=chromium 140.0\ntarget=embedded\n", encoding="utf-8")
    (work / "junit.xml").write_text('<testsuites><testsuite name="pytest" tests="1"/></testsuites>', encoding="utf-8")
    (work / "allure-report").mkdir(exist_ok=True)
    (work / "allure-report" / "index.html").write_text("<html>report</html>", encoding="utf-8")


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The run's outcome per flow (every selected flow passes unless a test says otherwise)."""
    outcomes: dict[str, str] = {}

    def run(flow_ids: list[str], args: Any, work: Path) -> int:
        chosen = {flow_id: outcomes.get(flow_id, "passed") for flow_id in flow_ids}
        write_results(work, chosen)
        return 0 if all(o in ("passed", "not applicable", "deviation") for o in chosen.values()) else 1

    monkeypatch.setattr(certification, "run_flows", run)
    return outcomes


@pytest.fixture
def bundle(tmp_path: Path, fake_run: dict[str, str], capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "bundle"
    assert main(["certify", "--out", str(out)]) == 0, capsys.readouterr().err
    return out


def test_the_go_live_set_is_the_four_chains_and_what_they_rely_on():
    chosen = certification.go_live_set()
    assert {"DPF-31", "DPF-32", "DPF-33", "DPF-34", "DPF-01", "DPF-10", "DPF-15", "DPF-28"} <= set(chosen)
    assert chosen == sorted(chosen) and "DPF-27" not in chosen


def test_the_bundle_is_complete(bundle: Path, capsys):
    names = {path.relative_to(bundle).as_posix() for path in bundle.rglob("*") if path.is_file()}
    assert {"summary.json", "summary.md", "junit.xml", "allure-report/index.html", "public-key.pem",
            "MANIFEST.sha256", "MANIFEST.sig"} <= names
    assert any(name.startswith("allure-results/") and name.endswith("-result.json") for name in names)
    listed = {line.split("  ", 1)[1] for line in (bundle / "MANIFEST.sha256").read_text().splitlines()}
    assert listed == names - {"MANIFEST.sha256", "MANIFEST.sig"}
    summary = json.loads((bundle / "summary.json").read_text())
    assert summary["verdict"] == "READY" and summary["target"]["portal"] == "embedded reference portal"
    assert summary["harness"]["version"] and summary["harness"]["commit"]
    assert len(summary["spec"]["sha256"]) == 64 and summary["contract"]["version"]
    assert summary["browser"] == "chromium 140.0" and summary["started_at"].endswith("Z")
    flows = {flow["id"]: flow for flow in summary["flows"]}
    assert len(flows) == 34  # every flow, those not run included, each with why
    assert flows["DPF-34"]["result"] == "passed" and flows["DPF-34"]["required"]
    assert flows["DPF-34"]["steps"][0]["name"].startswith("1. Production app registered")
    assert flows["DPF-27"] == {**flows["DPF-27"], "result": "not run", "required": False,
                               "reason": "not in the certification set: not required"}
    assert (bundle / "summary.md").read_text().splitlines()[0] == "READY"
    assert certification.verify(bundle).startswith("SHA256:")
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == "READY" and "BEGIN PUBLIC KEY" in printed  # the public key is printed


def test_a_failing_required_flow_makes_it_not_ready_and_names_it(tmp_path, fake_run, capsys):
    fake_run.update({"DPF-32": "failed", "DPF-33": "not run"})
    out = tmp_path / "bundle"
    assert main(["certify", "--out", str(out)]) == 1
    first = (out / "summary.md").read_text().splitlines()[0]
    assert first == "NOT READY: DPF-32 (failed), DPF-33 (not run)"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["blocking"] == ["DPF-32", "DPF-33"] and summary["ready"] is False
    flows = {flow["id"]: flow for flow in summary["flows"]}
    assert flows["DPF-32"]["reason"] == "AssertionError: the call answered 500"
    assert flows["DPF-33"]["reason"] == "not executable yet"
    certification.verify(out)  # a NOT READY bundle is signed all the same


def test_a_target_files_mandatory_flows_are_the_required_ones_and_its_declarations_are_recorded(
    tmp_path, fake_run, monkeypatch
):
    target = tmp_path / "partner.toml"
    target.write_text('[target]\nbase_url = "https://developers.partner.example"\n'
                      '[accounts.developer]\nemail = "qa@partner.example"\npassword_env = "PARTNER_PASSWORD"\n'
                      '[flows]\nDPF-28 = { profile = "not-applicable", reason = "sign-in is SSO only" }\n'
                      'DPF-16 = { profile = "optional" }\n'
                      '[overrides.routes]\napplications = "/developer/apps"\n'
                      '[[deviations]]\nflow = "DPF-22"\nreason = "old signature dropped at once"\n'
                      'ticket = "PORT-1234"\nexpires = 2099-01-31\n', encoding="utf-8")
    monkeypatch.setenv("PARTNER_PASSWORD", "x")
    monkeypatch.setattr(certification, "portal_version", lambda base_url: "4.2.0")
    fake_run.update({"DPF-28": "not applicable", "DPF-16": "failed", "DPF-22": "deviation"})
    out = tmp_path / "bundle"
    assert main(["certify", "--target", str(target), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    flows = {flow["id"]: flow for flow in summary["flows"]}
    assert summary["target"] == {"portal": "https://developers.partner.example", "target_file": "partner.toml",
                                 "portal_version": "4.2.0"}
    assert not flows["DPF-16"]["required"] and flows["DPF-16"]["result"] == "failed"  # optional: not blocking
    assert flows["DPF-16"]["profile"] == "optional" and flows["DPF-28"]["profile"] == "not-applicable"
    assert flows["DPF-28"]["result"] == "not applicable" and flows["DPF-28"]["reason"] == "sign-in is SSO only"
    assert flows["DPF-22"]["result"] == "deviation (expected)" and flows["DPF-22"]["reason"].startswith("PORT-1234")
    assert flows["DPF-27"]["required"] and summary["verdict"] == "READY" and summary["blocking"] == []
    declared = summary["declared"]
    assert declared["deviations"] == [{"flow": "DPF-22", "ticket": "PORT-1234", "reason": "old signature dropped at once",
                                       "expires": "2099-01-31", "occurred": True}]
    assert declared["overrides"]["routes"] == {"applications": "/developer/apps"}
    assert declared["target_file_sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert (out / "target.toml").read_bytes() == target.read_bytes()
    markdown = (out / "summary.md").read_text()
    assert "Expected deviation PORT-1234 for DPF-22, until 2099-01-31" in markdown and "| DPF-16 | optional |" in markdown
    assert "1. 1." not in markdown and "- 1. " in markdown  # steps numbered once


def test_one_changed_byte_is_detected_and_named(bundle):
    junit = bundle / "junit.xml"
    data = bytearray(junit.read_bytes())
    data[10] ^= 0x01
    junit.write_bytes(bytes(data))
    with pytest.raises(certification.VerificationFailed, match=r"^junit\.xml: its SHA-256 does not match"):
        certification.verify(bundle)


def test_an_added_file_is_detected_and_named(bundle):
    (bundle / "allure-results" / "extra-result.json").write_text("{}", encoding="utf-8")
    with pytest.raises(certification.VerificationFailed, match=r"^allure-results/extra-result\.json: in the bundle"):
        certification.verify(bundle)


def test_a_removed_file_is_detected_and_named(bundle):
    (bundle / "summary.md").unlink()
    with pytest.raises(certification.VerificationFailed, match=r"^summary\.md: listed in MANIFEST\.sha256 but missing"):
        certification.verify(bundle)


def test_a_rewritten_manifest_does_not_match_its_signature(bundle):
    (bundle / "summary.md").write_text("READY\n", encoding="utf-8")
    (bundle / "MANIFEST.sha256").write_text(certification.manifest_text(bundle), encoding="utf-8")
    with pytest.raises(certification.VerificationFailed, match="MANIFEST.sig does not match"):
        certification.verify(bundle)


def test_another_key_is_refused_and_a_missing_key_is_a_usage_error(bundle, tmp_path):
    other = tmp_path / "other.pem"
    other.write_bytes(certification.public_pem(Ed25519PrivateKey.generate()))
    with pytest.raises(certification.VerificationFailed, match="does not match"):
        certification.verify(bundle, other)
    with pytest.raises(certification.CertifyError, match="no such public key file"):
        certification.verify(bundle, tmp_path / "nowhere.pem")
    assert main(["certify", "verify", str(bundle), "--public-key", str(other)]) == 1
    assert main(["certify", "verify", str(bundle), "--public-key", str(tmp_path / "nowhere.pem")]) == 4


def test_verify_on_the_command_line(bundle, key_folder, capsys):
    public = key_folder / "signer.pem"
    public.write_bytes((bundle / "public-key.pem").read_bytes())
    assert main(["certify", "verify", str(bundle), "--public-key", str(public)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == "READY"  # the verdict repeated, once the manifest vouches for it
    assert "every file matches MANIFEST.sha256" in printed
    (bundle / "summary.json").write_text("{}", encoding="utf-8")
    assert main(["certify", "verify", str(bundle), "--public-key", str(public)]) == 1
    assert "verification FAILED: summary.json" in capsys.readouterr().err


def test_verify_trusts_no_signer_it_was_not_told_to(bundle, key_folder, tmp_path, capsys):
    """Re-signed with any key and that key shipped inside: intact, but not the signer's."""
    forger = Ed25519PrivateKey.generate()
    (bundle / "summary.md").write_text("READY\n", encoding="utf-8")
    (bundle / "public-key.pem").write_bytes(certification.public_pem(forger))
    certification.sign(bundle, forger)
    assert main(["certify", "verify", str(bundle)]) == 4
    assert "--public-key FILE" in capsys.readouterr().err
    signer = tmp_path / "signer.pem"
    signer.write_bytes(certification.public_pem(certification.signing_key()))
    assert main(["certify", "verify", str(bundle), "--public-key", str(signer)]) == 1
    assert main(["certify", "verify", str(bundle), "--trust-bundled-key"]) == 0
    assert "unpinned" in capsys.readouterr().err


def _replace_with_symlink(bundle: Path, to: str) -> None:
    (bundle / "junit.xml").unlink()
    (bundle / "junit.xml").symlink_to(to)


TAMPERING = {
    "symlink to /dev/zero": lambda bundle: _replace_with_symlink(bundle, "/dev/zero"),
    "dangling symlink": lambda bundle: _replace_with_symlink(bundle, "/nowhere/at/all"),
    "symlink to a folder": lambda bundle: _replace_with_symlink(bundle, str(bundle / "allure-results")),
    "symlink loop": lambda bundle: _replace_with_symlink(bundle, str(bundle / "junit.xml")),
    "symlink to an identical copy outside": lambda bundle: (
        (bundle.parent / "copy.xml").write_bytes((bundle / "junit.xml").read_bytes()),
        _replace_with_symlink(bundle, str(bundle.parent / "copy.xml"))),
    "FIFO": lambda bundle: ((bundle / "junit.xml").unlink(), os.mkfifo(bundle / "junit.xml")),
    "extra empty folder": lambda bundle: (bundle / "extra").mkdir(),
}


@pytest.mark.parametrize("tampering", TAMPERING, ids=list(TAMPERING))
def test_verify_refuses_links_and_special_files_in_one_line_at_once(bundle, tampering, capsys):
    TAMPERING[tampering](bundle)
    started = time.monotonic()
    assert main(["certify", "verify", str(bundle), "--trust-bundled-key"]) == 1
    assert time.monotonic() - started < 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("dpf: verification FAILED: ") and "\n" not in error, error


def test_the_key_is_made_once_kept_private_and_outside_the_bundle(bundle, key_folder, tmp_path, fake_run):
    key_file = key_folder / certification.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes() not in b"".join(p.read_bytes() for p in bundle.rglob("*") if p.is_file())
    again = tmp_path / "again"
    assert main(["certify", "--out", str(again)]) == 0
    assert (again / "public-key.pem").read_bytes() == (bundle / "public-key.pem").read_bytes()


def test_an_existing_folder_is_refused_unless_forced(bundle, capsys):
    before = (bundle / "MANIFEST.sha256").read_bytes()
    assert main(["certify", "--out", str(bundle)]) == 4
    assert "exists" in capsys.readouterr().err and (bundle / "MANIFEST.sha256").read_bytes() == before
    assert main(["certify", "--out", str(bundle), "--force"]) == 0
    certification.verify(bundle)


def test_bad_input_is_a_usage_error(tmp_path, capsys):
    assert main(["certify"]) == 4 and "--out DIR is required" in capsys.readouterr().err
    assert main(["certify", "--out", str(tmp_path / "b"), "--target", str(tmp_path / "none.toml")]) == 4
    assert not (tmp_path / "b").exists()
    assert main(["certify", "verify", str(tmp_path / "nothing")]) == 4
    assert main(["certify", "--out", str(tmp_path / "c"), "--base-url", "https://x.example", "--target", "t.toml"]) == 4


def test_a_bundle_holding_a_secret_is_not_signed(tmp_path, fake_run, monkeypatch, capsys):
    real_build = certification.build_bundle

    def leaky(work: Path, out: Path, summary: dict[str, Any], key: Ed25519PrivateKey) -> list[str]:
        (work / "junit.xml").write_text("<testsuites>developer-demo-pass</testsuites>", encoding="utf-8")
        return real_build(work, out, summary, key)

    monkeypatch.setattr(certification, "build_bundle", leaky)
    out = tmp_path / "bundle"
    assert main(["certify", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "NOT signed" in err and "junit.xml" in err and "developer-demo-pass" not in err
    assert not (out / "MANIFEST.sig").exists()


SELFTEST = {"score": {"caught": 2, "judged": 2, "not_judged": 0, "flows_failing_clean": 0},
            "score_line": "score: 2 of 2 judged faults caught", "all_caught": True,
            "results": [{"flow_id": "DPF-12", "fault": "", "outcome": "passed", "message": "", "promise": ""},
                        {"flow_id": "DPF-12", "fault": "revoking-a-key-does-nothing", "outcome": "caught",
                         "message": "AssertionError: the revoked key | still got a token", "promise": "p"}]}


@pytest.fixture
def fake_selftest(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The flows each selftest was asked for; it writes SELFTEST as its table."""
    asked: list[list[str]] = []

    def run(flow_ids: list[str], args: Any, work: Path) -> dict[str, Any]:
        asked.append(flow_ids)
        (work / certification.SELFTEST_JSON).write_text(json.dumps(SELFTEST), encoding="utf-8")
        return {**SELFTEST, "faults_sha256": "0" * 64}

    monkeypatch.setattr(certification, "run_selftest", run)
    return asked


def test_a_selftest_puts_its_score_beside_the_verdict_and_its_table_in_the_signed_bundle(tmp_path, fake_run,
                                                                                          fake_selftest, capsys):
    out = tmp_path / "bundle"
    assert main(["certify", "--selftest", "--out", str(out)]) == 0, capsys.readouterr().err
    assert fake_selftest == [certification.go_live_set()]
    summary_md = (out / "summary.md").read_text()
    assert summary_md.splitlines()[0] == "READY (selftest score: 2 of 2 judged faults caught)"
    assert "| DPF-12 | revoking-a-key-does-nothing | caught | AssertionError: the revoked key \\| still got a token |" \
        in summary_md
    assert json.loads((out / "summary.json").read_text())["selftest"]["score"]["caught"] == 2
    assert "selftest.json" in (out / "MANIFEST.sha256").read_text()
    certification.verify(out)
    (out / "selftest.json").write_text(json.dumps({**SELFTEST, "all_caught": False}), encoding="utf-8")
    with pytest.raises(certification.VerificationFailed, match="selftest.json"):
        certification.verify(out)


def test_a_selftest_of_a_deployed_portal_needs_its_owners_confirmation(tmp_path, fake_run, fake_selftest, capsys):
    out = tmp_path / "bundle"
    assert main(["certify", "--selftest", "--base-url", "http://127.0.0.1:9", "--out", str(out)]) == 4
    assert "--i-own-this-target" in capsys.readouterr().err and not out.exists() and not fake_selftest
    assert main(["certify", "--selftest-faults", "x", "--out", str(out)]) == 4
    assert "give --selftest too" in capsys.readouterr().err

