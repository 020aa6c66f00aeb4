/**
 * The small programs a managed lab host is made of, as text (managed-host.ts writes them out):
 * - `supervise.sh` runs in the host's network namespace: waits for a Wake-on-LAN packet when the
 *   host is asleep, then boots the host, and boots it again with a new boot id whenever its PID 1
 *   exits (a "reboot"), until `halt` exists;
 * - `boot.sh` runs in a fresh mount, PID and UTS namespace: an overlay root (this machine's `/`
 *   with the host's own upper dir on top, seeded from the lab's base layer), fresh /proc, /sys, /dev, /run, /tmp,
 *   a per-boot boot_id over /proc/sys/kernel/random/boot_id, pivot_root, then sshd as PID 1;
 * - shims installed into the base layer: `reboot` (SIGTERM to PID 1), `pd-lab-hold-lock` (an fcntl
 *   lock on dpkg's lock-frontend, the kind apt honours; flock(1) would not block it).
 */

/** Where the lab's own files live inside a managed host (a tmpfs, fresh each boot). */
export const HOST_RUN = '/run/pd-lab';
export const HOLD_LOCK = '/usr/local/sbin/pd-lab-hold-lock';
/** python3 of the distribution (not a user's shim on PATH). */
const PYTHON = '/usr/bin/python3';
const SSHD_LISTENING = ':0016 00000000:0000 0A';

