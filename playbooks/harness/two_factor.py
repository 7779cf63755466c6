"""Two-factor authentication as the flows see it: the screens DPF-28, DPF-29 and DPF-33 share (page objects: locators
from the contract, verbs as methods, no assertions), the authenticator app the harness plays, the sign-in's
password step over HTTP, to learn whether a persona is asked for a code, and the one proof that the second step is
enforced (prove_second_factor_enforced) every flow relying on 2FA makes."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

import httpx
import pyotp
from playwright.sync_api import Locator, Page

from fixtures import http_clients
from fixtures.html_forms import hidden_fields
from fixtures.personas import Persona

from .contract import contract
from .controls import button, heading, label, link, revealed

STEP_SECONDS = 30  # RFC 6238's time step, which the contract's second factor uses
CLOCK_SKEW_SECONDS = 2  # how far behind the harness's clock a portal's may be
SECOND_FACTOR_PATH = contract().route("second_factor_form").path
REFUSED = 401  # a wrong password or code at the contract's 2FA forms
DASHBOARD_PATH = contract().route("dashboard").path


class TwoFactorPage:
    """GET /app/security/2fa."""

    def __init__(self, page: Page):
        self.page = page
        self.heading = heading(page, "Two-factor authentication")
        self.state = page.get_by_test_id("two-factor-state")
        self.since = page.get_by_test_id("two-factor-since")
        self.codes_left = page.get_by_test_id("recovery-codes-left")
        self.guidance = page.get_by_test_id("two-factor-guidance")
        self.apps = page.get_by_test_id("authenticator-apps")
        self.lost_phone = page.get_by_test_id("lost-phone")
        self.account_settings = link(page, "Account settings")  # reach it with revealed()

    def shown_codes_left(self) -> int | None:
        """The count of recovery codes left as a person reads it: the first number of the element's text."""
        number = re.search(r"\d+", self.codes_left.inner_text())
        return int(number.group()) if number else None


class AccountSecurityPage:
    """GET /account/security while 2FA is off: the set-up."""

    def __init__(self, page: Page):
        self.page = page
        self.heading = heading(page, "Account security")
        self.qr_code = page.get_by_test_id("totp-qr")
        # the QR code as SVG: totp-qr on the <svg> itself, or on an element holding it
        self.qr_svg = page.locator('svg[data-testid="totp-qr"], [data-testid="totp-qr"] svg').first
        self.secret = page.get_by_test_id("totp-secret")
        self.password = label(page, "Password")  # asked when the sign-in is not recent
        self.code = label(page, "Authentication code")
        self.turn_on = button(page, "Turn on two-factor authentication")
        self.code_error = page.get_by_test_id("field-error-code")

    def secret_text(self) -> str:
        """The set-up secret as an authenticator app takes it: base32, however the page groups or cases it."""
        return "".join(self.secret.inner_text().split()).upper()

    def confirm(self, code: str, password: str) -> None:
        if self.password.count():
            self.password.fill(password)
        self.code.fill(code)
        revealed(self.turn_on).click()


class RecoveryCodesPage:
    """The page that shows recovery codes once, after turning 2FA on or regenerating them."""

    def __init__(self, page: Page):
        self.page = page
        self.codes: Locator = page.get_by_test_id("recovery-code")
        self.download = link(page, "Download recovery codes")  # reach these three with revealed()
        self.copy = button(page, "Copy recovery codes")
        self.back = link(page, "Back to two-factor authentication")

    def texts(self) -> list[str]:
        return [code.strip() for code in self.codes.all_inner_texts()]


