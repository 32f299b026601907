import { useState } from "react";
import { useTranslation } from "react-i18next";

import { Button } from "./Button";

/** Copies `text` to the clipboard and says so for a moment. */
export function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
    setTimeout(() => setCopied("no"), 2_000);
  }

  return (
    <Button tone="secondary" onClick={() => void copy()}>
      {copied === "yes"
        ? t("common.copied")
        : copied === "failed"
          ? t("common.copyFailed")
          : t("common.copy")}
    </Button>
  );
}
