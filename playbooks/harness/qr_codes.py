"""The set-up QR code as a phone reads it: the element as the browser draws it (a PNG kept in memory only), decoded
by ZXing, and the otpauth:// Key URI it carries (Google Authenticator's Key URI Format, the one every app reads)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import zxingcpp
from PIL import Image
from playwright.sync_api import Locator


@dataclass(frozen=True)
class KeyUri:
    kind: str  # totp or hotp
    label_issuer: str  # the label's "Issuer:" prefix, "" without one
    account: str
    issuer: str  # the issuer parameter, "" without one
    secret: str = field(repr=False)  # base32, as an authenticator app takes it: no spaces or padding, upper case
    algorithm: str
    digits: int
    period: int


def decoded_qr_codes(element: Locator) -> list[str]:
    """The text of every QR code in the element as the browser draws it."""
    png = element.screenshot(animations="disabled")
    with Image.open(io.BytesIO(png)) as image:
        found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found]


def key_uri(text: str) -> KeyUri | None:
    """The Key URI a QR code's text is, with the format's defaults (SHA1, 6 digits, 30 s) for what it leaves out;
    None when the text is no otpauth:// URI."""
    parts = urlsplit(text)
    if parts.scheme.lower() != "otpauth":
        return None
    label = unquote(parts.path.lstrip("/"))
    label_issuer, _, account = label.rpartition(":")
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return KeyUri(
        kind=parts.netloc.lower(),
        label_issuer=label_issuer.strip(),
        account=account.strip(),
        issuer=query.get("issuer", "").strip(),
        secret="".join(query.get("secret", "").split()).upper().rstrip("="),
        algorithm=query.get("algorithm", "SHA1").upper(),
        digits=int(query.get("digits", "6")),
        period=int(query.get("period", "30")),
    )
