"""reference_portal.core.http: request parsing (form, body size, Content-Length, path, cookies), responses and errors."""

from __future__ import annotations

import io
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest

from reference_portal.core.http import (
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    Request,
    Response,
    ServiceUnavailable,
    TooManyRequests,
    json_response,
    redirect,
)

FORM = "application/x-www-form-urlencoded"
MIB = 1024 * 1024


def make_request(
    method: str = "POST",
    body: bytes = b"",
    *,
    content_type: str | None = FORM,
    content_length: str | None = None,
    max_body_bytes: int = MIB,
    **environ: str,
) -> Request:
    env: dict[str, object] = {"REQUEST_METHOD": method, "wsgi.input": io.BytesIO(body)}
    if content_type is not None:
        env["CONTENT_TYPE"] = content_type
    if body or content_length is not None:
        env["CONTENT_LENGTH"] = content_length if content_length is not None else str(len(body))
    env.update(environ)
    setup_testing_defaults(env)
    return Request(env, app=None, max_body_bytes=max_body_bytes)


# Form decoding


def test_form_fields_are_percent_and_plus_decoded_as_utf8():
    request = make_request(body=b"email=dev%40example.com&password=two+words&next=%2Fapp%2Fkeys&name=caf%C3%A9")
    assert request.field("email") == "dev@example.com"
    assert request.field("password") == "two words"
    assert request.field("next") == "/app/keys"
    assert request.field("name") == "café"


def test_missing_field_gives_the_default_and_blank_field_is_kept_blank():
    request = make_request(body=b"email=")
    assert request.field("email", "fallback") == ""
    assert request.field("password", "fallback") == "fallback"


def test_charset_parameter_on_the_form_type_is_accepted():
    request = make_request(body=b"a=1", content_type=f"{FORM}; charset=UTF-8")
    assert request.field("a") == "1"


def test_get_request_has_no_form_and_does_not_read_the_body():
    request = make_request("GET", b"a=1")
    assert request.form == {}
    assert request.environ["wsgi.input"].tell() == 0


def test_empty_post_without_content_type_is_an_empty_form():
    assert make_request(content_type=None).form == {}


def test_field_sent_twice_is_a_bad_request():
    request = make_request(body=b"email=a%40example.com&email=b%40example.com")
    with pytest.raises(BadRequest, match="more than once"):
        request.field("email")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "multipart/form-data; boundary=xyz", "application/x-www-form-urlencodedX"],
)
def test_form_in_another_content_type_is_a_bad_request(content_type: str):
    with pytest.raises(BadRequest, match="x-www-form-urlencoded"):
        make_request(body=b"a=1", content_type=content_type).form


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"email=\xff\xfe", id="body-not-utf8"),
        pytest.param(b"flag&email=x", id="field-without-equals"),
        pytest.param("&".join(f"f{i}=1" for i in range(201)).encode(), id="more-than-200-fields"),
    ],
)
def test_unreadable_form_is_a_bad_request(body: bytes):
    with pytest.raises(BadRequest, match="could not be read"):
        make_request(body=body).form


# Body size and Content-Length


@pytest.mark.parametrize("content_length", ["abc", "1.5", "0x10", "-1"])
def test_content_length_that_is_not_a_non_negative_number_is_a_bad_request(content_length: str):
    with pytest.raises(BadRequest, match="Content-Length"):
        make_request(body=b"a=1", content_length=content_length).read_body()


def test_body_shorter_than_its_content_length_is_a_bad_request():
    with pytest.raises(BadRequest, match="ended early"):
        make_request(body=b"a=1", content_length="10").read_body()


def test_body_over_the_limit_is_refused_before_it_is_read():
    request = make_request(body=b"a" * 11, max_body_bytes=10)
    with pytest.raises(PayloadTooLarge):
        request.read_body()
    assert request.environ["wsgi.input"].tell() == 0


def test_body_exactly_at_the_limit_is_read():
    assert make_request(body=b"a" * 10, max_body_bytes=10).read_body() == b"a" * 10


def test_only_content_length_bytes_are_read_whatever_follows():
    assert make_request(body=b"a=1&b=2", content_length="3").form == {"a": ["1"]}


# Path


def test_path_is_decoded_from_pep3333_latin1_to_utf8():
    request = make_request("GET", PATH_INFO="/caf\u00c3\u00a9")  # the UTF-8 bytes of "/café", as latin-1
    assert (request.path, request.path_is_valid) == ("/café", True)


def test_path_that_is_not_utf8_is_flagged_invalid():
    request = make_request("GET", PATH_INFO="/\u00ff")  # the single byte 0xff
    assert request.path_is_valid is False


# Cookies


@pytest.mark.parametrize(
    ("header", "expected_session"),
    [
        ("dpf_session=abc", "abc"),
        ("", None),
        ("other=1", None),
        (";;; ;", None),
        ("\x00\x01\x02", None),
        ("=; ; dpf_session=abc", "abc"),
        ('prefs={"a":1,"b":2}; dpf_session=abc', "abc"),
        ("theme=dark mode; dpf_session=abc", "abc"),
        ('dpf_session=abc; broken"cookie=1', "abc"),
        ("dpf_session=abc; \x00garbage", "abc"),
    ],
)
def test_cookie_header_with_garbage_never_fails_and_keeps_the_session_cookie(
    header: str, expected_session: str | None
) -> None:
    request = make_request("GET", HTTP_COOKIE=header)
    assert request.cookies.get("dpf_session") == expected_session


