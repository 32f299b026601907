import { useTranslation } from "react-i18next";

import { Card } from "../components/ui/Card";
import { PageHeader } from "../components/ui/PageHeader";

/** The page of an area whose tools are not built yet: it says so plainly. */
export function NotBuiltPage({ area }: { area: string }) {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t(`nav.${area}`)} description={t(`areas.${area}`)} />
      <Card>
        <p className="text-sm text-slate-700" data-testid="not-built">
          {t("notBuilt.body", { area: t(`nav.${area}`) })}
        </p>
      </Card>
    </>
  );
}
