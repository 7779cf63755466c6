"""`dpf certify`: run the go-live set of flows and write a certification bundle a partner can hand over; `dpf certify
verify DIR` checks one.

After the OpenID Foundation's certification package and Sonobuoy's results tarball: one folder tied to the target,
the harness's version and commit, the spec's checksum and the contract's version, holding every flow's verdict
(passed, failed, not applicable or not run, each with its reason) and steps, the Allure results, the HTML report and
the JUnit file. `MANIFEST.sha256` lists the SHA-256 of every other file; `MANIFEST.sig` is an Ed25519 signature of
it with a key made on first use and kept outside the bundle (`~/.config/dpf/`, or `DPF_CONFIG_DIR`), whose public
key the bundle carries and the command prints. Before it is signed the bundle is scanned for secrets (the run's own
leak scan has already looked for every secret the run used; this one looks for the accounts' passwords and TOTP
seeds and anything shaped like a portal secret), and a bundle with a finding is not signed.

The first line of summary.md is "READY" only when every required flow passed, else "NOT READY: " and the flows
that stop it.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from playbooks.harness import catalog, run_report, target_file
from playbooks.harness.installation import dpf_command
from playbooks.harness.contract import contract

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 4
BUNDLE_FORMAT = 1
MANIFEST, SIGNATURE, PUBLIC_KEY = "MANIFEST.sha256", "MANIFEST.sig", "public-key.pem"
SUMMARY_JSON, SUMMARY_MD = "summary.json", "summary.md"
KEY_FILE = "certify-ed25519.pem"
TARGET_COPY = "target.toml"
SELFTEST_JSON = "selftest.json"
EVIDENCE = ("allure-results", "allure-report", "junit.xml", "results.json", TARGET_COPY, SELFTEST_JSON)

# The go-live flows, and the flows each relies on: the steps of its route chain that other flows prove on their own
# (signing in, creating and rotating credentials, products, the testing guide, webhooks, usage, 2FA).
GO_LIVE_FLOWS = ("DPF-31", "DPF-32", "DPF-33", "DPF-34")
RELIES_ON = {
    "DPF-31": ("DPF-01", "DPF-06", "DPF-10", "DPF-13", "DPF-15"),
    "DPF-32": ("DPF-01", "DPF-20", "DPF-23", "DPF-25"),
    "DPF-33": ("DPF-01", "DPF-10", "DPF-22", "DPF-28"),
    "DPF-34": ("DPF-01", "DPF-06", "DPF-10", "DPF-13", "DPF-17", "DPF-20", "DPF-25", "DPF-28"),
}


class CertifyError(ValueError):
    """A usage mistake: the message says what to change."""


class VerificationFailed(Exception):
    """The bundle is not what was signed: the message names the first file, or the key, that does not match."""


def go_live_set() -> list[str]:
    wanted = set(GO_LIVE_FLOWS) | {flow for flows in RELIES_ON.values() for flow in flows}
    return sorted(wanted, key=lambda flow_id: catalog.get(flow_id).number)


# ---------------------------------------------------------------------------------------------------------------- keys


def config_dir() -> Path:
    if os.environ.get("DPF_CONFIG_DIR"):
        return Path(os.environ["DPF_CONFIG_DIR"])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "dpf"


def signing_key(folder: Path | None = None) -> Ed25519PrivateKey:
    """The harness's signing key, made on first use (mode 0600) and kept outside every bundle."""
    folder = folder or config_dir()
    path = folder / KEY_FILE
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise CertifyError(f"{path} is not an Ed25519 private key")
        return key
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(public_key_pem: bytes) -> str:
    return "SHA256:" + hashlib.sha256(public_key_pem).hexdigest()[:32]


# ------------------------------------------------------------------------------------------------------------ manifest


