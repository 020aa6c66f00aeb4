/** The one address of a machine in the UI: every page that names a host links here. */
export const hostHref = (hostId: string, query = ''): string =>
  `/hosts/${encodeURIComponent(hostId)}${query}`;

export const HostLink = (props: { id: string; label: string }) => (
  <a href={hostHref(props.id)}>{props.label}</a>
);
