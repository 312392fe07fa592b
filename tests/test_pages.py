"""The built-in HTML pages, checked by parsing them with the stdlib HTML parser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

import pytest

from authsession._core import pages
from authsession._core.pages import (
    DEFAULT_SIGNIN_ERROR_MESSAGE,
    SIGNIN_ERROR_MESSAGES,
    CredentialField,
    PageProvider,
    ProviderStyle,
    Theme,
    render_error,
    render_signin,
    render_signout,
    render_verify_request,
)

BASE = "https://app.example.com/api/auth"
SITE = "https://app.example.com"
HOSTILE = '"><script>alert(1)</script>'
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})


# --- a tiny DOM over html.parser --------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        return [node for node in self.iter(tag) if all(node.attrs.get(k) == v for k, v in attrs.items())]

    def find(self, tag: str, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]
        self.doctype: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert tag not in VOID_TAGS, f"end tag for void element <{tag}>"
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


@dataclass
class Page:
    root: Node
    doctype: str | None
    source: str

    def hidden_inputs(self, form: Node) -> dict[str, str | None]:
        return {i.attrs["name"] or "": i.attrs.get("value") for i in form.find_all("input", type="hidden")}


def parse(source: str) -> Page:
    builder = _TreeBuilder()
    builder.feed(source)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return Page(builder.root, builder.doctype, source)


# --- factories --------------------------------------------------------------------------------


def make_provider(
    id: str, type: Literal["oauth", "oidc", "email", "credentials", "webauthn"] = "oauth", **overrides: object
) -> PageProvider:
    values: dict[str, object] = {
        "id": id,
        "name": id.title(),
        "type": type,
        "signin_url": f"{BASE}/signin/{id}",
        "callback_url": f"{BASE}/callback/{id}",
    }
    values.update(overrides)
    return PageProvider(**values)  # type: ignore[arg-type]


CREDENTIALS = make_provider(
    "credentials",
    "credentials",
    name="Password",
    fields=(
        CredentialField("username", "Username", placeholder="jsmith", required=True),
        CredentialField("password", "Password", type="password"),
    ),
)
ALL_PROVIDERS = (
    make_provider("github", style=ProviderStyle(logo="/img/github.svg", bg="#24292f", text="#fff")),
    make_provider("google", "oidc"),
    make_provider("passkey", "webauthn"),
    make_provider("email", "email"),
    CREDENTIALS,
)
# A passkey form brings its script (tests/core/test_passkeys.py); every other page has none.
WITHOUT_PASSKEYS = tuple(p for p in ALL_PROVIDERS if p.type != "webauthn")


def signin_page(
    *, providers: tuple[PageProvider, ...] = WITHOUT_PASSKEYS, theme: Theme | None = None, **overrides: object
) -> Page:
    kwargs: dict[str, object] = {
        "csrf_token": "tok123",
        "callback_url": f"{SITE}/dashboard",
        "error": None,
        "format": "v5",
    }
    kwargs.update(overrides)
    return parse(render_signin(providers=providers, theme=theme or Theme(), **kwargs))  # type: ignore[arg-type]


def error_page(error: str | None, format: Literal["v4", "v5"], **overrides: str) -> tuple[int, Page]:
    kwargs = {"signin_url": f"{BASE}/signin", "site_url": SITE} | overrides
    status, source = render_error(error=error, theme=Theme(), format=format, **kwargs)
    return status, parse(source)


RENDERERS: dict[str, tuple[str, Callable[[Theme], str]]] = {
    "signin": (
        "Sign In",
        lambda theme: render_signin(
            providers=WITHOUT_PASSKEYS, csrf_token="t", callback_url=SITE, error="Signin", theme=theme, format="v5"
        ),
    ),
    "signout": (
        "Sign Out",
        lambda theme: render_signout(csrf_token="t", signout_url=f"{BASE}/signout", callback_url=SITE, theme=theme),
    ),
    "error": (
        "Error",
        lambda theme: render_error(
            error="Configuration", signin_url=f"{BASE}/signin", site_url=SITE, theme=theme, format="v4"
        )[1],
    ),
    "verify_request": ("Verify Request", lambda theme: render_verify_request(site_url=SITE, theme=theme)),
}


# --- every page -------------------------------------------------------------------------------


def test_exports() -> None:
    assert set(pages.__all__) == {
        "DEFAULT_SIGNIN_ERROR_MESSAGE",
        "SIGNIN_ERROR_MESSAGES",
        "CredentialField",
        "PageProvider",
        "ProviderStyle",
        "Theme",
        "render_error",
        "render_signin",
        "render_signout",
        "render_verify_request",
    }
    assert all(hasattr(pages, name) for name in pages.__all__)


@pytest.mark.parametrize("name", RENDERERS)
def test_page_is_a_full_html5_document(name: str) -> None:
    title, render = RENDERERS[name]
    page = parse(render(Theme()))
    assert page.doctype is not None
    assert page.doctype.lower() == "doctype html"
    html_el = page.root.find("html")
    assert html_el.attrs["lang"] == "en"
    head = html_el.find("head")
    assert head.find("meta", charset="utf-8")
    assert "width=device-width" in (head.find("meta", name="viewport").attrs["content"] or "")
    assert head.find("title").text == title
    assert "<script" not in page.source.lower()
    assert len(page.root.find_all("h1")) == 1
    assert page.root.find("main")


@pytest.mark.parametrize("name", RENDERERS)
@pytest.mark.parametrize("scheme", ["auto", "dark", "light"])
def test_body_class_follows_color_scheme(name: str, scheme: Literal["auto", "dark", "light"]) -> None:
    page = parse(RENDERERS[name][1](Theme(color_scheme=scheme)))
    assert page.root.find("body").classes == [f"__next-auth-theme-{scheme}"]


def test_stylesheet_has_dark_mode_and_brand_variables() -> None:
    page = parse(RENDERERS["signin"][1](Theme(brand_color="#0f766e", button_text="white")))
    css = page.root.find("style").text
    assert "prefers-color-scheme: dark" in css
    assert "--brand-color:#0f766e" in css
    assert "--button-text-color:white" in css


def test_default_brand_colour_when_unset() -> None:
    css = parse(RENDERERS["signout"][1](Theme())).root.find("style").text
    assert "--brand-color:#" in css
    assert "--button-text-color:#" in css


@pytest.mark.parametrize("name", RENDERERS)
def test_logo_is_shown_only_when_set(name: str) -> None:
    render = RENDERERS[name][1]
    page = parse(render(Theme(logo="https://cdn.example.com/logo.png")))
    assert page.root.find("img", **{"class": "logo"}).attrs["src"] == "https://cdn.example.com/logo.png"
    assert parse(render(Theme())).root.find_all("img", **{"class": "logo"}) == []


# --- theme validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "color",
    ["#fff", "#FFFF", "#0f766e", "#0f766e80", "rgb(15, 118, 110)", "rgb(15 118 110 / 50%)",
     "hsl(174deg 77% 26%)", "RGBA(0,0,0,0.5)", "teal", "rebeccapurple"],
)  # fmt: skip
def test_allowed_colours(color: str) -> None:
    assert Theme(brand_color=color, button_text=color).brand_color == color
    assert ProviderStyle(bg=color, text=color).bg == color


@pytest.mark.parametrize(
    "color",
    ["", "#ff", "#12345", "#ggg", "red;}body{display:none", "red }", "url(https://x)", "expression(alert(1))",
     "rgb(1,2,3);x:y", "rgb(1,2,3)) x", "</style><script>", "var(--x)", "rgb('1')", " red",
     "linear-gradient(red,blue)"],
)  # fmt: skip
@pytest.mark.parametrize("option", ["brand_color", "button_text"])
def test_disallowed_colours_raise(option: str, color: str) -> None:
    with pytest.raises(ValueError, match=rf"{option}=.*use a hex colour .*rgb\(\).*plain colour name") as info:
        Theme(**{option: color})  # type: ignore[arg-type]
    assert repr(color) in str(info.value)


@pytest.mark.parametrize("option", ["bg", "text"])
def test_provider_style_colours_are_validated(option: str) -> None:
    with pytest.raises(ValueError, match=rf"style\.{option}="):
        ProviderStyle(**{option: "red;background:url(x)"})


@pytest.mark.parametrize("logo", ["https://cdn.example.com/logo.png", "http://localhost:3000/logo.svg", "/logo.svg"])
def test_allowed_logos(logo: str) -> None:
    assert Theme(logo=logo).logo == logo
    assert ProviderStyle(logo=logo).logo == logo


@pytest.mark.parametrize(
    "logo",
    ["javascript:alert(1)", "data:image/svg+xml,<svg/onload=alert(1)>", "logo.png", "//evil.example/x.png",
     "https://", "ftp://example.com/x.png", "https://exa mple.com/x.png", "/logo.png\n", "", "https:/x"],
)  # fmt: skip
def test_disallowed_logos_raise(logo: str) -> None:
    with pytest.raises(ValueError, match=r"logo=.*absolute https:// .*starting with '/'"):
        Theme(logo=logo)
    with pytest.raises(ValueError, match=r"style\.logo="):
        ProviderStyle(logo=logo)


def test_disallowed_color_scheme_raises() -> None:
    with pytest.raises(ValueError, match="use 'auto', 'dark' or 'light'"):
        Theme(color_scheme="sepia")  # type: ignore[arg-type]


# --- sign-in page -----------------------------------------------------------------------------


def test_signin_has_one_form_per_provider_posting_to_the_right_url() -> None:
    page = signin_page(providers=ALL_PROVIDERS)
    forms = page.root.find_all("form")
    assert [(f.attrs["method"], f.attrs["action"]) for f in forms] == [
        ("post", f"{BASE}/signin/github"),
        ("post", f"{BASE}/signin/google"),
        ("post", f"{BASE}/callback/passkey"),
        ("post", f"{BASE}/signin/email"),
        ("post", f"{BASE}/callback/credentials"),
    ]
    for form in forms:
        assert page.hidden_inputs(form) == {"csrfToken": "tok123", "callbackUrl": f"{SITE}/dashboard"}
    buttons = [form.find("button") for form in forms]
    assert all(button.attrs["type"] == "submit" for button in buttons)
    assert [button.text for button in buttons] == [
        "Sign in with Github",
        "Sign in with Google",
        "Sign in with Passkey",
        "Sign in with Email",
        "Sign in with Password",
    ]


def test_signin_heading() -> None:
    assert signin_page().root.find("h1").text == "Sign in"


def test_signin_oauth_button_uses_provider_style() -> None:
    form = signin_page().root.find("form", action=f"{BASE}/signin/github")
    button = form.find("button")
    assert button.attrs["style"] == "--provider-bg:#24292f;--provider-text:#fff"
    assert button.find("img").attrs == {
        "class": "button__logo",
        "src": "/img/github.svg",
        "alt": "",
        "width": "20",
        "height": "20",
    }
    plain = signin_page().root.find("form", action=f"{BASE}/signin/google").find("button")
    assert "style" not in plain.attrs
    assert plain.find_all("img") == []


def test_signin_email_form() -> None:
    page = signin_page(email="ada@example.com")
    form = page.root.find("form", action=f"{BASE}/signin/email")
    email = form.find("input", name="email")
    assert email.attrs["type"] == "email"
    assert email.attrs["autocomplete"] == "email"
    assert "required" in email.attrs
    assert email.attrs["value"] == "ada@example.com"
    label = form.find("label", **{"for": email.attrs["id"] or ""})
    assert label.text == "Email"


def test_signin_email_not_prefilled_by_default() -> None:
    email = signin_page().root.find("input", name="email")
    assert "value" not in email.attrs


def test_signin_credentials_form_fields() -> None:
    form = signin_page().root.find("form", action=f"{BASE}/callback/credentials")
    username = form.find("input", name="username")
    password = form.find("input", name="password")
    assert username.attrs["type"] == "text"
    assert username.attrs["placeholder"] == "jsmith"
    assert username.attrs["autocomplete"] == "username"
    assert "required" in username.attrs
    assert password.attrs["type"] == "password"
    assert password.attrs["autocomplete"] == "current-password"
    assert "required" not in password.attrs
    assert "placeholder" not in password.attrs
    assert form.find("label", **{"for": username.attrs["id"] or ""}).text == "Username"
    assert form.find("label", **{"for": password.attrs["id"] or ""}).text == "Password"


def test_signin_shows_a_providers_links_under_its_form() -> None:
    links = (("Forgot your password?", f"{BASE}/password/forgot"), ("No account yet? Sign up", f"{SITE}/a?b=1&c=2"))
    password = make_provider("password", "credentials", fields=(CredentialField("email", "Email"),), links=links)
    page = signin_page(providers=(make_provider("github"), password))
    group = page.root.find_all("div", **{"class": "provider-group"})[-1]
    shown = [(a.text, a.attrs["href"]) for a in group.find_all("a")]
    assert shown == list(links)  # parsed back, so the & in the second URL was escaped
    assert "&amp;c=2" in page.source
    assert [p.attrs["class"] for p in group.find_all("p")] == ["provider-link", "provider-link"]
    assert ".provider-link {" in page.source  # styled by the theme like the rest of the page
    # Providers without links (the default) get none.
    assert signin_page().root.find_all("p", **{"class": "provider-link"}) == []


def test_signin_every_visible_input_has_a_label_and_ids_are_unique() -> None:
    twin = make_provider(
        "credentials2",
        "credentials",
        fields=(CredentialField("username", "Login"), CredentialField("a b", "Odd")),
    )
    page = signin_page(providers=(*ALL_PROVIDERS, twin, make_provider("email2", "email")))
    ids = [node.attrs["id"] for node in page.root.iter() if "id" in node.attrs]
    assert len(ids) == len(set(ids))
    visible = [i for i in page.root.find_all("input") if i.attrs.get("type") != "hidden"]
    assert len(visible) == 7  # the passkey form has an email field too
    labels = {label.attrs["for"] for label in page.root.find_all("label")}
    for node in visible:
        assert node.attrs["id"] in labels
        assert " " not in (node.attrs["id"] or "")


def test_signin_dividers_separate_button_stack_and_forms() -> None:
    page = signin_page()
    assert [d.text for d in page.root.find_all("div", **{"class": "divider"})] == ["or", "or"]


@pytest.mark.parametrize(
    ("providers", "dividers"),
    [
        ((), 0),
        ((make_provider("github"),), 0),
        ((make_provider("github"), make_provider("google")), 0),
        ((make_provider("email", "email"), CREDENTIALS), 1),
        ((make_provider("github"), make_provider("email", "email"), make_provider("google")), 2),
    ],
)
def test_signin_divider_count(providers: tuple[PageProvider, ...], dividers: int) -> None:
    page = signin_page(providers=providers)
    assert len(page.root.find_all("div", **{"class": "divider"})) == dividers
    assert len(page.root.find_all("form")) == len(providers)


TRY_ANOTHER_ACCOUNT = "Try signing in with a different account."


@pytest.mark.parametrize("format", ["v4", "v5"])
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("Signin", TRY_ANOTHER_ACCOUNT),
        ("OAuthSignin", TRY_ANOTHER_ACCOUNT),
        ("OAuthCreateAccount", TRY_ANOTHER_ACCOUNT),
        ("EmailCreateAccount", TRY_ANOTHER_ACCOUNT),
        ("Callback", TRY_ANOTHER_ACCOUNT),
        (
            "OAuthAccountNotLinked",
            "To confirm your identity, sign in with the same account you used originally.",
        ),
        ("EmailSignin", "The e-mail could not be sent."),
        ("CredentialsSignin", "Sign in failed. Check the details you provided are correct."),
        ("SessionRequired", "Please sign in to access this page."),
        # Neither package has its own text for a stale form: Auth.js 5 shows the default.
        ("MissingCSRF", "Unable to sign in."),
        ("Whatever", "Unable to sign in."),
        ("credentialssignin", "Unable to sign in."),
    ],
)
def test_signin_error_messages(code: str, message: str, format: Literal["v4", "v5"]) -> None:
    page = signin_page(error=code, format=format)
    alert = page.root.find("div", role="alert")
    assert alert.text == message
    assert SIGNIN_ERROR_MESSAGES[format].get(code, DEFAULT_SIGNIN_ERROR_MESSAGE) == message


@pytest.mark.parametrize(
    ("format", "own", "other"),
    [("v4", "OAuthCallback", "OAuthCallbackError"), ("v5", "OAuthCallbackError", "OAuthCallback")],
)
def test_signin_explains_only_its_own_dialects_oauth_callback_code(
    format: Literal["v4", "v5"], own: str, other: str
) -> None:
    assert signin_page(error=own, format=format).root.find("div", role="alert").text == TRY_ANOTHER_ACCOUNT
    assert signin_page(error=other, format=format).root.find("div", role="alert").text == DEFAULT_SIGNIN_ERROR_MESSAGE


@pytest.mark.parametrize("error", [None, ""])
def test_signin_without_error_has_no_alert(error: str | None) -> None:
    assert signin_page(error=error).root.find_all("div", role="alert") == []


def test_signin_error_code_is_not_echoed() -> None:
    page = signin_page(error="ZzUniqueCode")
    assert "ZzUniqueCode" not in page.source
    assert page.root.find("div", role="alert").text == DEFAULT_SIGNIN_ERROR_MESSAGE


def test_signin_error_messages_are_read_only() -> None:
    with pytest.raises(TypeError):
        SIGNIN_ERROR_MESSAGES["v4"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        SIGNIN_ERROR_MESSAGES["v5"]["Signin"] = "x"  # type: ignore[index]


def test_signin_escapes_hostile_input() -> None:
    hostile_credentials = make_provider(
        "cred",
        "credentials",
        name=HOSTILE,
        fields=(CredentialField(HOSTILE, HOSTILE, type=HOSTILE, placeholder=HOSTILE),),
    )
    providers = (
        make_provider(HOSTILE, name=HOSTILE),
        make_provider("mail", "email", name=HOSTILE),
        hostile_credentials,
    )
    page = signin_page(providers=providers, csrf_token=HOSTILE, callback_url=HOSTILE, error=HOSTILE, email=HOSTILE)
    assert "<script" not in page.source.lower()
    for form in page.root.find_all("form"):
        assert page.hidden_inputs(form) == {"csrfToken": HOSTILE, "callbackUrl": HOSTILE}
        assert form.find("button").text == f"Sign in with {HOSTILE}"
    assert page.root.find("input", name="email").attrs["value"] == HOSTILE
    field_input = page.root.find("input", name=HOSTILE)
    assert field_input.attrs["placeholder"] == HOSTILE
    assert page.root.find("label", **{"for": field_input.attrs["id"] or ""}).text == HOSTILE
    assert page.root.find("div", role="alert").text == DEFAULT_SIGNIN_ERROR_MESSAGE


@pytest.mark.parametrize("url", ["javascript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", HOSTILE])
def test_signin_refuses_script_urls_as_form_actions(url: str) -> None:
    page = signin_page(
        providers=(make_provider("x", signin_url=url), make_provider("c", "credentials", callback_url=url))
    )
    assert [form.attrs["action"] for form in page.root.find_all("form")] == ["#", "#"]


# --- sign-out page ----------------------------------------------------------------------------


def test_signout_page() -> None:
    source = render_signout(
        csrf_token="tok123", signout_url=f"{BASE}/signout", callback_url=f"{SITE}/bye", theme=Theme()
    )
    page = parse(source)
    assert page.root.find("h1").text == "Are you sure you want to sign out?"
    form = page.root.find("form")
    assert (form.attrs["method"], form.attrs["action"]) == ("post", f"{BASE}/signout")
    assert page.hidden_inputs(form) == {"csrfToken": "tok123", "callbackUrl": f"{SITE}/bye"}
    button = form.find("button")
    assert (button.attrs["type"], button.text) == ("submit", "Sign out")


def test_signout_escapes_hostile_input() -> None:
    source = render_signout(csrf_token=HOSTILE, signout_url=HOSTILE, callback_url=HOSTILE, theme=Theme())
    page = parse(source)
    assert "<script" not in source.lower()
    form = page.root.find("form")
    assert form.attrs["action"] == "#"
    assert page.hidden_inputs(form) == {"csrfToken": HOSTILE, "callbackUrl": HOSTILE}


# --- error page -------------------------------------------------------------------------------

SERVER_ERROR = (500, "Server error")
ACCESS_DENIED = (403, "Access Denied")
UNABLE = (403, "Unable to sign in")
DEFAULT = (200, "Error")


@pytest.mark.parametrize(
    ("format", "error", "expected"),
    [
        ("v4", "Configuration", SERVER_ERROR),
        ("v4", "configuration", SERVER_ERROR),
        ("v4", "CONFIGURATION", SERVER_ERROR),
        ("v4", "AccessDenied", ACCESS_DENIED),
        ("v4", "accessdenied", ACCESS_DENIED),
        ("v4", "Verification", UNABLE),
        ("v4", "VERIFICATION", UNABLE),
        ("v4", "Default", DEFAULT),
        ("v4", "OAuthSignin", DEFAULT),
        ("v4", None, DEFAULT),
        ("v4", "", DEFAULT),
        ("v5", "Configuration", SERVER_ERROR),
        ("v5", "configuration", DEFAULT),
        ("v5", "AccessDenied", ACCESS_DENIED),
        ("v5", "accessDenied", DEFAULT),
        ("v5", "Verification", UNABLE),
        ("v5", "verification", DEFAULT),
        ("v5", "Whatever", DEFAULT),
        ("v5", None, DEFAULT),
    ],
)
def test_error_status_and_heading(format: Literal["v4", "v5"], error: str | None, expected: tuple[int, str]) -> None:
    status, page = error_page(error, format)
    assert (status, page.root.find("h1").text) == expected
    assert page.root.find("title").text == "Error"


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_error_configuration_wording(format: Literal["v4", "v5"]) -> None:
    _, page = error_page("Configuration", format)
    paragraphs = [p.text for p in page.root.find_all("p")]
    assert "There is a problem with the server configuration." in paragraphs
    assert "Check the server logs for more information." in paragraphs


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_error_access_denied_wording(format: Literal["v4", "v5"]) -> None:
    _, page = error_page("AccessDenied", format)
    assert "You do not have permission to sign in." in [p.text for p in page.root.find_all("p")]


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_error_verification_links_to_signin(format: Literal["v4", "v5"]) -> None:
    _, page = error_page("Verification", format)
    paragraphs = [p.text for p in page.root.find_all("p")]
    assert "The sign in link is no longer valid." in paragraphs
    assert "It may have been used already or it may have expired." in paragraphs
    link = page.root.find("a")
    assert (link.attrs["href"], link.text) == (f"{BASE}/signin", "Sign in")


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_error_default_links_to_site(format: Literal["v4", "v5"]) -> None:
    _, page = error_page("Unknown", format, site_url="https://app.example.com:8443/home")
    link = page.root.find("a")
    assert (link.attrs["href"], link.text) == ("https://app.example.com:8443/home", "app.example.com:8443")


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_error_escapes_hostile_input(format: Literal["v4", "v5"]) -> None:
    for error in (HOSTILE, "Verification"):
        _, page = error_page(error, format, signin_url=HOSTILE, site_url=HOSTILE)
        assert "<script" not in page.source.lower()
        assert HOSTILE not in page.source
        link = page.root.find("a")
        assert link.attrs["href"] == "#"
    assert page.root.find("a").text == "Sign in"
    _, page = error_page(HOSTILE, format, site_url=HOSTILE)
    assert page.root.find("a").text == HOSTILE


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_error_refuses_script_site_url(format: Literal["v4", "v5"]) -> None:
    _, page = error_page(None, format, site_url="javascript:alert(document.cookie)")
    assert page.root.find("a").attrs["href"] == "#"


# --- verify-request page ----------------------------------------------------------------------


def test_verify_request_page() -> None:
    page = parse(render_verify_request(site_url="https://app.example.com/", theme=Theme()))
    assert page.root.find("h1").text == "Check your email"
    assert "A sign in link has been sent to your email address." in [p.text for p in page.root.find_all("p")]
    link = page.root.find("a")
    assert (link.attrs["href"], link.text) == ("https://app.example.com/", "app.example.com")


def test_verify_request_hides_userinfo_in_link_text() -> None:
    page = parse(render_verify_request(site_url="https://user:pw@app.example.com", theme=Theme()))
    link = page.root.find("a")
    assert "pw" not in link.text
    assert link.text == "app.example.com"


def test_verify_request_escapes_hostile_site_url() -> None:
    source = render_verify_request(site_url=HOSTILE, theme=Theme())
    assert "<script" not in source.lower()
    link = parse(source).root.find("a")
    assert (link.attrs["href"], link.text) == ("#", HOSTILE)
