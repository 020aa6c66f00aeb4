/** A deployment host's earlier failures, under its Attempts count. */
import type { HostState } from '../../daemon/deploy/deployment.js';
import { attemptLabel } from '../../daemon/deploy/deployment.js';
import { Reason } from './reason.js';

/**
 * Earlier failures (retries, breaks, a run before "Retry host"). The last one is the host's
 * reason, under Outcome: said once. More than one fold away, so a retried host stays one row.
 */
export const FailureHistory = (props: { h: HostState }) => {
  const { h } = props;
  const rows = h.failures
    .filter((f) => f.reason !== h.reason)
    .map((f) => (
      <div class="hint why">
        {`${attemptLabel(h, f)}: ${f.kind}: `}
        <Reason message={f.reason} />
      </div>
    ));
  if (rows.length < 2) return <>{rows}</>;
  return (
    <details class="hint">
      <summary>{`${rows.length} earlier failures`}</summary>
      {rows}
    </details>
  );
};
