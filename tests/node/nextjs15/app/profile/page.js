import { auth } from "../../auth";

// The seed's profile page as a React Server Component: auth() reads the request's cookies.
export default async function Profile() {
  const session = await auth();
  if (!session) return <p>You must be logged in to view this page.</p>;
  // Template strings keep each sentence one text node in the server-rendered HTML.
  return (
    <main>
      <h1>{`Welcome, ${session.user.name}!`}</h1>
      <p>{`Your email is ${session.user.email}`}</p>
    </main>
  );
}