# Responses


def test_set_cookie_writes_the_attributes_asked_for():
    response = Response()
    response.set_cookie("c", "v", secure=True, max_age=0)
    assert response.headers == [("Set-Cookie", "c=v; Path=/; SameSite=Lax; Max-Age=0; HttpOnly; Secure")]


def test_set_header_replaces_whatever_the_case():
    response = Response(headers=[("cache-control", "public")])
    response.set_header("Cache-Control", "no-store")
    assert response.headers == [("Cache-Control", "no-store")]
    assert response.get_header("CACHE-CONTROL") == "no-store"
    assert response.get_header("X-Missing") is None


def test_wsgi_headers_carry_content_type_and_the_byte_length():
    response = Response("café")
    body = response.encoded_body()
    assert body == "café".encode()
    assert response.wsgi_headers(body)[:2] == [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "5")]


@pytest.mark.parametrize(("status", "line"), [(200, "200 OK"), (303, "303 See Other"), (429, "429 Too Many Requests")])
def test_status_line(status: int, line: str):
    assert Response(status=status).status_line == line


def test_redirect_is_a_303_with_location():
    response = redirect("/app")
    assert (response.status, response.get_header("Location")) == (303, "/app")


def test_json_response():
    response = json_response({"status": "ok"}, status=201)
    assert (response.body, response.status, response.content_type) == ('{"status": "ok"}', 201, "application/json")


# Errors


def test_method_not_allowed_lists_each_allowed_method_once_sorted():
    error = MethodNotAllowed(["POST", "GET", "GET"])
    assert (error.status, error.headers) == (405, [("Allow", "GET, POST")])


@pytest.mark.parametrize(("seconds", "header"), [(0, "1"), (0.4, "1"), (30, "30"), (900, "900")])
def test_too_many_requests_always_says_when_to_retry(seconds: float, header: str):
    error = TooManyRequests(seconds)
    assert (error.status, error.headers) == (429, [("Retry-After", header)])


def test_service_unavailable_says_when_to_retry():
    assert ServiceUnavailable().headers == [("Retry-After", "2")]


def test_error_description_can_be_replaced():
    assert BadRequest("Nope.").description == "Nope."
    assert BadRequest().description == "The request could not be understood."


# The same rules through the whole application


def signed_in_logout_form(client, auth) -> dict[str, str]:
    assert auth.sign_in(client, "dev@example.com", "developer-demo-pass").status_code == 303
    return {"csrf_token": auth.csrf_token(client, "/app")}


def test_field_sent_twice_through_the_app_is_400(client, auth):
    token = auth.csrf_token(client, "/login")
    body = urlencode([("csrf_token", token), ("email", "dev@example.com"), ("email", "viewer@example.com"),
                      ("password", "developer-demo-pass")])
    response = client.post("/login", content=body, headers={"Content-Type": FORM})
    assert response.status_code == 400
    assert "more than once" in response.text


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data; boundary=b"])
def test_wrong_content_type_through_the_app_is_400(client, auth, content_type: str):
    token = auth.csrf_token(client, "/login")
    body = urlencode({"csrf_token": token, "email": "dev@example.com", "password": "developer-demo-pass"})
    response = client.post("/login", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400


def test_body_over_one_mebibyte_is_413_and_changes_nothing(client, auth, session_rows):
    form = signed_in_logout_form(client, auth)
    before = session_rows()
    response = client.post("/logout", data={**form, "padding": "x" * MIB})
    assert response.status_code == 413
    assert session_rows() == before
    assert client.get("/app").status_code == 200  # still signed in


def test_body_of_exactly_max_body_bytes_is_accepted(client, auth):
    form = signed_in_logout_form(client, auth)
    prefix = urlencode({**form, "padding": ""}).encode()
    response = client.post("/logout", content=prefix + b"x" * (MIB - len(prefix)), headers={"Content-Type": FORM})
    assert response.status_code == 303


def test_max_body_bytes_comes_from_the_config(make_portal, make_client, auth):
    client = make_client(make_portal(max_body_bytes=200))
    token = auth.csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "email": "x" * 300, "password": "p"})
    assert response.status_code == 413


@pytest.mark.parametrize("content_length", ["abc", "-5", "99"])
def test_bad_content_length_through_the_app_is_400(portal, call_wsgi, content_length: str):
    answer = call_wsgi(portal, "POST", "/login", b"csrf_token=x", CONTENT_TYPE=FORM, CONTENT_LENGTH=content_length)
    assert answer.code == 400
    assert b"Bad request" in answer.body


def test_path_not_utf8_through_the_app_is_400(portal, call_wsgi):
    answer = call_wsgi(portal, "GET", "/app/\u00ff\u00fe")
    assert answer.code == 400
    assert b"not valid UTF-8" in answer.body
    assert answer.header("x-content-type-options") == "nosniff"


def test_path_in_valid_utf8_through_the_app_is_routed_normally(portal, call_wsgi):
    assert call_wsgi(portal, "GET", "/caf\u00c3\u00a9").code == 404


def test_garbage_cookie_beside_the_session_cookie_keeps_the_user_signed_in(client, auth):
    auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    session_id = client.cookies["dpf_session"]
    client.cookies.clear()
    response = client.get("/app", headers={"Cookie": f'prefs={{"a":1,"b":2}}; dpf_session={session_id}'})
    assert response.status_code == 200