def _files(bundle: Path) -> list[str]:
    """Every file of the bundle by its path relative to it, '/'-separated, the manifest and signature excepted.
    A bundle holds regular files only: a symbolic link, a special file (FIFO, device, socket) or an empty folder is
    refused before anything is read, so verifying never follows a link out of the bundle or blocks on a pipe."""
    found = []
    for folder, folders, files in os.walk(bundle):
        for name in [*folders, *files]:
            path = Path(folder) / name
            relative = path.relative_to(bundle).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise VerificationFailed(f"{relative}: a symbolic link (a bundle holds regular files only)")
            if stat.S_ISDIR(mode):
                if not any(path.iterdir()):
                    raise VerificationFailed(f"{relative}/: an empty folder, not in {MANIFEST}")
            elif not stat.S_ISREG(mode):
                raise VerificationFailed(f"{relative}: a special file, not a regular one (a bundle holds regular files only)")
            elif relative not in (MANIFEST, SIGNATURE):
                found.append(relative)
    return sorted(found)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_text(bundle: Path) -> str:
    """`sha256sum` format: `<hex>  <path>` per file, sorted by path, so `sha256sum -c MANIFEST.sha256` works too."""
    return "".join(f"{_sha256(bundle / name)}  {name}\n" for name in _files(bundle))


def sign(bundle: Path, key: Ed25519PrivateKey) -> None:
    manifest = manifest_text(bundle).encode("utf-8")
    (bundle / MANIFEST).write_bytes(manifest)
    (bundle / SIGNATURE).write_text(base64.b64encode(key.sign(manifest)).decode("ascii") + "\n", encoding="ascii")


def verify(bundle: Path, public_key_file: Path | None = None) -> str:
    """Check every hash and the signature; the key's fingerprint. Raises VerificationFailed naming the first file
    that does not match (changed, added or removed), or the signature or key that does not."""
    if not bundle.is_dir():
        raise CertifyError(f"{bundle}: no such bundle folder")
    present = set(_files(bundle))  # first: refuses links and special files before any is opened
    manifest_path = bundle / MANIFEST
    if not manifest_path.is_file():
        raise VerificationFailed(f"{MANIFEST} is missing: this is not a signed bundle")
    manifest = manifest_path.read_bytes()
    listed: dict[str, str] = {}
    for number, line in enumerate(manifest.decode("utf-8", "replace").splitlines(), 1):
        digest, separator, name = line.partition("  ")
        if not separator or len(digest) != 64 or not name:
            raise VerificationFailed(f"{MANIFEST} line {number} is not '<sha256>  <path>'")
        listed[name] = digest
    for name in sorted(set(listed) | present):
        if name not in present:
            raise VerificationFailed(f"{name}: listed in {MANIFEST} but missing from the bundle")
        if name not in listed:
            raise VerificationFailed(f"{name}: in the bundle but not in {MANIFEST} (a file was added)")
        if _sha256(bundle / name) != listed[name]:
            raise VerificationFailed(f"{name}: its SHA-256 does not match {MANIFEST} (the file was changed)")
    key_path = public_key_file or bundle / PUBLIC_KEY
    if not key_path.is_file():
        raise CertifyError(f"{key_path}: no such public key file")
    try:
        public_key = serialization.load_pem_public_key(key_path.read_bytes())
    except ValueError:
        raise CertifyError(f"{key_path} is not a PEM public key") from None
    if not isinstance(public_key, Ed25519PublicKey):
        raise CertifyError(f"{key_path} is not an Ed25519 public key")
    try:
        signature = base64.b64decode((bundle / SIGNATURE).read_text(encoding="ascii").strip(), validate=True)
        public_key.verify(signature, manifest)
    except FileNotFoundError:
        raise VerificationFailed(f"{SIGNATURE} is missing") from None
    except (InvalidSignature, ValueError):
        raise VerificationFailed(f"{SIGNATURE} does not match {MANIFEST} under the public key {key_path.name}") from None
    return fingerprint(public_key.public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo))


# ------------------------------------------------------------------------------------------------------------ verdicts


@dataclass
class Verdict:
    id: str
    title: str
    group: str
    required: bool
    result: str  # passed, failed, deviation (expected), not applicable, not run
    reason: str = ""
    profile: str = "mandatory"  # as the target file declares it: mandatory, optional or not-applicable
    duration_s: float = 0.0
    steps: list[dict[str, str]] = field(default_factory=list)


