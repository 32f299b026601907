import { useState } from "react";
import { useTranslation } from "react-i18next";

import type { DnsPlan, DnsRecord, RecordSpec } from "../api/types";
import { PlanPreview } from "../components/dns/PlanPreview";
import { RecordEditor } from "../components/dns/RecordEditor";
import { RecordsTable } from "../components/dns/RecordsTable";
import { ZoneFileCard } from "../components/dns/ZoneFileCard";
import { ZonePicker } from "../components/dns/ZonePicker";
import { Button } from "../components/ui/Button";
import { Card } from "../components/ui/Card";
import { ErrorNotice } from "../components/ui/ErrorNotice";
import { Notice } from "../components/ui/Notice";
import { PageHeader } from "../components/ui/PageHeader";
import { Loading } from "../components/ui/Spinner";
import { apiFieldErrors } from "../lib/apiFields";
import { desiredForChange, recordFieldErrors } from "../lib/dns";
import { useApply } from "../queries/dns/useApply";
import { useDeleteRecord } from "../queries/dns/useDeleteRecord";
import { useImportZone } from "../queries/dns/useImportZone";
import { usePlan } from "../queries/dns/usePlan";
import { useRecords } from "../queries/dns/useRecords";
import { useZones } from "../queries/dns/useZones";

/** What the preview shows: a record change or an imported zone file. */
type Pending =
  | { kind: "records"; records: RecordSpec[]; plan: DnsPlan }
  | { kind: "import"; format: "yaml" | "bind"; text: string; plan: DnsPlan };

/** `/dns`: a zone's records, edited through a previewed plan; zone files. */
export function DnsPage() {
  const { t } = useTranslation();
  const zones = useZones();
  const [picked, setPicked] = useState<string | null>(null);
  const names = zones.data?.zones.map((zone) => zone.name) ?? [];
  const zone = picked !== null && names.includes(picked) ? picked : (names[0] ?? null);
  return (
    <>
      <PageHeader title={t("nav.dns")} description={t("areas.dns")} />
      {zones.isPending ? (
        <Loading />
      ) : zones.isError ? (
        <ErrorNotice error={zones.error} />
      ) : zone === null ? (
        <Notice>{t("dnsPage.noZones")}</Notice>
      ) : (
        <div className="space-y-6">
          <ZonePicker zones={zones.data.zones} zone={zone} onChange={setPicked} />
          <ZoneEditor key={zone} zone={zone} />
        </div>
      )}
    </>
  );
}

function ZoneEditor({ zone }: { zone: string }) {
  const { t } = useTranslation();
  const records = useRecords(zone);
  const plan = usePlan();
  const apply = useApply();
  const importer = useImportZone();
  const remove = useDeleteRecord();
  const [editing, setEditing] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [applied, setApplied] = useState(false);

  const planErrors = recordFieldErrors(apiFieldErrors(plan.error));
  const importErrors = apiFieldErrors(importer.error);
  const busy = plan.isPending || apply.isPending || importer.isPending || remove.isPending;
  const error = [plan.error, apply.error, importer.error, remove.error].find(
    (candidate) => candidate !== null,
  );

  function preview(spec: RecordSpec, replacing: string | null) {
    const desired = desiredForChange(records.data?.records ?? [], spec, zone, replacing);
    setApplied(false);
    apply.reset();
    plan.mutate(
      { zone, records: desired },
      { onSuccess: (result) => setPending({ kind: "records", records: desired, plan: result }) },
    );
  }

  function previewImport(format: "yaml" | "bind", text: string) {
    setApplied(false);
    apply.reset();
    importer.mutate(
      { zone, format, text, apply: false, scope: "names", delete_unowned: false, force: false },
      { onSuccess: (result) => setPending({ kind: "import", format, text, plan: result.plan }) },
    );
  }

  function applyPending(force: boolean) {
    if (pending === null) return;
    const done = {
      onSuccess: () => {
        setPending(null);
        setEditing(null);
        setApplied(true);
      },
    };
    if (pending.kind === "records") {
      apply.mutate(
        {
          zone,
          records: pending.records,
          scope: "names",
          delete_unowned: false,
          force,
          fingerprint: pending.plan.fingerprint,
        },
        done,
      );
    } else {
      importer.mutate(
        {
          zone,
          format: pending.format,
          text: pending.text,
          apply: true,
          scope: "names",
          delete_unowned: false,
          force,
          fingerprint: pending.plan.fingerprint,
        },
        done,
      );
    }
  }

  function deleteRecord(record: DnsRecord) {
    setApplied(false);
    remove.mutate({ zone, id: record.id, force: !record.owned });
  }

  return (
    <div className="space-y-6">
      {error && Object.keys(planErrors).length === 0 && Object.keys(importErrors).length === 0 && (
        <ErrorNotice error={error} />
      )}
      {applied && (
        <Notice tone="success" testId="applied">
          {t("dnsPage.applied")}
        </Notice>
      )}
      {pending && (
        <PlanPreview
          key={pending.plan.fingerprint}
          plan={pending.plan}
          busy={busy}
          onApply={applyPending}
          onDiscard={() => setPending(null)}
        />
      )}
      <Card
        title={t("dnsPage.records", { zone })}
        actions={
          <Button
            onClick={() => setEditing(editing === "new" ? null : "new")}
            data-testid="add-record"
          >
            {t("dnsPage.addRecord")}
          </Button>
        }
      >
        <div className="space-y-3">
          {editing === "new" && (
            <RecordEditor
              initial={null}
              serverErrors={planErrors}
              busy={busy}
              onPreview={(spec) => preview(spec, null)}
              onCancel={() => setEditing(null)}
            />
          )}
          {records.isPending ? (
            <Loading />
          ) : records.isError ? (
            <ErrorNotice error={records.error} />
          ) : records.data.records.length === 0 ? (
            <p className="text-sm text-slate-600">{t("dnsPage.noRecords")}</p>
          ) : (
            <RecordsTable
              records={records.data.records}
              editing={editing}
              serverErrors={planErrors}
              busy={busy}
              onEdit={setEditing}
              onPreview={preview}
              onDelete={deleteRecord}
            />
          )}
        </div>
      </Card>
      <ZoneFileCard
        zone={zone}
        busy={busy}
        serverError={importErrors.text ?? Object.values(importErrors)[0]}
        onPreviewImport={previewImport}
      />
    </div>
  );
}
