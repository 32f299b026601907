import { useTranslation } from "react-i18next";

import { type SetupLabels, clientSetupText } from "../../lib/mail";
import { useClientSetup } from "../../queries/mail/useClientSetup";
import { Card } from "../ui/Card";
import { CopyButton } from "../ui/CopyButton";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Loading } from "../ui/Spinner";

/** Servers, ports and security for a mail client, as a card a person can copy. */
export function ClientSetupCard({ address }: { address: string | null }) {
  const { t } = useTranslation();
  const setup = useClientSetup(address);
  const labels: SetupLabels = {
    email: t("mailPage.setup.email"),
    username: t("mailPage.setup.username"),
    incoming: t("mailPage.setup.incoming"),
    outgoing: t("mailPage.setup.outgoing"),
    security: {
      none: t("mailPage.setup.security.none"),
      starttls: t("mailPage.setup.security.starttls"),
      ssl: t("mailPage.setup.security.ssl"),
    },
  };
  const text = setup.data ? clientSetupText(setup.data, labels) : "";
  return (
    <Card
      title={t("mailPage.setup.title")}
      description={t("mailPage.setup.description")}
      actions={setup.data && <CopyButton text={text} />}
      testId="client-setup"
    >
      {setup.isPending ? (
        <Loading />
      ) : setup.isError ? (
        <ErrorNotice error={setup.error} />
      ) : (
        <pre className="overflow-x-auto rounded-md bg-slate-50 p-3 text-xs whitespace-pre-wrap text-slate-800 ring-1 ring-slate-200">
          {text}
        </pre>
      )}
    </Card>
  );
}
