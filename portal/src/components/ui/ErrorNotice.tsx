import { useTranslation } from "react-i18next";

import { errorMessage } from "../../lib/errorMessage";
import { Notice } from "./Notice";

/** Shows a failed request's error in the portal's language. */
export function ErrorNotice({ error }: { error: unknown }) {
  const { t, i18n } = useTranslation();
  const { key, values } = errorMessage(error);
  const message = i18n.exists(key) ? t(key, values) : t("errors.unknown", values);
  return <Notice tone="error">{message}</Notice>;
}
