import { useEffect, useRef, useState } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate, useParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { api, onSessionEnded, session } from "../api/client";
import { useHealth, useMe } from "../api/queries";
import { DeliveryBanner } from "./EmailDelivery";
import { LoadingVoice } from "./Empty";
import { JoinedNotice } from "./Joined";
import { NewOrgButton } from "./NewOrg";
import { SearchPalette } from "./SearchPalette";
import { usePageFocus } from "./usePageFocus";
import { VerifyBanner } from "./VerifyBanner";
import type { OrgDeletedState } from "../api/orgs";

/** After an organization was created or deleted (the router's state of the page that follows). */
function OrgNotice() {
  const state = useLocation().state as (OrgDeletedState & { orgCreated?: string }) | null;
  if (state?.orgDeleted) {
    const { name, others_removed: n } = state.orgDeleted;
    return (
      <p className="notice org-notice" role="status">
        The organization {name} was deleted{n ? ` (${n} other member${n === 1 ? "" : "s"} removed; they are told by e-mail)` : ""}.
      </p>
    );
  }
  if (state?.orgCreated) return <p className="notice org-notice" role="status">The organization {state.orgCreated} was created: you are its owner.</p>;
  return null;
}

/** The frame of every signed-in screen: top bar, organization switcher, sandbox banner, the banners
 * of an address mail is held back from and of an unconfirmed address, what an invitation's link
 * joined at log-in, Ctrl-K; "New organization" beside the switcher, and the notice of one created or deleted. */
export function Layout() {
  const { org: orgParam } = useParams();
  const me = useMe();
  const health = useHealth();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [searching, setSearching] = useState(false);
  const orgs = me.data?.organizations ?? [];
  const org = orgParam ?? orgs[0]?.id;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        // not over another dialog (a deploy being confirmed, say): that one keeps the keyboard
        if (!document.querySelector('[role="dialog"][aria-modal="true"]')) setSearching(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // a 401 (the session expired, or ended elsewhere): sign in again, then back to this very page
  const location = useLocation();
  const here = useRef("");
  here.current = location.pathname + location.search;
  useEffect(() => onSessionEnded(() => {
    qc.clear();
    navigate("/login", { replace: true, state: { expired: true, from: here.current } });
  }), [navigate, qc]);

  const logout = async () => {
    // the session ends server-side first; the token is forgotten here even if that call fails
    await api.POST("/v1/auth/logout").catch(() => undefined);
    session.set(null);
    qc.clear();
    navigate("/login", { replace: true, state: { signedOut: true } });
  };

  const main = usePageFocus<HTMLElement>();
  const sandbox = health.data?.mode === "sandbox" || health.data?.sandbox === true;
  return (
    <div className="shell">
      {/* the first stop of Tab: past the top bar's stops, straight to the page */}
      <a className="skip-link" href="#main" onClick={(e) => {
        e.preventDefault();
        const to = main.current?.querySelector<HTMLElement>("h1") ?? main.current;
        if (to) { to.tabIndex = -1; to.focus(); }
      }}>Skip to content</a>
      {sandbox && (
        <div className="sandbox-banner" role="status">
          Sandbox: deploys go to the local AWS simulator (moto), not to a real AWS account.
        </div>
      )}
      <header className="topbar">
        <Link to={org ? `/orgs/${org}` : "/"} className="brand">Launchbay</Link>
        {orgs.length > 0 && (
          <label className="org-switch">
            <span className="sr-only">Organization</span>
            <select value={org ?? ""} onChange={(e) => navigate(`/orgs/${e.target.value}`)} aria-label="Organization">
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>{o.name}</option>
              ))}
            </select>
          </label>
        )}
        <NewOrgButton />
        <nav aria-label="Main" className="mainnav">
          {org && <NavLink to={`/orgs/${org}`} end>Projects</NavLink>}
          {org && <NavLink to={`/orgs/${org}/members`}>Members</NavLink>}
          {org && <NavLink to={`/orgs/${org}/aws-accounts`}>AWS accounts</NavLink>}
          {org && <NavLink to={`/orgs/${org}/registries`}>Registries</NavLink>}
          {org && <NavLink to={`/orgs/${org}/env-groups`}>Env groups</NavLink>}
          {org && <NavLink to={`/orgs/${org}/audit`}>Audit log</NavLink>}
          <NavLink to="/tokens">API tokens</NavLink>
        </nav>
        <button type="button" className="search-btn" onClick={() => setSearching(true)} aria-keyshortcuts="Control+K" title="Search (Ctrl K)">
          Search <kbd>Ctrl K</kbd>
        </button>
        <nav aria-label="User" className="usermenu">
          <NavLink to="/account" title="Your account and password">{me.data?.user.email ?? "Account"}</NavLink>
          <button type="button" className="link" onClick={() => void logout()}>Log out</button>
        </nav>
      </header>
      <DeliveryBanner />
      <VerifyBanner />
      <main className="content" id="main" ref={main} tabIndex={-1}>
        <JoinedNotice />
        <OrgNotice />
        <LoadingVoice><Outlet /></LoadingVoice>
      </main>
      {searching && org && <SearchPalette org={org} onClose={() => setSearching(false)} />}
    </div>
  );
}
