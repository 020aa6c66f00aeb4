/**
 * The long lists of the host page, one page at a time: installed packages and missing fixes,
 * each with page links that keep the other list where it was; and the host's deployments.
 */
import { releaseLabel } from '../../daemon/catalog/release-key.js';
import type { DeploymentSummary, HostRow } from '../../daemon/deploy/deployment-summary.js';
import type { HostPaging, HostView } from '../../daemon/hosts/host-view.js';
import { deploymentHref, OutcomeWord, StateWord, UNAVAILABLE } from './deployments.js';
import { hostHref } from './host-link.js';
import { Notice } from './layout.js';
import { Pager } from './pager.js';
import { advisoryHref, Sev } from './patches.js';
import { When } from './when.js';

const pageHref = (id: string, paging: HostPaging, anchor: string) =>
  hostHref(id, `?packages=${paging.packages}&fixes=${paging.fixes}#${anchor}`);

export const PackagesSection = (props: { view: HostView }) => {
  const { view } = props;
  const inv = view.inventory;
  const id = view.host.id;
  return (
    <section class="card" id="packages">
      <h2>{inv ? `Installed packages (${inv.packages.total})` : 'Installed packages'}</h2>
      {!inv ? (
        <p class="hint">Not inventoried yet: the list appears after the first collection over SSH.</p>
      ) : (
        <>
          <p class="hint">
            {`${inv.hostname ? `calls itself ${inv.hostname} · ` : ''}${inv.os.prettyName || inv.os.id} · kernel ${inv.kernel || 'unknown'} · ${inv.ecosystem} · collected `}
            <When at={inv.collectedAt} />
            {inv.rebootRequired ? ' · reboot pending' : ''}
          </p>
          <table class="stack">
            <thead>
              <tr>
                <th>Package</th>
                <th>Version</th>
                <th>Architecture</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {inv.packages.items.map((p) => (
                <tr>
                  <td>{p.name}</td>
                  <td data-label="Version">
                    <code>{p.version}</code>
                  </td>
                  <td data-label="Architecture">{p.arch ?? ''}</td>
                  {p.source ? <td data-label="Source">{`${p.source} ${p.sourceVersion ?? ''}`}</td> : <td />}
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            page={inv.packages}
            label="Package pages"
            href={(n) => pageHref(id, { packages: n, fixes: view.assessment?.missing.page ?? 1 }, 'packages')}
          />
        </>
      )}
    </section>
  );
};

const FixesTable = (props: { view: HostView }) => {
  const a = props.view.assessment!;
  return (
    <>
      <table class="stack">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Package</th>
            <th>Installed</th>
            <th>Fixed in</th>
            <th>Advisory</th>
            <th>Binaries</th>
          </tr>
        </thead>
        <tbody>
          {a.missing.items.map((m) => (
            <tr>
              <td data-label="Severity">
                <Sev s={m.severity} />
              </td>
              <td data-label="Package">{m.package}</td>
              <td data-label="Installed">
                <code>{m.installed}</code>
              </td>
              <td data-label="Fixed in">
                <code>{m.fixed}</code>
              </td>
              <td data-label="Advisory">
                <a href={advisoryHref(m)}>{m.advisoryId}</a>
              </td>
              <td data-label="Binaries">{m.binaries.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager
        page={a.missing}
        label="Missing fix pages"
        href={(n) =>
          pageHref(
            props.view.host.id,
            { packages: props.view.inventory?.packages.page ?? 1, fixes: n },
            'fixes',
          )
        }
      />
    </>
  );
};

export const FixesSection = (props: { view: HostView }) => {
  const a = props.view.assessment;
  return (
    <section class="card" id="fixes">
      <h2>{a ? `Missing fixes (${a.missing.total})` : 'Missing fixes'}</h2>
      {!a ? (
        <p class="hint">
          {props.view.inventory
            ? 'Not assessed yet: sync a vendor feed on the Patches page.'
            : 'Known once the machine is inventoried and a vendor feed covers its release.'}
        </p>
      ) : !a.covered ? (
        <Notice kind="error">{`No synchronised feed covers ${releaseLabel(a.release)}: its missing fixes are unknown.`}</Notice>
      ) : a.missing.total === 0 ? (
        <Notice kind="ok">{`Fully patched: ${a.packages} packages checked.${a.unfixed ? ` ${a.unfixed} known vulnerabilities have no fix yet.` : ''}`}</Notice>
      ) : (
        <>
          <p class="hint">
            {`${releaseLabel(a.release)} · assessed against the inventory of `}
            <When at={a.collectedAt} />
            {a.unfixed ? ` · ${a.unfixed} further known vulnerabilities have no fix yet` : ''}
          </p>
          <FixesTable view={props.view} />
        </>
      )}
    </section>
  );
};

/** The host's deployments, newest first, each with where this host stands in it. */
export const DeploymentsSection = (props: {
  deployments?: Array<{ d: DeploymentSummary; h: HostRow }> | undefined;
  available: boolean;
}) => {
  const rows = props.deployments ?? [];
  return (
    <section class="card" id="deployments">
      <h2>{`Deployments (${rows.length})`}</h2>
      {!props.available ? (
        <p class="hint">{UNAVAILABLE}</p>
      ) : rows.length === 0 ? (
        <p class="hint">
          None yet. Tick this host on <a href="/patches?view=hosts">Patches, by host</a> and choose Deploy
          selected.
        </p>
      ) : (
        <table class="stack">
          <thead>
            <tr>
              <th>Deployment</th>
              <th>Created</th>
              <th>Upgrades</th>
              <th>This host</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ d, h }) => (
              <tr>
                <td>
                  <a href={deploymentHref(d.id)}>{d.title}</a> <StateWord d={d} />
                </td>
                <td data-label="Created">
                  <When at={d.createdAt} />
                </td>
                <td data-label="Upgrades">
                  {h.change.upgrades.map((u) => `${u.name} ${u.version}`).join(', ')}
                </td>
                <td data-label="This host">
                  <a href={deploymentHref(d.id, `/hosts/${encodeURIComponent(h.hostId)}`)}>
                    <OutcomeWord h={h} />
                  </a>
                  {h.reason ? <div class="hint">{h.reason}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};
