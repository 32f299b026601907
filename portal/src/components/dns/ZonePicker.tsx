import { useTranslation } from "react-i18next";

import type { DnsZone } from "../../api/types";

/** Picks one of the zones the Cloudflare token can see. */
export function ZonePicker({
  zones,
  zone,
  onChange,
}: {
  zones: DnsZone[];
  zone: string;
  onChange: (zone: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <label className="block text-sm font-medium text-slate-800">
      {t("dnsPage.zone")}
      <select
        value={zone}
        aria-label={t("dnsPage.zone")}
        onChange={(event) => onChange(event.target.value)}
        className="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300 sm:w-80"
        data-testid="zone-picker"
      >
        {zones.map((item) => (
          <option key={item.id} value={item.name}>
            {item.name}
          </option>
        ))}
      </select>
    </label>
  );
}
