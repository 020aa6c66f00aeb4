/** A job as a link to its Activity page (state, timing, log). */
import type { Child } from 'hono/jsx';

export const jobHref = (id: string): string => `/activity/${encodeURIComponent(id)}`;

/** Shows the job id unless given words ("log"); the id is then on hover, not in the sentence. */
export const JobLink = (props: { id: string; children?: Child }) => (
  <a href={jobHref(props.id)} title={props.children ? `job ${props.id}` : undefined}>
    {props.children ?? <code>{props.id}</code>}
  </a>
);
