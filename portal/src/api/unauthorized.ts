// A 401 from any request sends the user to the login page, once: several
// requests failing together must not each start their own redirect.

type Listener = () => void;

let listener: Listener | null = null;
let reported = false;

/** Sets what happens when the session is lost (the app redirects to login). */
export function onUnauthorized(next: Listener): () => void {
  listener = next;
  return () => {
    if (listener === next) {
      listener = null;
    }
  };
}

/** Called for every 401; tells the listener only the first time. */
export function reportUnauthorized(): void {
  if (reported) {
    return;
  }
  reported = true;
  listener?.();
}

/** Arms the rule again after a successful login. */
export function resetUnauthorized(): void {
  reported = false;
}
