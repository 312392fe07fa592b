// The next-auth 4 side of the interop tests (tests/interop). authsession's test app mirrors it.
import NextAuth from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";

// Test users only: this app never runs outside the test suite.
const USERS = {
  "ada@example.com": { id: "1", name: "Ada Lovelace", email: "ada@example.com" },
  // Signing in as this user adds a large claim, so the session cookie is chunked (.0, .1).
  "babbage@example.com": { id: "2", name: "Charles Babbage", email: "babbage@example.com" },
};
const PASSWORD = "correct-horse";
const BIG_CLAIM_LENGTH = 5000;

const providers = [
  CredentialsProvider({
    name: "Credentials",
    credentials: {
      email: { label: "Email", type: "email" },
      password: { label: "Password", type: "password" },
    },
    async authorize(credentials) {
      const user = USERS[credentials?.email];
      if (user && credentials?.password === PASSWORD) return { ...user };
      return null;
    },
  }),
];

// The test OpenID Provider (tests/node/oidc/server.mjs), only when tests/interop passes its
// issuer and client: next-auth 4's generic OAuth provider, configured by discovery.
if (process.env.OIDC_ISSUER) {
  providers.push({
    id: "local",
    name: "Local OIDC",
    type: "oauth",
    wellKnown: `${process.env.OIDC_ISSUER}/.well-known/openid-configuration`,
    authorization: { params: { scope: "openid profile email" } },
    idToken: true,
    checks: ["pkce", "state"],
    clientId: process.env.OIDC_CLIENT_ID,
    clientSecret: process.env.OIDC_CLIENT_SECRET,
    profile(profile) {
      return { id: profile.sub, name: profile.name, email: profile.email, image: profile.picture ?? null };
    },
  });
}

export const authOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: "jwt" },
  providers,
  callbacks: {
    async jwt({ token, user }) {
      if (user?.id === "2") token.notes = "n".repeat(BIG_CLAIM_LENGTH);
      return token;
    },
    async session({ session, token }) {
      if (typeof token.notes === "string") session.notesLength = token.notes.length;
      return session;
    },
  },
};

export default NextAuth(authOptions);
