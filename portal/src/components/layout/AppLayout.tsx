import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Outlet, useNavigate } from "react-router";

import { useMe } from "../../queries/auth/useMe";
import { useLogout } from "../../queries/auth/useLogout";
import { Button } from "../ui/Button";
import { LanguageSwitch } from "./LanguageSwitch";
import { Navigation } from "./Navigation";

/** The shell of every signed-in page: navigation, language, the admin, logout. */
export function AppLayout() {
  const { t } = useTranslation();
  const [menuOpen, setMenuOpen] = useState(false);
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();

  function signOut() {
    logout.mutate(undefined, { onSettled: () => void navigate("/login", { replace: true }) });
  }

  const brand = (
    <div className="flex items-center gap-2 text-lg font-semibold text-white">
      <img src="/favicon.svg" alt="" className="h-6 w-6" />
      homehost
    </div>
  );

  return (
    <div className="min-h-dvh md:flex">
      <aside className="hidden w-60 shrink-0 flex-col gap-6 bg-slate-900 p-4 md:flex">
        {brand}
        <Navigation />
      </aside>

      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between gap-2 border-b border-slate-200 bg-white px-4 py-2">
          <button
            type="button"
            className="rounded-md p-2 text-slate-700 hover:bg-slate-100 md:hidden"
            aria-label={t("nav.open")}
            aria-expanded={menuOpen}
            onClick={() => setMenuOpen(true)}
            data-testid="menu-button"
          >
            <svg viewBox="0 0 20 20" className="h-5 w-5" aria-hidden="true">
              <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" strokeWidth="2" />
            </svg>
          </button>
          <div className="flex flex-1 items-center justify-end gap-3">
            <LanguageSwitch />
            {me.data && (
              <span className="hidden text-sm text-slate-600 sm:inline" data-testid="signed-in-as">
                {t("layout.signedInAs", { name: me.data.admin.username })}
              </span>
            )}
            <Button tone="secondary" onClick={signOut} disabled={logout.isPending}>
              {t("layout.logout")}
            </Button>
          </div>
        </header>

        {menuOpen && (
          <div className="fixed inset-0 z-40 md:hidden" role="dialog" aria-modal="true">
            <div className="absolute inset-0 bg-slate-900/60" onClick={() => setMenuOpen(false)} />
            <div className="absolute inset-y-0 left-0 flex w-64 flex-col gap-6 overflow-y-auto bg-slate-900 p-4">
              <div className="flex items-center justify-between">
                {brand}
                <button
                  type="button"
                  className="rounded-md p-1 text-slate-300 hover:text-white"
                  aria-label={t("nav.close")}
                  onClick={() => setMenuOpen(false)}
                >
                  ✕
                </button>
              </div>
              <Navigation onNavigate={() => setMenuOpen(false)} />
            </div>
          </div>
        )}

        <main className="mx-auto w-full max-w-6xl flex-1 p-4 sm:p-6">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
