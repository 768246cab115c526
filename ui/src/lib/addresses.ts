// Client addresses a web service answers through its load balancer (its own `allowed_ips`, or its
// environment's when it has none): what the service form and the environment's "Who can reach it"
// dialog share. The API judges each address's syntax and writes a single one as a /32 or /128.
import type { ApiError } from "../api/client";

/** A load balancer rule matches at most 5 values and the host takes one (chalicelib/catalog/models.py MAX_ALLOWED_IPS). */
export const MAX_ALLOWED_IPS = 4;

/** Under the Addresses field. */
export const ADDRESSES_HINT =
  `One per line, IPv4 or IPv6, a single address or a CIDR block (e.g. 203.0.113.0/24 or 2001:db8::/32); at most ${MAX_ALLOWED_IPS}.`;

/** The addresses typed, one per line or comma-separated, each once; their syntax is the API's to judge. */
export function addressList(text: string): string[] {
  return [...new Set(text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean))];
}

/** What a ticked "Only these addresses" with this many addresses is told before anything is sent
 * (too many, or none: that would let everyone in); null when the count is fine. */
export function addressCountError(count: number): string | null {
  if (count > MAX_ALLOWED_IPS) return `at most ${MAX_ALLOWED_IPS} addresses: the load balancer matches at most 5 values per rule, one is the host`;
  if (count === 0) return "give at least one address, or untick Only these addresses to let everyone in";
  return null;
}

/** The API's refusal of the addresses: field allowed_ips (its message names the entry:
 * "allowed_ips[1]: …"), or allowed_ips.N. */
export const addressesApiError = (err: ApiError | null | undefined): string | undefined =>
  Object.entries(err?.fields ?? {}).find(([k]) => k.startsWith("allowed_ips"))?.[1];

/** "203.0.113.0/24, 192.0.2.1/32"; null for none (everyone). */
export const addressWords = (ips: readonly string[] | null | undefined): string | null => (ips?.length ? ips.join(", ") : null);
