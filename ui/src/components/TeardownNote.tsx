import { useMutation } from "@tanstack/react-query";
import { ErrorNote } from "./Empty";

/** What a service's or an environment's `teardown` says (chalicelib/deploys/teardown.py, env_teardown.py). */
export interface TeardownProgress { state: string; error?: string | null; waiting_for?: string[] }

/** Something being deleted: its progress, or why removing it from AWS failed, with Retry delete
 * (the DELETE sent again, which resumes where the teardown stopped). */
export function TeardownNote({ teardown: t, failed, fix, removing, retry, onRetried, canRetry, cannotRetry, small }: {
  teardown?: TeardownProgress | null;
  failed: string;          // the failure's headline
  fix?: string;            // what to do before retrying
  removing: string;        // the progress note while nothing went wrong
  retry: () => Promise<unknown>;
  onRetried: (answer: unknown) => void;
  canRetry: boolean;
  cannotRetry: string;     // who may retry, for those who may not
  small?: boolean;
}) {
  const again = useMutation({ mutationFn: retry, onSuccess: onRetried });
  if (t?.state === "failed") {
    return (
      <div className="outcome outcome-bad" role="alert">
        <strong>{failed}</strong>
        {t.error && <p className="reason">{t.error}</p>}
        {fix && <p>{fix}</p>}
        {canRetry
          ? <p><button className="danger" onClick={() => again.mutate()} disabled={again.isPending}>{again.isPending ? "Retrying…" : "Retry delete"}</button></p>
          : <p className="muted small">{cannotRetry}</p>}
        <ErrorNote error={again.error} />
      </div>
    );
  }
  return (
    <p className={small ? "notice small" : "notice"} role="status">
      {t?.state === "waiting" && t.waiting_for?.length
        ? <>Deleting: waiting for {t.waiting_for.join(", ")}{t.error ? <>. {t.error}</> : null}</>
        : t?.state === "retrying" ? <>Deleting: AWS answered “{t.error}”; trying again by itself.</>
          : removing}
    </p>
  );
}
