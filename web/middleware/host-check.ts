/**
 * DNS-rebinding guard: answer only requests addressed to this appliance by a name it knows (an IP
 * literal, localhost, its own host name, or a name the admin listed in http.allowedHosts). A page
 * on evil.example whose name re-resolves to the appliance sends `Host: evil.example` and is
 * refused before any route — setup, login, metrics or the cache — can see it.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { MiddlewareHandler } from 'hono';

/** The host name part of a Host header or URL host: no port, no IPv6 brackets, lower case. */
export const hostOnly = (host: string): string => {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon > -1 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
};

/** True when the admin listed this host (a listed ".example.org" admits every name under it). */
export const listedHost = (host: string, allowed: readonly string[]): boolean => {
  const name = hostOnly(host).replace(/\.$/, '');
  return allowed.some((a) => {
    const k = a.toLowerCase();
    return k.startsWith('.') ? name.endsWith(k) : name === k;
  });
};

export const hostAllowed = (host: string, allowed: readonly string[], machine = hostname()): boolean => {
  const name = hostOnly(host).replace(/\.$/, '');
  if (!name) return false;
  if (isIP(name)) return true;
  const me = machine.toLowerCase();
  return name === 'localhost' || name === me || name === `${me}.local` || listedHost(name, allowed);
};

export const hostCheck = (
  allowed: readonly string[],
  /** How to admit another name, for the refusal. */
  howToAdd = 'add the name to http.allowedHosts',
): MiddlewareHandler =>
  async function host(c, next) {
    const header = c.req.header('host') ?? '';
    if (!hostAllowed(header, allowed)) {
      return c.text(
        `This appliance does not answer to "${header.slice(0, 100)}". Use its address, or ${howToAdd}.\n`,
        421,
      );
    }
    await next();
  };
