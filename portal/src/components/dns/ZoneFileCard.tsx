import { useState } from "react";
import { useTranslation } from "react-i18next";

import { exportFileName } from "../../lib/dns";
import { useExportZone } from "../../queries/dns/useExportZone";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { ErrorNotice } from "../ui/ErrorNotice";

type Format = "yaml" | "bind";

/** Import a zone file (pasted YAML or BIND, previewed first) and export one. */
export function ZoneFileCard({
  zone,
  busy,
  serverError,
  onPreviewImport,
}: {
  zone: string;
  busy: boolean;
  serverError: string | undefined;
  onPreviewImport: (format: Format, text: string) => void;
}) {
  const { t } = useTranslation();
  const [format, setFormat] = useState<Format>("yaml");
  const [text, setText] = useState("");
  const exporter = useExportZone();

  function download(exportFormat: Format) {
    exporter.mutate(
      { zone, format: exportFormat },
      {
        onSuccess: (body) => {
          const url = URL.createObjectURL(new Blob([body], { type: "text/plain" }));
          const link = document.createElement("a");
          link.href = url;
          link.download = exportFileName(zone, exportFormat);
          link.click();
          URL.revokeObjectURL(url);
        },
      },
    );
  }

  return (
    <Card
      title={t("dnsPage.zoneFile")}
      description={t("dnsPage.zoneFileDescription")}
      testId="zone-file"
    >
      <div className="space-y-3">
        <div className="flex flex-wrap gap-2">
          <Button tone="secondary" disabled={exporter.isPending} onClick={() => download("yaml")}>
            {t("dnsPage.exportYaml")}
          </Button>
          <Button tone="secondary" disabled={exporter.isPending} onClick={() => download("bind")}>
            {t("dnsPage.exportBind")}
          </Button>
        </div>
        {exporter.error && <ErrorNotice error={exporter.error} />}
        <div className="border-t border-slate-100 pt-3">
          <label className="block text-sm font-medium text-slate-800">
            {t("dnsPage.importFormat")}
            <select
              value={format}
              aria-label={t("dnsPage.importFormat")}
              onChange={(event) => setFormat(event.target.value as Format)}
              className="mt-1 block rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300"
            >
              <option value="yaml">YAML</option>
              <option value="bind">BIND</option>
            </select>
          </label>
          <label className="mt-2 block text-sm font-medium text-slate-800">
            {t("dnsPage.importText")}
            <textarea
              rows={6}
              value={text}
              onChange={(event) => setText(event.target.value)}
              className="mt-1 block w-full rounded-md border-0 px-3 py-2 font-mono text-xs ring-1 ring-inset ring-slate-300"
            />
          </label>
          {serverError && (
            <p className="mt-1 text-xs text-rose-700" data-testid="field-error">
              {serverError}
            </p>
          )}
          <Button
            className="mt-2"
            disabled={busy || text.trim() === ""}
            onClick={() => onPreviewImport(format, text)}
          >
            {t("dnsPage.previewImport")}
          </Button>
        </div>
      </div>
    </Card>
  );
}
