import { useTranslation } from "react-i18next";
import { NavLink } from "react-router";

import { NAVIGATION } from "../../lib/navigation";

/** The list of every area, the current one marked. */
export function Navigation({ onNavigate }: { onNavigate?: () => void }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t("nav.label")}>
      <ul className="space-y-1">
        {NAVIGATION.map((item) => (
          <li key={item.path}>
            <NavLink
              to={item.path}
              end={item.path === "/"}
              onClick={onNavigate}
              className={({ isActive }) =>
                `flex items-center justify-between rounded-md px-3 py-2 text-sm font-medium ${
                  isActive
                    ? "bg-teal-700 text-white"
                    : "text-slate-300 hover:bg-slate-800 hover:text-white"
                }`
              }
            >
              <span>{t(`nav.${item.key}`)}</span>
              {!item.built && (
                <span className="rounded bg-slate-700 px-1.5 py-0.5 text-[10px] font-normal text-slate-300">
                  {t("nav.soon")}
                </span>
              )}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