def _allure_results(results: Path) -> dict[str, dict[str, Any]]:
    """The last Allure result of each flow, by flow ID."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(results.glob("*-result.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        flow_id = next((label["value"] for label in data.get("labels", []) if label.get("name") == "as_id"), None)
        if flow_id and (flow_id not in found or data.get("stop", 0) >= found[flow_id].get("stop", 0)):
            found[flow_id] = data
    return found


def _verdict_of(data: dict[str, Any] | None) -> tuple[str, str]:
    if data is None:
        return "not run", "no result: the run stopped before this flow"
    status = data.get("status")
    message = (data.get("statusDetails") or {}).get("message", "").strip().splitlines()
    first = message[0][:300] if message else ""
    if status == "passed":
        return "passed", ""
    if status in ("failed", "broken"):
        return "failed", first
    for state in ("deviation (expected)", "not applicable", "not run"):
        if first.startswith(f"{state}: "):
            return state, first.removeprefix(f"{state}: ")
    return "not run", first or "skipped"


def verdicts(results: Path, required: list[str], selected: list[str],
             target: target_file.TargetFile | None = None) -> list[Verdict]:
    """Every one of the 34 flows: those selected as the run left them, the others not run and why."""
    by_flow = _allure_results(results)
    found = []
    for flow in catalog.flows():
        if flow.id in selected:
            result, reason = _verdict_of(by_flow.get(flow.id))
        else:
            result, reason = "not run", "not in the certification set: not required"
        data = by_flow.get(flow.id) or {}
        steps = [{"name": step.get("name", ""), "status": step.get("status", "")} for step in data.get("steps", [])]
        duration = max(0, data.get("stop", 0) - data.get("start", 0)) / 1000
        found.append(Verdict(flow.id, flow.title, flow.group.label, flow.id in required, result, reason,
                             target.profile(flow.id).profile if target else "mandatory", round(duration, 1), steps))
    return found


# ------------------------------------------------------------------------------------------------------------- summary


def _properties(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def portal_version(base_url: str | None) -> str | None:
    """What the target's /healthz says of its version, if it says anything."""
    if not base_url:
        return None
    try:
        answer = httpx.get(base_url.rstrip("/") + "/healthz", timeout=10)
        data = answer.json() if answer.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return str(data["version"]) if data.get("version") else None  # a database schema number is not a version


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def declarations(target: target_file.TargetFile | None, flows: list[Verdict]) -> dict[str, Any]:
    """What the target file declared, for the reviewer: profiles, expected deviations (and whether each occurred),
    overrides, and the file's SHA-256 (the file itself is in the bundle)."""
    if target is None:
        return {}
    results = {flow.id: flow.result for flow in flows}
    return {
        "target_file_sha256": _sha256(target.path),
        "profiles": {flow_id: {"profile": profile.profile, "reason": profile.reason}
                     for flow_id, profile in sorted(target.flows.items())},
        "deviations": [{"flow": d.flow, "ticket": d.ticket, "reason": d.reason, "expires": d.expires.isoformat(),
                        "occurred": results.get(d.flow) == "deviation (expected)"} for d in target.deviations],
        "overrides": {"testids": dict(target.testid_overrides), "routes": dict(target.route_overrides)},
    }


