// A page using next-auth/react the way a React app does, bundled by build.mjs and served by the
// Python demo on its own origin: tests/browser/test_next_auth_react.py drives it in Chromium.
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { SessionProvider, signIn, signOut, useSession } from "next-auth/react";

function Account() {
  const { data: session, status, update } = useSession();
  const [result, setResult] = useState("");

  async function onSignIn(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    // The demo's password accounts are authsession's Password provider: a credentials provider
    // with the id "password", so signIn posts to /api/auth/callback/password.
    const answer = await signIn("password", {
      email: form.get("email"),
      password: form.get("password"),
      redirect: false,
    });
    setResult(JSON.stringify({ ok: answer?.ok ?? null, error: answer?.error ?? null }));
  }

  async function onUpdate() {
    // With data, update() POSTs /session with the CSRF token, as a profile edit would.
    const fresh = await update({ reason: "profile-edited" });
    setResult(JSON.stringify({ updated: fresh?.user?.name ?? null }));
  }

  return (
    <main>
      <p>
        Status: <output id="status">{status}</output>
      </p>
      <p>
        Email: <output id="email">{session?.user?.email ?? ""}</output>
      </p>
      <p>
        Name: <output id="name">{session?.user?.name ?? ""}</output>
      </p>
      <form onSubmit={onSignIn}>
        <label>
          Email <input name="email" type="email" />
        </label>
        <label>
          Password <input name="password" type="password" />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <button type="button" onClick={onUpdate}>
        Update
      </button>
      <button type="button" onClick={() => signOut({ redirect: false })}>
        Sign out
      </button>
      <p>
        Result: <output id="result">{result}</output>
      </p>
    </main>
  );
}

createRoot(document.getElementById("root")).render(
  <SessionProvider basePath="/api/auth">
    <Account />
  </SessionProvider>,
);
