/** A job as a link to its Activity page (state, timing, log). */

export const jobHref = (id: string): string => `/activity/${encodeURIComponent(id)}`;

/** Shows the job id unless given words ("log"); the id is then on hover, not in the sentence. */
export const JobLink = (props: { id: string; label?: string }) => (
  <a href={jobHref(props.id)} title={props.label === undefined ? undefined : `job ${props.id}`}>
    {props.label ?? <code>{props.id}</code>}
  </a>
);