def make_summary(flows: list[Verdict], *, target: str, target_file_name: str | None, version: str | None,
                 environment: dict[str, str], started_at: str, run_exit_code: int,
                 declared: dict[str, Any] | None = None, selftest: dict[str, Any] | None = None) -> dict[str, Any]:
    # an expected deviation the partner declared (with its ticket and expiry) is listed, and does not block
    blocking = [v.id for v in flows if v.required and v.result not in ("passed", "deviation (expected)")]
    return {
        "bundle_format": BUNDLE_FORMAT,
        "verdict": "READY" if not blocking else "NOT READY",
        "ready": not blocking,
        "blocking": blocking,
        "target": {"portal": target, "target_file": target_file_name, "portal_version": version},
        "harness": {"version": run_report.harness_version(), "commit": run_report.commit()},
        "spec": {"file": "playbooks/spec/developer-flows.txt", "sha256": _sha256(run_report.SPEC_FILE)},
        "contract": {"version": str(contract().version),
                     "sha256": _sha256(PROJECT_ROOT / "playbooks" / "contract.toml")},
        "browser": environment.get("browser", "not started"),
        "started_at": started_at,
        "finished_at": _now(),
        "run_exit_code": run_exit_code,
        "counts": {result: sum(1 for v in flows if v.result == result)
                   for result in ("passed", "failed", "deviation (expected)", "not applicable", "not run")},
        "declared": declared or {},
        "selftest": selftest,
        "flows": [asdict(v) for v in flows],
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    blocking = summary["blocking"]
    selftest = summary.get("selftest")
    lines = [("READY" if summary["ready"] else "NOT READY: " + ", ".join(
        f"{flow['id']} ({flow['result']})" for flow in summary["flows"] if flow["id"] in blocking))
        + (f" (selftest {selftest['score_line']})" if selftest else ""), ""]
    target = summary["target"]
    lines += [
        "# Developer portal certification",
        "",
        f"- Target: {target['portal']}" + (f" (target file {target['target_file']})" if target["target_file"] else ""),
        f"- Portal version: {target['portal_version'] or 'not reported'}",
        f"- Harness: {summary['harness']['version']}, commit {summary['harness']['commit']}",
        f"- Spec: {summary['spec']['file']}, SHA-256 {summary['spec']['sha256']}",
        f"- Contract: version {summary['contract']['version']}, SHA-256 {summary['contract']['sha256']}",
        f"- Browser: {summary['browser']}",
        f"- Run: {summary['started_at']} to {summary['finished_at']}",
        "- Counts: " + ", ".join(f"{n} {result}" for result, n in summary["counts"].items()),
        "",
        "| Flow | Profile | Required | Result | Reason | Title |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for flow in summary["flows"]:
        reason = flow["reason"].replace("|", "\\|")
        lines.append(f"| {flow['id']} | {flow.get('profile', 'mandatory')} | {'yes' if flow['required'] else 'no'} | "
                     f"{flow['result']} | {reason} | {flow['title']} |")
    lines += _declared_markdown(summary.get("declared") or {})
    lines += _selftest_markdown(selftest)
    for flow in summary["flows"]:
        if flow["steps"]:  # the steps' names carry their catalog numbers
            lines += ["", f"## {flow['id']} {flow['title']}: {flow['result']}", ""]
            lines += [f"- {step['name']} ({step['status']})" for step in flow["steps"]]
    return "\n".join(lines) + "\n"


def _selftest_markdown(selftest: dict[str, Any] | None) -> list[str]:
    """The selftest's table: each fault played in front of the portal, and whether the flow caught it."""
    if not selftest:
        return []
    lines = ["", "## Selftest: faults played in front of this portal", "",
             f"- {selftest['score_line']} (dpf selftest; playbooks/faults.toml SHA-256 {selftest['faults_sha256']})",
             "", "| Flow | Fault | Result | Why |", "| --- | --- | --- | --- |"]
    for row in selftest["results"]:
        why = row["message"].replace("|", "\\|")
        lines.append(f"| {row['flow_id']} | {row['fault'] or '(clean run)'} | {row['outcome']} | {why} |")
    return lines


def _declared_markdown(declared: dict[str, Any]) -> list[str]:
    if not declared:
        return []
    lines = ["", "## Declared in the target file", "", f"- Target file SHA-256: {declared['target_file_sha256']}"]
    for flow_id, profile in declared["profiles"].items():
        lines.append(f"- {flow_id}: {profile['profile']}" + (f" ({profile['reason']})" if profile["reason"] else ""))
    for deviation in declared["deviations"]:
        lines.append(f"- Expected deviation {deviation['ticket']} for {deviation['flow']}, until {deviation['expires']}: "
                     f"{deviation['reason']} ({'occurred' if deviation['occurred'] else 'did not occur'})")
    for kind, overrides in declared["overrides"].items():
        for name, value in overrides.items():
            lines.append(f"- Override of {kind[:-1]} {name}: {value}")
    return lines


# --------------------------------------------------------------------------------------------------------- leak scan


def leak_findings(bundle: Path) -> list[str]:
    """What the scan found in the bundle (where and which kind, never the secret)."""
    from fixtures.personas import personas_from_env
    from playbooks.harness.secret_scan import LeakScanner

    known = []
    for persona in personas_from_env().values():
        known.append((persona.password, "password"))
        if persona.totp_secret:
            known.append((persona.totp_secret, "TOTP seed"))
    return [str(finding) for finding in LeakScanner(known).scan_paths([bundle], root=bundle)]


# ---------------------------------------------------------------------------------------------------------- commands


def prepare_out(out: Path, force: bool) -> None:
    if out.exists():
        if not force:
            raise CertifyError(f"{out} exists: choose a new folder, or --force to replace it")
        if not out.is_dir():
            raise CertifyError(f"{out} exists and is not a folder")
        shutil.rmtree(out)
    out.mkdir(parents=True)


def run_flows(flow_ids: list[str], args: argparse.Namespace, work: Path) -> int:
    """`dpf run` in its own process, writing its results to `work`; its exit code."""
    command = dpf_command("run", *flow_ids, "--workers", str(args.workers))
    if args.target:
        command += ["--target", args.target]
    elif args.base_url:
        command += ["--base-url", args.base_url]
    if args.ca_file:
        command += ["--ca-file", args.ca_file]
    environment = {**os.environ, "DPF_REPORTS_DIR": str(work)}
    return subprocess.run(command, env=environment, check=False).returncode  # in the folder dpf runs from


def run_selftest(flow_ids: list[str], args: argparse.Namespace, work: Path) -> dict[str, Any] | None:
    """`dpf selftest` of the certified flows in its own process, in front of the same target; its table and score, or
    None when it could not run (it says why)."""
    from playbooks.harness.faults import FAULTS_FILE

    command = dpf_command("selftest", *flow_ids, "--json", str(work / SELFTEST_JSON))  # it judges those a fault names
    if args.target:
        command += ["--target", args.target]
    elif args.base_url:
        command += ["--base-url", args.base_url]
    if args.owns_target:
        command.append("--i-own-this-target")
    if args.selftest_faults:
        command += ["--faults", args.selftest_faults]
    if args.ca_file:
        command += ["--ca-file", args.ca_file]
    code = subprocess.run(command, check=False).returncode
    if code not in (0, 1) or not (work / SELFTEST_JSON).is_file():
        print(f"dpf: the selftest did not run (exit {code}): the bundle carries no score", file=sys.stderr)
        return None
    result = json.loads((work / SELFTEST_JSON).read_text(encoding="utf-8"))
    return {**result, "faults_sha256": _sha256(FAULTS_FILE)}


def build_bundle(work: Path, out: Path, summary: dict[str, Any], key: Ed25519PrivateKey) -> list[str]:
    """Copy the run's evidence into `out`, add the summaries and the public key, scan, and sign unless the scan found
    something; the findings."""
    for name in EVIDENCE:
        source = work / name
        if source.is_dir():
            shutil.copytree(source, out / name)
        elif source.is_file():
            shutil.copy2(source, out / name)
    (out / SUMMARY_JSON).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out / SUMMARY_MD).write_text(summary_markdown(summary), encoding="utf-8")
    (out / PUBLIC_KEY).write_bytes(public_pem(key))
    findings = leak_findings(out)
    if not findings:
        sign(out, key)
    return findings


def command_certify(args: argparse.Namespace) -> int:
    try:
        return _certify(args)
    except (CertifyError, target_file.TargetFileError) as error:
        print(f"dpf: {error}", file=sys.stderr)
        return EXIT_USAGE


def _certify(args: argparse.Namespace) -> int:
    if args.target and args.base_url:
        raise CertifyError("--target names the portal already; leave out --base-url")
    if not args.out:
        raise CertifyError("--out DIR is required: the folder the bundle is written to")
    target = target_file.load(Path(args.target)) if args.target else None
    if args.selftest_faults and not args.selftest:
        raise CertifyError("--selftest-faults narrows --selftest: give --selftest too")
    if args.selftest and (args.base_url or target) and not (args.owns_target or (target and target.owner_confirmed)):
        raise CertifyError("--selftest puts faults in front of the target: confirm it is yours with "
                           "--i-own-this-target, or i_own_this_target = true in the target file")
    out = Path(args.out)
    prepare_out(out, args.force)
    key = signing_key()
    if target is not None:
        selected = [f.id for f in catalog.flows()]
        required = [flow_id for flow_id in selected if target.profile(flow_id).profile == "mandatory"]
    else:
        selected = required = go_live_set()
    started = _now()
    with tempfile.TemporaryDirectory(prefix="dpf-certify-") as scratch:
        work = Path(scratch)
        code = run_flows(selected, args, work)
        if code == EXIT_USAGE:
            shutil.rmtree(out, ignore_errors=True)
            return EXIT_USAGE
        environment = _properties(work / "allure-results" / "environment.properties")
        base_url = target.base_url if target is not None else args.base_url or os.environ.get("DPF_BASE_URL")
        flows = verdicts(work / "allure-results", required, selected, target)
        selftest = run_selftest([f for f in selected if f not in _not_applicable(target)], args, work) \
            if args.selftest else None
        summary = make_summary(
            flows,
            target=base_url or "embedded reference portal",
            target_file_name=Path(args.target).name if args.target else None,
            version=portal_version(base_url), environment=environment, started_at=started, run_exit_code=code,
            declared=declarations(target, flows), selftest=selftest,
        )
        if target is not None:
            shutil.copy2(target.path, work / TARGET_COPY)  # names the variables that hold secrets, never a secret
        findings = build_bundle(work, out, summary, key)
    if findings:
        print("dpf: the bundle holds secrets and was NOT signed:\n  " + "\n  ".join(findings), file=sys.stderr)
        return EXIT_FAILED
    print((out / SUMMARY_MD).read_text(encoding="utf-8").splitlines()[0])
    report = out / "allure-report" / "index.html"
    print(f"dpf: HTML report in {report}" if report.is_file() else "dpf: the bundle has no HTML report (see above why)")
    print(f"dpf: bundle written to {out}, signed with the Ed25519 key {fingerprint(public_pem(key))} "
          f"({config_dir() / KEY_FILE}); its public key:\n{public_pem(key).decode('ascii')}", end="")
    return EXIT_OK if summary["ready"] else EXIT_FAILED


def _not_applicable(target: target_file.TargetFile | None) -> set[str]:
    return {f for f, p in target.flows.items() if p.profile == "not-applicable"} if target else set()


def command_verify(args: argparse.Namespace) -> int:
    if not args.public_key and not args.trust_bundled_key:
        print("dpf: certify verify needs the signer's key: --public-key FILE (the key the signer gave you), or "
              "--trust-bundled-key to check only that the bundle is intact", file=sys.stderr)
        return EXIT_USAGE
    bundle = Path(args.bundle)
    try:
        key = verify(bundle, Path(args.public_key) if args.public_key else None)
    except CertifyError as error:
        print(f"dpf: {error}", file=sys.stderr)
        return EXIT_USAGE
    except VerificationFailed as failed:
        print(f"dpf: verification FAILED: {failed}", file=sys.stderr)
        return EXIT_FAILED
    print(_first_line(bundle / SUMMARY_MD))
    if args.public_key:
        print(f"dpf: {bundle}: every file matches {MANIFEST}, signed by {key}, the key in {args.public_key}")
    else:
        print(f"dpf: {bundle}: every file matches {MANIFEST}, signed by {key}, the bundle's own {PUBLIC_KEY}")
        print(f"dpf: unpinned: the bundle is intact, but whoever changed it could have signed it with a key of their "
              f"own; pass --public-key with the key the signer gave you to know who signed it", file=sys.stderr)
    return EXIT_OK


def _first_line(path: Path) -> str:
    """The summary's verdict line (READY, or NOT READY and why); the manifest has vouched for the file."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return lines[0] if lines else f"dpf: the bundle has no {SUMMARY_MD} verdict"


def add_parser(commands: Any) -> None:
    """`dpf certify ...` and `dpf certify verify DIR` on the command line's subcommands."""
    certify = commands.add_parser("certify", help="run the go-live set and write a signed certification bundle")
    certify.add_argument("--target", metavar="FILE", help="a partner's target file: its mandatory flows are required")
    certify.add_argument("--base-url", help="a deployed portal; default: DPF_BASE_URL, else the embedded portal")
    certify.add_argument("--out", metavar="DIR", help="the folder to write the bundle to (must not exist)")
    certify.add_argument("--force", action="store_true", help="replace --out if it exists")
    certify.add_argument("--workers", type=int, default=1, help="run flows in N parallel processes")
    certify.add_argument("--ca-file", metavar="FILE", help="trust the certificate authorities in this PEM file")
    certify.add_argument("--selftest", action="store_true", help="also play the faults of playbooks/faults.toml in front "
                         "of the target (dpf selftest) and put the score in the bundle")
    certify.add_argument("--selftest-faults", metavar="NAME,...", help="with --selftest: only these faults")
    certify.add_argument("--i-own-this-target", dest="owns_target", action="store_true",
                         help="with --selftest and --base-url: the target is yours to put faults in front of")
    certify.set_defaults(handler=command_certify)
    actions = certify.add_subparsers(dest="certify_command", parser_class=type(certify))
    check = actions.add_parser("verify", help="check a bundle's hashes and signature")
    check.add_argument("bundle", metavar="DIR")
    trust = check.add_mutually_exclusive_group()
    trust.add_argument("--public-key", metavar="FILE", help="the signer's public key (PEM), as the signer gave it")
    trust.add_argument("--trust-bundled-key", action="store_true",
                       help="check against the bundle's own public key: proves it intact, not who signed it")
    check.set_defaults(handler=command_verify)
