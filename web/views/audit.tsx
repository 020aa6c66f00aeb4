/** The audit log as a table: when, who, from where, what, and how it ended. */
import type { AuditRecord } from '../../daemon/auth/audit-log.js';
import { Empty } from './layout.js';
import { When } from './when.js';

const OUTCOME_CLASS = { done: 'ok', refused: 'warn', failed: 'warn' } as const;

export const AuditTable = (props: { rows: AuditRecord[] }) =>
  props.rows.length === 0 ? (
    <Empty>No changes recorded yet.</Empty>
  ) : (
    <section class="card">
      <table class="stack">
        <thead>
          <tr>
            <th>When (UTC)</th>
            <th>Who</th>
            <th>From</th>
            <th>What</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              <td>
                <When at={r.at} />
              </td>
              <td data-label="Who">
                {r.user}
                {r.role ? <span class="muted"> ({r.role})</span> : null}
              </td>
              <td data-label="From">{r.from}</td>
              <td data-label="What">
                {r.action}
                <br />
                <code class="muted">{r.request}</code>
              </td>
              <td class={OUTCOME_CLASS[r.outcome]}>
                {r.outcome} ({r.status})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
