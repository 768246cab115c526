// Container registries as Docker names them (chalicelib/registries/references.py): which registry
// an image is pulled from, and the checks of a registry's credentials before they are sent.

export const DOCKER_HUB = "docker.io";
/** What people write for Docker Hub: credentials for any of them are Docker Hub's. */
export const HUB_ALIASES = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::[0-9]{1,5})?$`);

/** A host as the API keeps it: trimmed, lower case, without a trailing /, Docker Hub's aliases as docker.io. */
export function normalHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\/+$/, "");
  return HUB_ALIASES.includes(h) ? DOCKER_HUB : h;
}

/** The registry an image is pulled from, read as Docker reads it: the first path component is a
 * registry host when it has a '.' or a ':' or is `localhost` (`ghcr.io/acme/api:1.4`,
 * `127.0.0.1:5000/api`), otherwise the image is on Docker Hub (`nginx:1.27`, `bitnami/redis`).
 * null: no image. */
export function registryHost(image: string | null | undefined): string | null {
  const name = (image ?? "").trim().split("@")[0] ?? "";
  if (!name) return null;
  const slash = name.indexOf("/");
  if (slash > 0) {
    const first = name.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") return normalHost(first);
  }
  return DOCKER_HUB;
}

export interface CredentialsForm { host: string; username: string; password: string }

/** What the API would refuse in the form, by field (nothing: it may be sent). Amazon ECR's hosts
 * are left to the API, which says why they need no credentials. */
export function credentialProblems(f: CredentialsForm): Partial<Record<keyof CredentialsForm, string>> {
  const out: Partial<Record<keyof CredentialsForm, string>> = {};
  const host = normalHost(f.host);
  if (!host) out.host = "Enter the registry's host name, e.g. ghcr.io.";
  else if (/^[a-z][a-z0-9+.-]*:\/\//.test(host)) out.host = "Just the host name, without https:// (e.g. ghcr.io).";
  else if (host.includes("/")) out.host = "Just the registry's host name, without a repository path (e.g. ghcr.io, not ghcr.io/acme).";
  else if (!HOST.test(host)) out.host = "A registry host name, with its port if not 443: ghcr.io, registry.gitlab.com, docker.io, 127.0.0.1:5000.";
  if (!f.username) out.username = "Enter the user name.";
  else if (/[\s:]/.test(f.username)) out.username = "A user name has no spaces or ':'.";
  else if (f.username.length > 255) out.username = "At most 255 characters.";
  if (!f.password) out.password = "Enter the password or access token.";
  else if (f.password !== f.password.trim()) out.password = "The password starts or ends with a space: remove it.";
  else if (f.password.length > 4096) out.password = "At most 4096 characters.";
  return out;
}

/** The last check in words: "signed in", or "not checked" with the API's reason (the sandbox
 * reaches no registry but one on this machine; a registry that did not answer). */
export function checkWords(check: { ok: boolean | null; message?: string | null } | null | undefined): { ok: boolean; label: string; why: string | null } {
  if (check?.ok === true) return { ok: true, label: "signed in", why: null };
  const why = (check?.message ?? "").replace(/^not checked:\s*/, "").trim();
  return { ok: false, label: "not checked", why: why || null };
}
