import { Navigate, Outlet, useLocation } from "react-router";

import { ApiError } from "../../api/errors";
import { useMe } from "../../queries/auth/useMe";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Loading } from "../ui/Spinner";

/** Shows its pages only to a signed-in admin; one who must enrol 2FA goes there first. */
export function RequireSession() {
  const me = useMe();
  const location = useLocation();

  if (me.isPending) {
    return (
      <div className="p-6">
        <Loading />
      </div>
    );
  }
  if (me.isError) {
    if (me.error instanceof ApiError && me.error.status === 401) {
      // The one 401 handler (app/session.ts) is taking the user to login.
      return null;
    }
    return (
      <div className="p-6">
        <ErrorNotice error={me.error} />
      </div>
    );
  }
  if (me.data.totp_enrolment_required && location.pathname !== "/setup-2fa") {
    return <Navigate to="/setup-2fa" replace />;
  }
  return <Outlet />;
}
