import { type InputHTMLAttributes, type ReactNode, forwardRef, useId } from "react";
import { useTranslation } from "react-i18next";

type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  label: ReactNode;
  /** An i18n key from a zod message, shown under the input. */
  error?: string;
  /** The gateway's own message for this field, shown as it came. */
  serverError?: string;
  hint?: ReactNode;
};

/** A labelled input with its hint and validation error. */
export const Field = forwardRef<HTMLInputElement, FieldProps>(function Field(
  { label, error, serverError, hint, className = "", ...props },
  ref,
) {
  const { t } = useTranslation();
  const id = useId();
  const shown = error ? t(error) : serverError;
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        ref={ref}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? `${id}-error` : undefined}
        className="mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-teal-600 aria-invalid:ring-rose-500 sm:text-sm"
        {...props}
      />
      {hint && !shown && <p className="mt-1 text-xs text-slate-500">{hint}</p>}
      {shown && (
        <p id={`${id}-error`} className="mt-1 text-xs text-rose-700" data-testid="field-error">
          {shown}
        </p>
      )}
    </div>
  );
});
