import { useTranslation } from "react-i18next";

import type { EdgeSecurity } from "../../api/types";
import { certificateTone } from "../../lib/security";
import { Card } from "../ui/Card";
import { Notice } from "../ui/Notice";

const TONES = {
  ok: "bg-emerald-100 text-emerald-800",
  pending: "bg-amber-100 text-amber-800",
  problem: "bg-rose-100 text-rose-800",
};

/** Each hostname's certificate status, or why it cannot be read. */
export function CertificatesCard({ edge }: { edge: EdgeSecurity }) {
  const { t } = useTranslation();
  return (
    <Card title={t("securityPage.certificates")} testId="certificates">
      {!edge.certificates_readable ? (
        <Notice testId="missing-permission">
          {t("securityPage.unreadable", { permission: edge.certificates_missing_permission ?? "" })}
        </Notice>
      ) : edge.certificates.length === 0 ? (
        <p className="text-sm text-slate-600">{t("securityPage.noCertificates")}</p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {edge.certificates.map((certificate) => (
            <li
              key={certificate.hostname}
              className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm"
              data-testid="certificate"
            >
              <span className="break-all text-slate-900">{certificate.hostname}</span>
              <span className="flex flex-wrap items-center gap-2">
                {certificate.certificate_authority && (
                  <span className="text-xs text-slate-500">
                    {certificate.certificate_authority}
                  </span>
                )}
                <span
                  className={`rounded-full px-2 py-0.5 text-xs font-medium ${TONES[certificateTone(certificate.status)]}`}
                >
                  {certificate.status}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
