/**
 * What a person reads of a message from the daemon (issue 14 item 5): errno codes in words, job
 * ids out of the sentence, times in the appliance's zone and config keys named as settings. The exact text stays one click away
 * under "details", for the technician who pastes it into a search or a ticket.
 */
import { configSchema } from '../../daemon/config.js';
import { whenText } from './when.js';

export interface Plain {
  /** The message in words. */
  text: string;
  /** The exact message, when `text` differs from it. */
  detail?: string;
}

/** Node's error codes, as people say them. */
const ERRNO: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens there)',
  ECONNRESET: 'the connection was cut',
  ECONNABORTED: 'the connection was dropped',
  ETIMEDOUT: 'no answer in time',
  UND_ERR_CONNECT_TIMEOUT: 'no answer in time',
  UND_ERR_HEADERS_TIMEOUT: 'the server sent nothing in time',
  UND_ERR_BODY_TIMEOUT: 'the download stalled',
  UND_ERR_SOCKET: 'the connection was cut',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name could not be looked up (DNS did not answer)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EHOSTDOWN: 'the host is down',
  EPIPE: 'the other end closed the connection',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not one of this appliance',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENOENT: 'not found',
  EISDIR: 'a directory is in the way',
  ENOTDIR: 'a file is in the way of a directory',
  EMFILE: 'too many open files',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is not from a trusted authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
};

const CODE = Object.keys(ERRNO).join('|');
/** `connect ECONNREFUSED 127.0.0.1:9`, `getaddrinfo ENOTFOUND mirror.test`: syscall, code, subject. */
const SOCKET = new RegExp(
  `\\b(?:(?:connect|getaddrinfo|read|write|send|bind|listen|open) )?(${CODE})\\b( (?:\\[[0-9a-f:]+\\]|[\\w.-]+)(?::\\d+)?)?`,
  'g',
);
/** `ENOSPC: no space left on device, write '/var/lib/x'`: fs errors name the path last. */
const FS = /\b(E[A-Z]{2,}): ([a-z][^,]*), [a-z]+(?: '([^']+)')?/g;
/**
 * Job ids (`job-20261204T071756-2f056b`), in brackets or bare. The blanks before brackets are
 * matched from the first of a run only: tried at every blank, each try read the rest of the run,
 * and a host's 64 KiB of blanks in a step's stderr held the daemon's thread for seconds a page.
 */
const JOB_ID =
  /(?<!\s)\s*\((job|scope|scan)-\d{8}T\d{6}-[0-9a-f]{4,}\)|\b(job|scope|scan)-\d{8}T\d{6}-[0-9a-f]{4,}\b/g;
/** An ISO time, as the daemon writes them into messages. */
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;
/** A dotted config path (`cache.proxy.host`), not part of a URL or a host name. */
const KEY = /(?<![\w./@:-])([a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)+)(?![\w/-])/g;

const SECTION: Record<string, string> = {
  http: 'Web',
  log: 'Logging',
  store: 'Storage',
  auth: 'Sign-in',
  site: 'Site',
  api: 'Console API',
  jobs: 'Jobs',
  catalog: 'Feeds',
  inventory: 'Inventory',
  discovery: 'Discovery',
  cache: 'Cache',
  tftp: 'TFTP',
  deploy: 'Deployments',
  selfUpdate: 'Self-update',
  reports: 'Reports',
  mdns: 'On the LAN',
};

// biome-ignore lint/suspicious/noExplicitAny: walking zod's own definitions
const unwrap = (schema: any): any => {
  let s = schema;
  for (let i = 0; i < 8; i++) {
    const def = s?._zod?.def;
    if (def?.innerType) s = def.innerType;
    else if (def?.type === 'pipe') s = def.in;
    else break;
  }
  return s;
};

/** Whether `path` names a setting of config.json. */
const isSetting = (path: string[]): boolean => {
  let s: unknown = configSchema;
  for (const seg of path) {
    const shape = unwrap(s)?.shape as Record<string, unknown> | undefined;
    if (!shape || !Object.hasOwn(shape, seg)) return false;
    s = shape[seg];
  }
  return true;
};

const words = (camel: string): string =>
  camel.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/\b([A-Z][a-z])/g, (m) => m.toLowerCase());

/** `cache.proxy.host` as people name it: "the setting Cache › proxy › host". */
export const settingName = (path: string): string => {
  const [section, ...rest] = path.split('.');
  return `the setting “${[SECTION[section!] ?? words(section!), ...rest.map(words)].join(' › ')}”`;
};

export const plainWords = (message: string): Plain => {
  const text = message
    .replace(
      FS,
      (_m, code: string, said: string, path?: string) => `${ERRNO[code] ?? said}${path ? ` (${path})` : ''}`,
    )
    .replace(SOCKET, (_m, code: string, subject?: string) =>
      subject ? `${subject.trim()}: ${ERRNO[code]}` : (ERRNO[code] ?? code),
    )
    .replace(JOB_ID, '')
    .replace(ISO_TIME, (iso) => whenText(iso))
    .replace(KEY, (m: string) => (isSetting(m.split('.')) ? settingName(m) : m));
  return text === message ? { text } : { text, detail: message };
};

/** A message in words, with the exact text under a "details" toggle when the two differ. */
export const Reason = (props: { message: string }) => {
  const p = plainWords(props.message);
  return p.detail === undefined ? (
    <>{p.text}</>
  ) : (
    <>
      {p.text}{' '}
      <details class="detail">
        <summary>details</summary>
        <code>{p.detail}</code>
      </details>
    </>
  );
};
