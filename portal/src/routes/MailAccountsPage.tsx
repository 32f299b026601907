import { useState } from "react";
import { useTranslation } from "react-i18next";

import { AliasesCard } from "../components/mail/AliasesCard";
import { ClientSetupCard } from "../components/mail/ClientSetupCard";
import { DomainDnsCard } from "../components/mail/DomainDnsCard";
import { DomainsCard } from "../components/mail/DomainsCard";
import { MailboxesCard } from "../components/mail/MailboxesCard";
import { CanWriteMail } from "../components/mail/canWriteMail";
import { ErrorNotice } from "../components/ui/ErrorNotice";
import { Notice } from "../components/ui/Notice";
import { PageHeader } from "../components/ui/PageHeader";
import { Loading } from "../components/ui/Spinner";
import { useMe } from "../queries/auth/useMe";
import { useMailDomains } from "../queries/mail/useMailDomains";

/** `/mail-accounts`: domains, mailboxes, aliases, DNS records and client setup. */
export function MailAccountsPage() {
  const { t } = useTranslation();
  const domains = useMailDomains();
  const me = useMe();
  // Until `me` answers nothing is offered, so no control flashes and goes.
  const canWrite = me.data?.scopes.includes("write:mail") ?? false;
  const [picked, setPicked] = useState<string | null>(null);
  const [setupFor, setSetupFor] = useState<string | null>(null);
  const names = domains.data?.domains.map((domain) => domain.name) ?? [];
  const selected = picked !== null && names.includes(picked) ? picked : (names[0] ?? null);

  return (
    <CanWriteMail.Provider value={canWrite}>
      <PageHeader title={t("nav.mailAccounts")} description={t("areas.mailAccounts")} />
      {me.data !== undefined && !canWrite && (
        <div className="mb-6">
          <Notice testId="mail-accounts-read-only">{t("mailPage.readOnlyAccounts")}</Notice>
        </div>
      )}
      {domains.isPending ? (
        <Loading />
      ) : domains.isError ? (
        <ErrorNotice error={domains.error} />
      ) : (
        <div className="grid gap-6 lg:grid-cols-3">
          <div className="min-w-0 space-y-6">
            <DomainsCard
              domains={domains.data.domains}
              selected={selected}
              onSelect={(name) => {
                setPicked(name);
                setSetupFor(null);
              }}
            />
            <ClientSetupCard address={setupFor} />
          </div>
          {selected !== null && (
            <div className="min-w-0 space-y-6 lg:col-span-2">
              <MailboxesCard key={`m-${selected}`} domain={selected} onSetup={setSetupFor} />
              <AliasesCard key={`a-${selected}`} domain={selected} />
              <DomainDnsCard key={`d-${selected}`} domain={selected} />
            </div>
          )}
        </div>
      )}
    </CanWriteMail.Provider>
  );
}
