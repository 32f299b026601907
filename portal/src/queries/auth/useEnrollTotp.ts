import { useMutation } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";

/** Starts 2FA enrolment: a new secret and its QR code. */
export function useEnrollTotp() {
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/auth/totp/enroll")),
  });
}
