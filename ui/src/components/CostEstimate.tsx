// A service's or a project's estimated monthly cost (GET …/cost): min–max from scaling, with a
// details popover listing the priced lines, the assumptions and the price table's date.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";

type Money = { monthly_min: number; monthly_max: number; currency: string };
type Line = { item: string; unit: string; unit_price: number; quantity: number; monthly: number; quantity_max: number; monthly_max: number };
type Prices = { date: string; kind: string; sources: string[] };
export type ServiceCost = Money & { region: string; prices_region: string; lines: Line[]; assumptions: string[]; prices: Prices };
// resources: the environment's databases, caches, buckets, volumes and queues, part of its total like its services
type EnvCost = Money & { name: string; region: string; services: (Money & { id: string; name: string; kind: string })[];
  resources?: (Money & { id: string; name: string; kind: string; size?: string | null })[] };
export type ProjectCost = Money & { environments: EnvCost[]; prices: Prices };

type Props = { org: string; version?: string } & ({ service: string; project?: never; environment?: never } | { project: string; environment?: string; service?: never });

const money = (n: number, currency: string) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);

export function range(c: Money): string {
  const lo = money(c.monthly_min, c.currency);
  return c.monthly_min === c.monthly_max ? `${lo} / month` : `${lo}–${money(c.monthly_max, c.currency)} / month`;
}

function useCost(props: Props) {
  const { org, service, project } = props;
  return useQuery({
    queryKey: ["cost", org, service ?? project ?? "", props.version ?? ""],
    queryFn: (): Promise<ServiceCost | ProjectCost> =>
      service
        ? unwrap<ServiceCost>(api.GET("/v1/orgs/{org}/services/{svc}/cost", { params: { path: { org, svc: service } } }))
        : unwrap<ProjectCost>(api.GET("/v1/orgs/{org}/projects/{project}/cost", { params: { path: { org, project: project ?? "" } } })),
    staleTime: 60_000,
  });
}

export function CostEstimate(props: Props) {
  const cost = useCost(props);
  if (!cost.data) return cost.isError ? <small className="muted">cost estimate unavailable</small> : null;
  const data = cost.data;
  let shown: Money = data;
  let body;
  if ("lines" in data) {
    body = (
      <>
        <table className="table" aria-label="Cost lines">
          <thead><tr><th>Item</th><th>Quantity</th><th>Unit price</th><th>Monthly</th></tr></thead>
          <tbody>
            {data.lines.map((l) => (
              <tr key={l.item}>
                <td>{l.item}</td>
                <td>{l.quantity === l.quantity_max ? l.quantity : `${l.quantity}–${l.quantity_max}`} {l.unit}</td>
                <td>{l.unit_price}</td>
                <td>{l.monthly === l.monthly_max ? money(l.monthly, data.currency) : `${money(l.monthly, data.currency)}–${money(l.monthly_max, data.currency)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <ul className="small muted">{data.assumptions.map((a) => <li key={a}>{a}</li>)}</ul>
      </>
    );
  } else {
    const envs = data.environments.filter((e) => !props.environment || e.name === props.environment);
    if (props.environment && envs[0]) shown = envs[0];
    body = (
      <ul aria-label="Cost by environment">
        {envs.map((e) => (
          <li key={e.name}>
            {e.name} ({e.region}): {range(e)}
            <ul>
              {e.services.map((s) => <li key={s.id}>{s.name} ({s.kind}): {range(s)}</li>)}
              {(e.resources ?? []).map((r) => <li key={r.id}>{r.name} ({[r.kind, r.size].filter(Boolean).join(" ")}): {range(r)}</li>)}
            </ul>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <details className="cost-estimate">
      <summary>Estimated cost: <strong>{range(shown)}</strong></summary>
      {body}
      <p className="small muted">
        {data.prices.kind}, prices of {data.prices.date} ({data.prices.sources.join(", ")}).
      </p>
    </details>
  );
}
