"""The passkey form of the built-in sign-in page, and the script that runs the ceremony.

The script is the browser half of Auth.js 5's protocol, as ``next-auth/webauthn`` speaks it: GET
``<base>/webauthn-options/<id>``, hand the options to ``navigator.credentials``, POST the answer
to ``<base>/callback/<id>`` with ``X-Auth-Return-Redirect`` and go where the JSON says. It is
static (each form carries its settings in ``data-`` attributes), so the page's Content Security
Policy allows exactly it by hash, and ``fetch`` to the page's own origin.

A form with an ``email`` input asks the server to decide, as Auth.js's page does: an empty or
known address signs in, a new one registers a new account. ``data-action="register"`` on a form
without the input adds a passkey to the signed-in user (the demo's "Add a passkey").
"""

from __future__ import annotations

import base64
import hashlib

from authsession._core.pages.layout import escape, safe_url

PASSKEY_SCRIPT = """
(() => {
  const text = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)));
  const b64url = (buffer) => text(buffer).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const bytes = (value) => {
    const padded = value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const descriptors = (list) => (list || []).map((d) => ({ ...d, id: bytes(d.id) }));
  const common = (credential) => ({
    id: credential.id,
    rawId: b64url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
  });
  async function create(o) {
    const credential = await navigator.credentials.create({ publicKey: {
      ...o,
      challenge: bytes(o.challenge),
      user: { ...o.user, id: new TextEncoder().encode(o.user.id) },
      excludeCredentials: descriptors(o.excludeCredentials),
    } });
    const r = credential.response;
    return { ...common(credential), response: {
      clientDataJSON: b64url(r.clientDataJSON),
      attestationObject: b64url(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : undefined,
    } };
  }
  async function get(o) {
    const credential = await navigator.credentials.get({ publicKey: {
      ...o, challenge: bytes(o.challenge), allowCredentials: descriptors(o.allowCredentials),
    } });
    const r = credential.response;
    return { ...common(credential), response: {
      clientDataJSON: b64url(r.clientDataJSON),
      authenticatorData: b64url(r.authenticatorData),
      signature: b64url(r.signature),
      userHandle: r.userHandle ? b64url(r.userHandle) : undefined,
    } };
  }
  async function ceremony(form) {
    const query = new URLSearchParams();
    if (form.dataset.action) query.set("action", form.dataset.action);
    if (form.elements.email && form.elements.email.value) query.set("email", form.elements.email.value);
    const offered = await fetch(`${form.dataset.base}/webauthn-options/${form.dataset.passkey}?${query}`);
    if (!offered.ok) throw new Error("This passkey cannot be used here.");
    const { action, options } = await offered.json();
    const data = action === "register" ? await create(options) : await get(options);
    const body = new URLSearchParams({
      action,
      data: JSON.stringify(data),
      csrfToken: form.elements.csrfToken ? form.elements.csrfToken.value : "",
      callbackUrl: form.elements.callbackUrl.value,
    });
    const answer = await fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Auth-Return-Redirect": "1" },
      body,
    });
    window.location.href = (await answer.json()).url;
  }
  for (const form of document.querySelectorAll("form[data-passkey]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const alert = form.querySelector("[data-passkey-error]");
      alert.hidden = true;
      ceremony(form).catch((error) => {
        alert.textContent = error instanceof Error ? error.message : String(error);
        alert.hidden = false;
      });
    });
  }
})();
"""

#: What the page's Content-Security-Policy names to allow :data:`PASSKEY_SCRIPT` and nothing else.
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(PASSKEY_SCRIPT.encode()).digest()).decode()


def passkey_form(
    *,
    provider_id: str,
    base_url: str,
    callback_url: str,
    csrf_token: str | None,
    redirect_to: str,
    button: str,
    email_input_id: str | None,
    action: str | None = None,
) -> str:
    """One passkey form; ``email_input_id`` adds the address field, ``action`` fixes the ceremony.

    ``base_url`` and ``callback_url`` may be absolute or site-relative (``/api/auth``).
    """
    email = ""
    if email_input_id is not None:
        email = (
            f'<div class="field"><label for="{email_input_id}">Email (for a new account)</label>'
            f'<input id="{email_input_id}" type="email" name="email" autocomplete="username webauthn" '
            'placeholder="email@example.com"></div>'
        )
    fixed = f' data-action="{escape(action)}"' if action else ""
    csrf = f'<input type="hidden" name="csrfToken" value="{escape(csrf_token)}">' if csrf_token is not None else ""
    return (
        f'<form method="post" action="{safe_url(callback_url)}" data-passkey="{escape(provider_id)}" '
        f'data-base="{safe_url(base_url)}"{fixed}>'
        f'{csrf}<input type="hidden" name="callbackUrl" value="{escape(redirect_to)}">'
        f'{email}<p class="alert" role="alert" data-passkey-error hidden></p>'
        f'<button type="submit" class="button"><span>{escape(button)}</span></button></form>'
    )
