// The browser half of the passkey tests: next-auth 5's own WebAuthn client, unchanged.
// The test page calls NextAuthWebAuthn.signIn("passkey", {...}) against the Python server.
export { signIn } from "next-auth/webauthn";
