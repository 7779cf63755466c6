"""A browser's User-Agent header as a person reads it: "Chrome 131 on Linux"."""

from __future__ import annotations

from dataclasses import dataclass

import ua_parser

UNKNOWN = "Unknown"


@dataclass(frozen=True)
class Device:
    browser: str
    os: str

    def __str__(self) -> str:
        return f"{self.browser} on {self.os}"


def _version(major: str | None, minor: str | None = None) -> str:
    if not major:
        return ""
    return f" {major}.{minor}" if minor and minor != "0" else f" {major}"


def describe_device(user_agent: str) -> Device:
    """The browser and operating system a User-Agent names (with major versions), "Unknown" for what it does not."""
    result = ua_parser.parse(user_agent[:300]) if user_agent else None
    browser = os_name = UNKNOWN
    if result is not None and result.user_agent is not None:
        browser = result.user_agent.family + _version(result.user_agent.major)
    if result is not None and result.os is not None:
        os_name = result.os.family + _version(result.os.major, result.os.minor)
    return Device(browser, os_name)
