/** Settings → On the LAN: how site machines find this appliance, and why it is not announced. */
import type { PresenceStatus } from '../../daemon/presence/presence-service.js';
import { Reason } from './reason.js';

const Dns = () => (
  <p class="hint">
    Debian hosts with <code>auto-apt-proxy</code> do not use mDNS: give the site's DNS an{' '}
    <code>apt-proxy</code> name for this appliance (proxy on port 3142) or an SRV record{' '}
    <code>_apt_proxy._tcp.&lt;domain&gt;</code> (see the README).
  </p>
);

export const PresenceCard = (props: { status: PresenceStatus | undefined }) => {
  const s = props.status;
  let body: unknown;
  if (!s) body = <p>mDNS announcements are not available in this build.</p>;
  else if (!s.advertise) body = <p>mDNS announcements are off (mdns.advertise is false).</p>;
  else if (!s.links.length && !s.failed.length)
    body = (
      <p>
        Not announced: no <a href="/settings/scopes">scope</a> covers a subnet of this appliance. It announces
        itself only on networks it manages.
      </p>
    );
  else
    body = (
      <ul>
        {s.links.map((l) => (
          <li>
            <code>{l.hostname}</code> on {l.interface} ({l.address}): {l.services.join(', ')}{' '}
            {l.state === 'announced' ? '' : `(${l.state})`}
          </li>
        ))}
        {s.failed.map((f) => (
          <li>
            {f.interface} ({f.address}): cannot announce: <Reason message={f.error} />
          </li>
        ))}
      </ul>
    );
  return (
    <section class="card" id="presence">
      <h2>On the LAN</h2>
      {body}
      <Dns />
    </section>
  );
};
