import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ZonePicker } from "../components/dns/ZonePicker";
import { EdgeSettingsCard } from "../components/security/EdgeSettingsCard";
import { CertificatesCard } from "../components/security/CertificatesCard";
import { ErrorNotice } from "../components/ui/ErrorNotice";
import { Notice } from "../components/ui/Notice";
import { PageHeader } from "../components/ui/PageHeader";
import { Loading } from "../components/ui/Spinner";
import { useEdgeSecurity } from "../queries/dns/useEdgeSecurity";
import { useZones } from "../queries/dns/useZones";

/** `/security`: a zone's edge settings and its certificates. */
export function SecurityPage() {
  const { t } = useTranslation();
  const zones = useZones();
  const [picked, setPicked] = useState<string | null>(null);
  const names = zones.data?.zones.map((zone) => zone.name) ?? [];
  const zone = picked !== null && names.includes(picked) ? picked : (names[0] ?? null);
  return (
    <>
      <PageHeader title={t("nav.security")} description={t("areas.security")} />
      {zones.isPending ? (
        <Loading />
      ) : zones.isError ? (
        <ErrorNotice error={zones.error} />
      ) : zone === null ? (
        <Notice>{t("dnsPage.noZones")}</Notice>
      ) : (
        <div className="space-y-6">
          <ZonePicker zones={zones.data.zones} zone={zone} onChange={setPicked} />
          <ZoneSecurity key={zone} zone={zone} />
        </div>
      )}
    </>
  );
}

function ZoneSecurity({ zone }: { zone: string }) {
  const edge = useEdgeSecurity(zone);
  if (edge.isPending) return <Loading />;
  if (edge.isError) return <ErrorNotice error={edge.error} />;
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <EdgeSettingsCard zone={zone} settings={edge.data.settings} />
      <CertificatesCard edge={edge.data} />
    </div>
  );
}