export const sshdConfig = (): string =>
  [
    'Port 22',
    'ListenAddress 0.0.0.0',
    `HostKey ${HOST_RUN}/host_key`,
    'PidFile none',
    `AuthorizedKeysFile .ssh/authorized_keys ${HOST_RUN}/authorized_keys`,
    // The lab's key files sit in a tmpfs the lab writes; root's own are checked as usual.
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');

/** `reboot`/`shutdown -r`: answer at once (as systemd does), then end PID 1: the host restarts. */
export const rebootShim = (): string => `#!/bin/sh
# Patch Depot lab: a reboot ends this host's PID 1 (sshd); the lab boots it again with a new boot id.
case "$(basename "$0") $*" in
  shutdown*-c*) exit 0 ;;
esac
echo "lab host: rebooting" >&2
setsid sh -c 'sleep 0.3; kill -TERM 1' </dev/null >/dev/null 2>&1 &
exit 0
`;

/** Hold dpkg's frontend lock with fcntl (as apt takes it) for N seconds, or until killed. */
export const holdLockScript = (): string => `#!${PYTHON}
# Patch Depot lab: hold /var/lib/dpkg/lock-frontend (fcntl, as apt and dpkg take it) for N seconds.
import fcntl, os, sys, time
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
f = open("/var/lib/dpkg/lock-frontend", "a")
fcntl.lockf(f, fcntl.LOCK_EX)
with open("${HOST_RUN}/lock-holder.pid", "w") as p:
    p.write("%d\\n" % os.getpid())
print("held", flush=True)
time.sleep(seconds)
`;

/** Wait for a magic packet (6x FF, 16x the MAC, optional SecureOn after) on UDP 9. */
export const wolListener = (): string => `import socket, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
want = b"\\xff" * 6 + mac * 16
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9))
with open(sys.argv[2], "w") as f:
    f.write("asleep\\n")
while True:
    data, peer = s.recvfrom(2048)
    if want in data:
        print("woken by %s" % peer[0], flush=True)
        break
    print("ignored a packet of %d bytes from %s" % (len(data), peer[0]), flush=True)
`;

export interface BootScriptOptions {
  dir: string;
  hostname: string;
  lockSeconds: number;
}

export const bootScript = (o: BootScriptOptions): string => {
  const R = `${o.dir}/root`;
  const lock =
    o.lockSeconds > 0
      ? `${HOLD_LOCK} ${o.lockSeconds} >/dev/null 2>&1 &
n=0; while [ ! -e ${HOST_RUN}/lock-holder.pid ] && [ $n -lt 6000 ]; do sleep 0.01; n=$((n+1)); done
[ -e ${HOST_RUN}/lock-holder.pid ] || echo "lab host: the dpkg lock holder did not start in 60 s" >&2
`
      : '';
  return `set -eu
R=${R}
mount -t overlay overlay -o lowerdir=/,upperdir=${o.dir}/upper,workdir=${o.dir}/work $R
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t tmpfs -o mode=755,size=8m tmpfs $R/dev
for n in null zero full random urandom tty; do touch $R/dev/$n; mount --bind /dev/$n $R/dev/$n; done
mkdir $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts $R/dev/pts
ln -s pts/ptmx $R/dev/ptmx
ln -s /proc/self/fd $R/dev/fd
ln -s /proc/self/fd/0 $R/dev/stdin; ln -s /proc/self/fd/1 $R/dev/stdout; ln -s /proc/self/fd/2 $R/dev/stderr
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tmpfs -o mode=755 tmpfs $R/run
mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mkdir -p $R/run/sshd $R/run/lock ${R}${HOST_RUN}/oldroot
cp ${o.dir}/ssh/host_key ${o.dir}/ssh/authorized_keys ${o.dir}/ssh/sshd_config ${o.dir}/boot_id ${R}${HOST_RUN}/
mount --bind ${R}${HOST_RUN}/boot_id $R/proc/sys/kernel/random/boot_id
hostname ${o.hostname}
cd $R
pivot_root . .${HOST_RUN}/oldroot
umount -l ${HOST_RUN}/oldroot
rmdir ${HOST_RUN}/oldroot
cd /
${lock}exec /usr/sbin/sshd -D -e -f ${HOST_RUN}/sshd_config
`;
};

export interface SuperviseOptions {
  dir: string;
  mac: string;
  asleep: boolean;
  /** Answer ping once awake (a host spec'd not to ping keeps ignoring it). */
  ping: boolean;
}

export const superviseScript = (o: SuperviseOptions): string => {
  const D = o.dir;
  // Asleep: deaf to ARP and ping (a powered-off NIC), only the Wake-on-LAN listener runs. A host
  // starts so when spec'd asleep, and goes so again when powered off (the $D/poweroff marker).
  return `D=${D}
echo $$ > $D/supervisor.pid
sleep_until_woken() {
  sysctl -qw net.ipv4.conf.eth0.arp_ignore=8 net.ipv4.icmp_echo_ignore_all=1
  ${PYTHON} $D/wol.py ${o.mac} $D/state >>$D/console.log 2>&1 || { echo failed > $D/state; exit 1; }
  sysctl -qw net.ipv4.conf.eth0.arp_ignore=0 net.ipv4.icmp_echo_ignore_all=${o.ping ? 0 : 1}
}
${o.asleep ? 'sleep_until_woken\n' : ''}gone() { ! kill -0 "$1" 2>/dev/null || grep -q ') Z' /proc/"$1"/stat 2>/dev/null; }
while :; do
  cat /proc/sys/kernel/random/uuid > $D/boot_id
  echo booting > $D/state
  unshare --mount --pid --uts --fork --propagation private /bin/sh $D/boot.sh >>$D/console.log 2>&1 &
  child=$!
  while ! gone $child && ! grep -q '${SSHD_LISTENING}' /proc/net/tcp; do sleep 0.02; done
  if gone $child; then
    wait $child
    echo "failed $?" > $D/state
    exit 1
  fi
  echo "up $(cat $D/boot_id)" > $D/state
  wait $child
  echo "down $?" > $D/state
  [ -e $D/halt ] && exit 0
  while grep -q '${SSHD_LISTENING}' /proc/net/tcp; do sleep 0.02; done
  if [ -e $D/poweroff ]; then rm -f $D/poweroff; sleep_until_woken; fi
done
`;
};
