import type { ReactNode } from "react";

const TONES = {
  info: "bg-sky-50 text-sky-900 ring-sky-200",
  success: "bg-emerald-50 text-emerald-900 ring-emerald-200",
  warning: "bg-amber-50 text-amber-900 ring-amber-200",
  error: "bg-rose-50 text-rose-900 ring-rose-200",
};

/** A boxed message: information, success, warning or error. */
export function Notice({
  tone = "info",
  children,
  testId,
}: {
  tone?: keyof typeof TONES;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div
      role={tone === "error" || tone === "warning" ? "alert" : "status"}
      className={`rounded-md p-3 text-sm ring-1 ${TONES[tone]}`}
      data-testid={testId}
    >
      {children}
    </div>
  );
}
