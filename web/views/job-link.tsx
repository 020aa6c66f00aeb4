/** A job id as a link to its Activity page (state, timing, log). */
export const jobHref = (id: string): string => `/activity/${encodeURIComponent(id)}`;

export const JobLink = (props: { id: string }) => (
  <a href={jobHref(props.id)}>
    <code>{props.id}</code>
  </a>
);
