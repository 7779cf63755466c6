"""The Key URI a set-up QR code carries, read as authenticator apps read it."""

from __future__ import annotations

import pytest

from playbooks.harness.qr_codes import key_uri

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_a_uri_with_the_defaults_left_out():
    uri = key_uri(f"otpauth://totp/Developer%20Portal:dev%40example.com?secret={SECRET}&issuer=Developer%20Portal")
    assert uri is not None
    assert (uri.kind, uri.label_issuer, uri.account, uri.issuer) == ("totp", "Developer Portal", "dev@example.com",
                                                                     "Developer Portal")
    assert (uri.secret, uri.algorithm, uri.digits, uri.period) == (SECRET, "SHA1", 6, 30)


def test_a_uri_stating_its_parameters_with_no_issuer_in_its_label():
    uri = key_uri(f"otpauth://totp/dev@example.com?secret={SECRET.lower()}&algorithm=sha256&digits=8&period=60")
    assert uri is not None
    assert (uri.label_issuer, uri.account, uri.issuer) == ("", "dev@example.com", "")
    assert (uri.secret, uri.algorithm, uri.digits, uri.period) == (SECRET, "SHA256", 8, 60)


@pytest.mark.parametrize("text", ["https://example.com/?secret=X", "JBSWY3DPEHPK3PXP", ""])
def test_text_that_is_no_key_uri(text):
    assert key_uri(text) is None
