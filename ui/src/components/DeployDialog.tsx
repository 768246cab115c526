import { useEffect, useRef } from "react";
import { useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { Deployment, Service } from "../api/models";
import { keys } from "../api/queries";
import { ErrorNote, Loading, LoadingVoice } from "./Empty";
import { useFocusTrap } from "./useFocusTrap";
import { descriptionLines, planChanges, shownPlan, stepWords, summaryWords, type PlannedStep, type ServicePlan, type StepContext } from "./planWords";

export function useDeploy(org: string, svc: string) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () =>
      unwrap<Deployment>(
        api.POST("/v1/orgs/{org}/services/{svc}/deployments", {
          params: { path: { org, svc } },
          headers: { "Idempotency-Key": crypto.randomUUID() },
          body: {},
        }),
      ),
    onSuccess: (dep) => {
      void qc.invalidateQueries({ queryKey: keys.deployments(org, svc) });
      void qc.invalidateQueries({ queryKey: keys.service(org, svc) });
      navigate(`/orgs/${org}/deployments/${dep.id}`);
    },
    onError: (e) => {
      // refused by a freeze set since the page read its environment: read it again (the page says so)
      if (e instanceof ApiError && e.field === "environment") void qc.invalidateQueries({ queryKey: ["envs", org] });
    },
  });
}

/** Deploy, after seeing the plan: what the deploy would create, change or leave alone in AWS,
 * field by field (GET .../plan touches nothing). "Deploy now" waits for the plan; when it cannot
 * be read, the reason is shown and deploying stays possible. */
export function DeployDialog({ org, service, onClose }: { org: string; service: Service; onClose: () => void }) {
  const plan = useQuery({
    queryKey: ["plan", org, service.id],
    staleTime: 0, gcTime: 0,   // always the current state of AWS
    queryFn: () => unwrap<ServicePlan>(api.GET("/v1/orgs/{org}/services/{svc}/plan", { params: { path: { org, svc: service.id } } })),
  });
  const deploy = useDeploy(org, service.id);
  const { ref: box, onKeyDown: trap } = useFocusTrap<HTMLDivElement>();
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {   // focus inside at once (Escape leaves), on the confirm button once usable (Enter deploys)
    (plan.isPending ? box.current : confirm.current)?.focus();
  }, [plan.isPending]);
  const p = plan.data && shownPlan(plan.data);
  const title = `Deploy ${service.name}?`;
  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}
      onKeyDown={(e) => { if (e.key === "Escape") onClose(); else trap(e); }}>
      <div ref={box} tabIndex={-1} className="dialog" role="dialog" aria-modal="true" aria-labelledby="deploy-title">
        <h2 id="deploy-title">{title}</h2>
        <p className="muted">
          {service.source
            ? <>Builds <span className="mono break">{service.source.repo}@{service.source.branch}</span> ({service.source.dockerfile}), then runs the image</>
            : <>Image <span className="mono break">{service.image}</span></>}
          {p?.sandbox ? " · into the sandbox" : ""}
        </p>
        {/* said inside the dialog: aria-modal hides the page's own voice */}
        <LoadingVoice>{plan.isPending && <Loading what="the plan" />}</LoadingVoice>
        {plan.error ? <ErrorNote error={plan.error} /> : null}
        {p && (
          <>
            <p><strong>{summaryWords(p)}</strong></p>
            <ol className="plan-steps" aria-label="What this deploy does">
              {p.steps.map((s) => <PlanStep key={s.step} s={s} ctx={{ canaryPercent: service.canary?.percent }} />)}
            </ol>
          </>
        )}
        <ErrorNote error={deploy.error} />
        <div className="actions">
          <button ref={confirm} className="primary" onClick={() => deploy.mutate()} disabled={deploy.isPending || plan.isPending}>
            {deploy.isPending ? "Starting…" : "Deploy now"}
          </button>
          <button onClick={onClose}>Cancel</button>
        </div>
      </div>
    </div>
  );
}

function PlanStep({ s, ctx }: { s: PlannedStep; ctx: StepContext }) {
  const changes = planChanges(s);
  const described = descriptionLines(s);
  return (
    <li className={`plan-step plan-${s.action}`} data-step={s.step} data-action={s.action}>
      <span className="plan-action">{s.action}</span>
      <span className="plan-what">{stepWords(s, ctx)}</span>
      {described.map((line) => <small key={line} className="plan-description muted">{line}</small>)}
      {changes.length > 0 && (
        <ul className="plan-changes">{changes.map(([k, words]) => <li key={k}>{words}</li>)}</ul>
      )}
    </li>
  );
}
