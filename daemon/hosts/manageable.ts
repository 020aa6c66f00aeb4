/**
 * Should the host page offer "Manage this machine" (give the appliance SSH access)? Where SSH was
 * seen, or the OS looks like Linux/Unix, or nothing says otherwise. Not for a printer, TV, phone
 * or network device: their firmware is not patched through a shell login, and asking a
 * technician to give a printer SSH access is noise.
 */
import { type Asset, isThisAppliance } from '../discovery/asset.js';
import type { DeviceClass } from '../discovery/classify.js';

/** The kinds never offered SSH management, as a sentence names them. */
const NOT_OVER_SSH: Partial<Record<DeviceClass, string>> = {
  printer: 'a printer',
  phone: 'a phone',
  network: 'a network device',
  iot: 'a TV, speaker, camera or other smart device',
};
const UNIX_LIKE = /linux|unix|debian|ubuntu|raspbian|centos|red hat|fedora|alpine|rocky|alma|suse|bsd/i;

export interface Manageability {
  offer: boolean;
  why: string;
}

export const sshManageable = (
  asset: Pick<Asset, 'deviceClass' | 'os' | 'openPorts' | 'services' | 'evidence'> | undefined,
): Manageability => {
  if (!asset) return { offer: true, why: 'known by its address only' };
  if (isThisAppliance(asset)) {
    return {
      offer: false,
      why: 'this is the Patch Depot appliance itself; it updates itself (Settings, Self-update)',
    };
  }
  const kind = NOT_OVER_SSH[asset.deviceClass];
  if (kind) return { offer: false, why: `${kind}: its firmware is not patched over an SSH login` };
  const ssh =
    asset.openPorts.includes(22) || asset.services.some((s) => s.type === 'ssh' || s.type === 'sftp-ssh');
  if (ssh) return { offer: true, why: 'SSH is open' };
  if (asset.os && UNIX_LIKE.test(asset.os)) return { offer: true, why: `${asset.os} hint` };
  if (asset.os) return { offer: false, why: `${asset.os}: no package database the appliance reads over SSH` };
  return { offer: true, why: 'nothing says it cannot be managed over SSH' };
};
