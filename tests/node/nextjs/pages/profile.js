import { getServerSession } from "next-auth/next";
import { authOptions } from "./api/auth/[...nextauth]";

export async function getServerSideProps({ req, res }) {
  const session = await getServerSession(req, res, authOptions);
  return { props: { session } };
}

export default function Profile({ session }) {
  if (!session) return <p>You must be logged in to view this page.</p>;
  // Template strings keep each sentence one text node in the server-rendered HTML.
  return (
    <main>
      <h1>{`Welcome, ${session.user.name}!`}</h1>
      <p>{`Your email is ${session.user.email}`}</p>
    </main>
  );
}
