// The next-auth 5 side of the interop tests (tests/interop/test_nextjs15.py); authsession's twin mirrors it.
//
// Two modes, chosen at start by the environment, one build:
//   JWT sessions (default): the credentials provider, with the same users as tests/node/nextjs.
//   DATABASE_URL set: database sessions through @auth/pg-adapter on that PostgreSQL database,
//   which authsession's SQLAlchemy adapter uses too, with Auth.js's default callbacks. Auth.js
//   refuses credentials-only database setups, so that mode signs in through the OpenID Provider.
// OIDC_ISSUER (with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET) adds the providers `local` and
// `defect-<d>` in either mode.
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import PostgresAdapter from "@auth/pg-adapter";
import pg from "pg";

// Test users only: this app never runs outside the test suite.
const USERS = {
  "ada@example.com": { id: "1", name: "Ada Lovelace", email: "ada@example.com" },
  // Signing in as this user adds a large claim, so the session cookie is chunked (.0, .1).
  "babbage@example.com": { id: "2", name: "Charles Babbage", email: "babbage@example.com" },
};
const PASSWORD = "correct-horse";
const BIG_CLAIM_LENGTH = 5000;

const database = process.env.DATABASE_URL;
const providers = [];
if (!database) {
  providers.push(
    Credentials({
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
  );
}
if (process.env.OIDC_ISSUER) {
  const client = {
    type: "oidc",
    issuer: process.env.OIDC_ISSUER,
    clientId: process.env.OIDC_CLIENT_ID,
    clientSecret: process.env.OIDC_CLIENT_SECRET,
    checks: ["pkce", "state"],
  };
  providers.push({ id: "local", name: "Local OIDC", ...client });
  // The provider's defective token endpoint (tests/node/oidc/server.mjs): the real code exchange,
  // then the ID token re-issued with one defect. The tests see which defects Auth.js lets in.
  for (const defect of ["key", "kid", "none", "iss"]) {
    providers.push({
      id: `defect-${defect}`,
      name: `Defective ID token (${defect})`,
      ...client,
      token: `${process.env.OIDC_ISSUER}/__test/token/${defect}`,
    });
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth(
  database
    ? {
        providers,
        adapter: PostgresAdapter(new pg.Pool({ connectionString: database, max: 4 })),
        session: { strategy: "database" },
      }
    : {
        providers,
        session: { strategy: "jwt" },
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
      },
);
