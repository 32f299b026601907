import { onUnauthorized } from "../api/unauthorized";
import { queryClient } from "./queryClient";
import { router } from "./router";

/** Sends the user to the login page when any request finds the session gone. */
export function watchSession(): void {
  onUnauthorized(() => {
    const { pathname, search } = router.state.location;
    if (pathname === "/login") {
      return;
    }
    const next = encodeURIComponent(pathname + search);
    void router.navigate(`/login?next=${next}`, { replace: true }).then(() => queryClient.clear());
  });
}