@dataclass
class Authenticator:
    """The authenticator app the harness plays for one secret. A portal takes each time step's code once, and the
    contract promises it takes a code one step either side of its clock. So each code is of a step after the last
    one given: the current step, else the next one, early by the drift the contract allows. Only a third code within
    one step waits for the clock (never longer than one step). A step that began less than CLOCK_SKEW_SECONDS ago is
    treated as not begun yet, so a portal whose clock is that far behind still counts the next step as one ahead.
    Where several sign-ins of one process type codes of one secret, they share one (authenticator_for)."""

    secret: str = field(repr=False)
    last_step: int = -1
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def code(self) -> str:
        with self._lock:  # two threads never get one step
            step = max(self._clock_step(), self.last_step + 1)
            while (left := (step - 1) * STEP_SECONDS + CLOCK_SKEW_SECONDS - time.time()) > 0:
                time.sleep(left)  # the condition is the clock reaching the step before this one
            self.last_step = step
            return pyotp.TOTP(self.secret, interval=STEP_SECONDS).at(step * STEP_SECONDS)

    @staticmethod
    def _clock_step() -> int:
        return int((time.time() - CLOCK_SKEW_SECONDS) // STEP_SECONDS)


_authenticators: dict[tuple[str, str], Authenticator] = {}
_authenticators_lock = threading.Lock()


def authenticator_for(secret: str, *, portal: str) -> Authenticator:
    """The one Authenticator of this process for a secret at a portal (its base URL): every sign-in, confirmation
    and flow of the process that types a code of it there takes the next unused step from it, so none has its code
    refused because another used that step. Other processes (pytest-xdist workers) keep their own: between them a
    step can still be used twice, and the later code is refused."""
    key = (portal.rstrip("/"), "".join(secret.split()).upper())
    with _authenticators_lock:
        return _authenticators.setdefault(key, Authenticator(key[1]))


def redirected(answer: httpx.Response) -> bool:
    return answer.status_code in (302, 303)


def post_with_fresh_code(
    authenticator: Authenticator,
    post: Callable[[str], httpx.Response],
    tries: int,
    taken: Callable[[httpx.Response], bool] = redirected,
) -> httpx.Response:
    """post(code) with the authenticator's next code until the portal takes one (`taken`: a redirect, unless said
    otherwise) or `tries` codes are spent: another process may have used a step. The last answer."""
    for _ in range(tries):
        answer = post(authenticator.code())
        if taken(answer):
            break
    return answer


def new_client(base_url: str) -> httpx.Client:
    return http_clients.new_client(base_url, follow_redirects=False, timeout=30)


def password_step(client: httpx.Client, persona: Persona) -> str:
    """Sign in with the password alone through the contract's form; the path the portal sends the client to
    (the second factor's route when it asks for a code)."""
    form = hidden_fields(client.get("/login").text, "/login")
    answer = client.post("/login", data={**form, "email": persona.email, "password": persona.password})
    if answer.status_code not in (302, 303):
        raise AssertionError(f"signing in as {persona.key} with the password answered HTTP {answer.status_code}")
    return urlsplit(answer.headers.get("location", "")).path


def second_step(client: httpx.Client, code: str) -> httpx.Response:
    """Post a code at the second factor's form of the sign-in under way in `client`."""
    form = hidden_fields(client.get(SECOND_FACTOR_PATH).text, SECOND_FACTOR_PATH)
    return client.post(SECOND_FACTOR_PATH, data={**form, "code": code})


def sign_out(client: httpx.Client) -> None:
    form = hidden_fields(client.get("/app").text, "/logout")
    if form:
        client.post("/logout", data=form)


def asks_for_code(base_url: str, persona: Persona) -> bool:
    """Whether signing in as the persona asks for a second factor after the password. A sign-in that needs no code
    is signed out again; one waiting for a code is left to expire."""
    with new_client(base_url) as client:
        landed = password_step(client, persona)
        if landed == SECOND_FACTOR_PATH:
            return True
        sign_out(client)
        return False


def a_wrong_code(secret: str) -> str:
    """A 6-digit code that is no neighbouring time step's code of the secret."""
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    step = int(time.time() // STEP_SECONDS)
    near = {totp.generate_otp(step + offset) for offset in range(-2, 3)}
    return next(f"{n:06d}" for n in range(123456, 1_000_000) if f"{n:06d}" not in near)


def opens_dashboard(client: httpx.Client) -> bool:
    return client.get(DASHBOARD_PATH).status_code == 200


def signed_in_by(answer: httpx.Response) -> bool:
    """Whether the second step's answer took the code: a redirect on, not back to the sign-in."""
    onwards = urlsplit(answer.headers.get("location", "")).path
    return answer.status_code in (302, 303) and not onwards.startswith("/login")


def prove_second_factor_enforced(
    base_url: str, persona: Persona, authenticator: Authenticator, *, accepted: str | None = None, tries: int = 2
) -> None:
    """The sign-in's second step is enforced, over HTTP in fresh clients: the password alone leads to it and opens
    no developer page; a wrong code is refused (401) and opens none either; the authenticator's next code signs in
    (or `accepted`: a code the portal has just taken from this persona elsewhere, e.g. in the browser); and that
    code, replayed in a new sign-in, is refused. `tries`: codes to spend when another process used a step."""
    with new_client(base_url) as client:
        assert password_step(client, persona) == SECOND_FACTOR_PATH, (
            f"signing in as {persona.key} with the password alone asks for no code"
        )
        assert not opens_dashboard(client), f"the password alone opened the dashboard for {persona.key}"
        wrong = second_step(client, a_wrong_code(authenticator.secret))
        assert wrong.status_code == REFUSED, f"a wrong code at the second step answered HTTP {wrong.status_code}"
        assert not opens_dashboard(client), "a wrong code at the second step opened the dashboard"
        if accepted is None:
            typed: list[str] = []

            def post(code: str) -> httpx.Response:
                typed.append(code)
                return second_step(client, code)

            answer = post_with_fresh_code(authenticator, post, tries)
            assert signed_in_by(answer), f"the authenticator's code was refused: HTTP {answer.status_code}"
            assert opens_dashboard(client), "the authenticator's code did not sign the persona in"
            accepted = typed[-1]
            sign_out(client)
    with new_client(base_url) as again:
        assert password_step(again, persona) == SECOND_FACTOR_PATH
        replayed = second_step(again, accepted)
        assert replayed.status_code == REFUSED, (
            f"a code the portal had accepted was accepted again in a new sign-in: HTTP {replayed.status_code}"
        )
        assert not opens_dashboard(again), "a replayed code opened the dashboard"


def turn_off(client: httpx.Client, password: str, code: str) -> httpx.Response:
    """POST /account/security/2fa/disable with the password and a code, as the signed-in client."""
    action = contract().route("two_factor_disable").path
    form = hidden_fields(client.get(contract().route("account_security").path).text, action)
    return client.post(action, data={**form, "password": password, "code": code})
